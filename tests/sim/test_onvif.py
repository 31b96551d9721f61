"""The virtual ONVIF device, driven by onvif-zeep-async (the client Home Assistant uses) and by raw
SOAP for the faults; and the proof that a move changes the decoded picture as the position predicts.

Every socket these tests open must go to 127.0.0.1 (a guard on ``socket.socket`` enforces it), and
nothing does WS-Discovery: the client is pointed at the device, never asked to find it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import numpy.typing as npt
import pytest
import zeep.exceptions
from lxml import etree  # type: ignore[import-untyped]
from onvif import ONVIFCamera
from onvif.exceptions import ONVIFError

from citywatch.sim.onvif import SimOnvifCamera, start_onvif_device
from citywatch.sim.ptz_motion import PAN_SPEED_DEG_S, ZOOM_FULL_RANGE_S, PtzPosition
from citywatch.sim.scene import StreetScene, Viewport
from citywatch.sim.sources import position_viewport

CITYWATCH = str(Path(sys.executable).with_name("citywatch"))
PASSWORD = "Op3rator-pass"
PROFILE = "profile_1"
SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
GREY = np.array([0.299, 0.587, 0.114])


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or datagram to an address other than 127.0.0.1 (no LAN, no multicast)."""
    real_connect, real_connect_ex, real_sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
            raise AssertionError(f"a test tried to reach {address}: only 127.0.0.1 is allowed")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def sendto(sock: socket.socket, data: bytes, *args: Any) -> int:
        check(sock, args[-1])
        return real_sendto(sock, data, *args)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)


@pytest.fixture(scope="module")
def camera() -> Iterator[SimOnvifCamera]:
    cam = start_onvif_device(username="operator", password=PASSWORD)
    try:
        yield cam
    finally:
        cam.close()


@pytest.fixture(autouse=True)
def at_rest(request: pytest.FixtureRequest) -> None:
    if "camera" in request.fixturenames:
        cam: SimOnvifCamera = request.getfixturevalue("camera")
        cam.motion.jump_to(PtzPosition())
        cam.motion.set_home(PtzPosition())


@contextlib.asynccontextmanager
async def onvif(camera: SimOnvifCamera, password: str | None = None) -> AsyncIterator[ONVIFCamera]:
    client = ONVIFCamera(camera.host, camera.port, camera.username, password or camera.password, no_cache=True)
    try:
        await client.update_xaddrs()
        yield client
    finally:
        await client.close()


async def settle(camera: SimOnvifCamera) -> None:
    """Sleep until the motors' current move has finished (computed, not polled)."""
    await asyncio.sleep(max(0.0, camera.motion.settle_time() - camera.motion.now()) + 0.05)


def xyz(status: Any) -> tuple[float, float, float]:
    return status.Position.PanTilt.x, status.Position.PanTilt.y, status.Position.Zoom.x


def subcodes(fault: pytest.ExceptionInfo[zeep.exceptions.Fault]) -> list[str]:
    """The fault's ONVIF subcodes, by local name (zeep resolves ``ter:`` into lxml QNames)."""
    return [etree.QName(c).localname for c in fault.value.subcodes or []]


def move(pan: float, tilt: float, zoom: float) -> dict[str, Any]:
    return {"ProfileToken": PROFILE, "Position": {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}}


# --- device and media --------------------------------------------------------------------------
def test_device_information_services_and_profiles(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            assert client.xaddrs["http://www.onvif.org/ver20/ptz/wsdl"].startswith("http://127.0.0.1:")
            device = await client.create_devicemgmt_service()
            info = await device.GetDeviceInformation()
            assert (info.Manufacturer, info.SerialNumber, info.HardwareId) == ("citywatch", "CW-SIM-0001", "CAM 1")
            capabilities = await client.get_capabilities()
            assert capabilities is not None and capabilities["PTZ"]["XAddr"].endswith("/onvif/ptz_service")
            media = await client.create_media_service()
            (profile,) = await media.GetProfiles()
            assert profile.token == PROFILE and profile.VideoEncoderConfiguration.Encoding == "H264"
            assert (profile.VideoEncoderConfiguration.Resolution.Width, profile.PTZConfiguration.NodeToken) == (
                320,
                "ptz_node_1",
            )
            setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
            uri = await media.GetStreamUri({"StreamSetup": setup, "ProfileToken": PROFILE})
            assert uri.Uri == camera.rtsp_url
            snapshot = await client.get_snapshot(PROFILE)
            assert snapshot is not None and snapshot[:2] == b"\xff\xd8"
            with av.open(io.BytesIO(snapshot)) as jpeg:
                picture = next(jpeg.decode(video=0))
            assert (picture.width, picture.height) == (320, 180)
            return None

    asyncio.run(scenario())
    # The stream URI is a real stream: PyAV opens it and decodes a picture of the profile's size.
    with av.open(camera.rtsp_url, options={"rtsp_transport": "tcp", "timeout": "5000000"}) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (320, 180)


def test_ptz_node_and_configuration_use_the_generic_spaces(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            (node,) = await ptz.GetNodes()
            spaces = node.SupportedPTZSpaces
            assert spaces.AbsolutePanTiltPositionSpace[0].URI.endswith("PanTiltSpaces/PositionGenericSpace")
            assert (spaces.AbsoluteZoomPositionSpace[0].XRange.Min, spaces.AbsoluteZoomPositionSpace[0].XRange.Max) == (
                0.0,
                1.0,
            )
            assert node.HomeSupported and node.MaximumNumberOfPresets >= 16
            (config,) = await ptz.GetConfigurations()
            assert config.DefaultPTZTimeout == timedelta(seconds=10) and config.PanTiltLimits.Range.XRange.Min == -1

    asyncio.run(scenario())


# --- moves ---------------------------------------------------------------------------------------
def test_absolute_move_reaches_the_target_at_motor_speed(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            await ptz.AbsoluteMove(move(0.5, -0.2, 0.4))
            status = await ptz.GetStatus({"ProfileToken": PROFILE})
            assert status.MoveStatus.PanTilt == "MOVING" and status.MoveStatus.Zoom == "MOVING"
            pan, tilt, zoom = xyz(status)
            assert 0 <= pan < 0.5 and -0.2 <= tilt <= 0 and 0 <= zoom < 0.4
            # 90° of pan at 90°/s is 1 s; zoom 0 → 0.4 of a 3 s range is 1.2 s: the move takes 1.2 s.
            expected_s = max(90 / PAN_SPEED_DEG_S, 0.4 * ZOOM_FULL_RANGE_S)
            assert camera.motion.settle_time() - camera.motion.commanded_at == pytest.approx(expected_s)
            await settle(camera)
            status = await ptz.GetStatus({"ProfileToken": PROFILE})
            assert (status.MoveStatus.PanTilt, status.MoveStatus.Zoom) == ("IDLE", "IDLE")
            assert xyz(status) == (0.5, -0.2, 0.4)
            assert abs((status.UtcTime - datetime.now(UTC)).total_seconds()) < 5

    asyncio.run(scenario())


def test_relative_move_adds_to_the_position(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            camera.motion.jump_to(PtzPosition(0.9, 0.1, 0.0))
            translation = {"PanTilt": {"x": 0.2, "y": -0.3}, "Zoom": {"x": 0.1}}
            speed = {"PanTilt": {"x": 0.5, "y": 0.5}, "Zoom": {"x": 1.0}}
            await ptz.RelativeMove({"ProfileToken": PROFILE, "Translation": translation, "Speed": speed})
            # Half speed: 36° of pan at 45°/s = 0.8 s, 13.5° of tilt at 22.5°/s = 0.6 s, zoom 0.3 s.
            assert camera.motion.settle_time() - camera.motion.commanded_at == pytest.approx(0.8)
            await settle(camera)
            pan, tilt, zoom = xyz(await ptz.GetStatus({"ProfileToken": PROFILE}))
            assert (pan, tilt, zoom) == (pytest.approx(-0.9), pytest.approx(-0.2), pytest.approx(0.1))  # pan wraps

    asyncio.run(scenario())


def test_continuous_move_stops_after_its_timeout(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            velocity = {"PanTilt": {"x": 0.5, "y": 0.0}}
            await ptz.ContinuousMove({"ProfileToken": PROFILE, "Velocity": velocity, "Timeout": timedelta(seconds=0.6)})
            status = await ptz.GetStatus({"ProfileToken": PROFILE})
            assert status.MoveStatus.PanTilt == "MOVING"
            assert camera.motion.settle_time() - camera.motion.commanded_at == pytest.approx(0.6)
            await settle(camera)
            status = await ptz.GetStatus({"ProfileToken": PROFILE})
            assert status.MoveStatus.PanTilt == "IDLE"
            # Half of 90°/s for 0.6 s = 27° = 0.15 of the ±180° pan range; zoom untouched.
            assert xyz(status) == (pytest.approx(0.15, abs=1e-5), 0.0, 0.0)

    asyncio.run(scenario())


def test_stop_halts_a_continuous_move(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            await ptz.ContinuousMove({"ProfileToken": PROFILE, "Velocity": {"Zoom": {"x": 1.0}}})  # default timeout
            assert (await ptz.GetStatus({"ProfileToken": PROFILE})).MoveStatus.Zoom == "MOVING"
            await ptz.Stop({"ProfileToken": PROFILE, "PanTilt": True, "Zoom": True})
            stopped = await ptz.GetStatus({"ProfileToken": PROFILE})
            await asyncio.sleep(0.2)
            later = await ptz.GetStatus({"ProfileToken": PROFILE})
            assert stopped.MoveStatus.Zoom == later.MoveStatus.Zoom == "IDLE"
            assert xyz(stopped) == xyz(later) and 0 < later.Position.Zoom.x < 1

    asyncio.run(scenario())


def test_presets_set_list_go_and_remove(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            camera.motion.jump_to(PtzPosition(-0.25, 0.3, 0.2))
            token = await ptz.SetPreset({"ProfileToken": PROFILE, "PresetName": "Town Hall steps"})
            (preset,) = await ptz.GetPresets({"ProfileToken": PROFILE})
            assert (preset.token, preset.Name) == (token, "Town Hall steps")
            assert (preset.PTZPosition.PanTilt.x, preset.PTZPosition.Zoom.x) == (-0.25, 0.2)
            with pytest.raises(zeep.exceptions.Fault) as clash:
                await ptz.SetPreset({"ProfileToken": PROFILE, "PresetName": "Town Hall steps"})
            assert subcodes(clash) == ["InvalidArgVal", "PresetExist"]
            camera.motion.jump_to(PtzPosition(0.6, -0.5, 0.9))
            await ptz.GotoPreset({"ProfileToken": PROFILE, "PresetToken": token})
            await settle(camera)
            assert xyz(await ptz.GetStatus({"ProfileToken": PROFILE})) == (-0.25, 0.3, 0.2)
            await ptz.RemovePreset({"ProfileToken": PROFILE, "PresetToken": token})
            assert await ptz.GetPresets({"ProfileToken": PROFILE}) == []
            with pytest.raises(zeep.exceptions.Fault) as missing:
                await ptz.GotoPreset({"ProfileToken": PROFILE, "PresetToken": token})
            assert subcodes(missing) == ["InvalidArgVal", "NoToken"]

    asyncio.run(scenario())


def test_home_position_is_settable(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            camera.motion.jump_to(PtzPosition(0.4, -0.1, 0.5))
            await ptz.SetHomePosition({"ProfileToken": PROFILE})
            camera.motion.jump_to(PtzPosition(-0.7, 0.6, 0.0))
            await ptz.GotoHomePosition({"ProfileToken": PROFILE})
            assert (await ptz.GetStatus({"ProfileToken": PROFILE})).MoveStatus.PanTilt == "MOVING"
            await settle(camera)
            assert xyz(await ptz.GetStatus({"ProfileToken": PROFILE})) == (0.4, -0.1, 0.5)

    asyncio.run(scenario())


# --- authentication and faults ---------------------------------------------------------------------
def test_wrong_password_is_refused_but_the_clock_is_public(camera: SimOnvifCamera) -> None:
    async def scenario() -> None:
        client = ONVIFCamera(camera.host, camera.port, camera.username, "not-the-password", no_cache=True)
        try:
            with pytest.raises((ONVIFError, zeep.exceptions.Fault)) as refused:
                await client.update_xaddrs()
            assert "not authorized" in str(refused.value).lower()
            device = await client.create_devicemgmt_service()
            clock = await device.authless_GetSystemDateAndTime()
            assert clock.UTCDateTime.Date.Year == datetime.now(UTC).year
        finally:
            await client.close()

    asyncio.run(scenario())


def token_header(username: str, password: str, *, created: str | None = None, nonce: bytes | None = None) -> str:
    nonce = nonce or os.urandom(16)
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    digest_type = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
    return (
        f'<s:Header><wsse:Security xmlns:wsse="{wsse}" xmlns:wsu="{wsu}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{digest_type}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security></s:Header>"
    )


def soap(camera: SimOnvifCamera, body: str, header: str = "", path: str = "/onvif/device_service") -> httpx.Response:
    envelope = (
        f'<?xml version="1.0"?><s:Envelope xmlns:s="{SOAP_ENV}" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"'
        f' xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">'
        f"{header}<s:Body>{body}</s:Body></s:Envelope>"
    )
    url = f"http://{camera.host}:{camera.port}{path}"
    return httpx.post(url, content=envelope, headers={"Content-Type": "application/soap+xml"}, timeout=5)


def fault_codes(response: httpx.Response) -> list[str]:
    root = etree.fromstring(response.content)
    return [v.text for v in root.iter(f"{{{SOAP_ENV}}}Value")]


def test_authentication_faults_are_soap_faults(camera: SimOnvifCamera) -> None:
    info = "<tds:GetDeviceInformation/>"
    good = soap(camera, info, token_header(camera.username, camera.password))
    assert good.status_code == 200 and b"CW-SIM-0001" in good.content
    for header in (
        "",  # no token at all
        token_header(camera.username, "wrong"),
        token_header("intruder", camera.password),
        token_header(camera.username, camera.password, created="2020-01-01T00:00:00Z"),  # stale
    ):
        refused = soap(camera, info, header)
        assert refused.status_code == 400 and refused.headers["content-type"].startswith("application/soap+xml")
        assert fault_codes(refused) == ["env:Sender", "ter:NotAuthorized"], refused.text
    replayed = token_header(camera.username, camera.password, nonce=b"0123456789abcdef")
    assert soap(camera, info, replayed).status_code == 200
    assert fault_codes(soap(camera, info, replayed)) == ["env:Sender", "ter:NotAuthorized"]
    assert soap(camera, "<tds:GetSystemDateAndTime/>").status_code == 200  # no token needed


def test_malformed_requests_get_soap_faults(camera: SimOnvifCamera) -> None:
    auth = token_header(camera.username, camera.password)
    broken = httpx.post(camera.url, content=b"<s:Envelope><unclosed>", timeout=5)
    assert broken.status_code == 400 and fault_codes(broken) == ["env:Sender", "ter:WellFormed"]
    unknown = soap(camera, "<tds:SystemReboot/>", auth)
    assert unknown.status_code == 500 and fault_codes(unknown) == ["env:Receiver", "ter:ActionNotSupported"]
    wrong_service = soap(camera, "<tds:GetDeviceInformation/>", token_header(camera.username, camera.password), "/x")
    assert wrong_service.status_code == 404

    async def scenario() -> None:
        async with onvif(camera) as client:
            ptz = await client.create_ptz_service()
            with pytest.raises(zeep.exceptions.Fault) as outside:
                await ptz.AbsoluteMove(move(0.0, 1.5, 0.0))
            assert subcodes(outside) == ["InvalidArgVal", "InvalidPosition"]
            with pytest.raises(zeep.exceptions.Fault) as no_profile:
                await ptz.GetStatus({"ProfileToken": "nope"})
            assert subcodes(no_profile) == ["InvalidArgVal", "NoProfile"]
            foreign = {"PanTilt": {"x": 0.1, "y": 0.1, "space": "http://example.invalid/DegreesSpace"}}
            with pytest.raises(zeep.exceptions.Fault) as space:
                await ptz.AbsoluteMove({"ProfileToken": PROFILE, "Position": foreign})
            assert subcodes(space) == ["InvalidArgVal", "SpaceNotSupported"]
        assert camera.position() == PtzPosition()  # no refused command moved the camera

    asyncio.run(scenario())


# --- the picture moves -----------------------------------------------------------------------------
def grey(picture: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    return np.asarray(picture[..., :3] @ GREY, dtype=np.float64)


def correlation(scene: StreetScene, picture: npt.NDArray[np.float64], vp: Viewport) -> float:
    """Pearson correlation of a decoded picture with the static panorama crop for ``vp``, ignoring
    the burned-in labels (top left)."""
    ys, xs, _left, _top = scene.view_indices(vp)
    expected = grey(scene.panorama[ys[:, None], xs[None, :]])
    keep = np.ones(picture.shape, dtype=bool)
    keep[:36, :210] = False
    return float(np.corrcoef(picture[keep], expected[keep])[0, 1])


def read_pan(scene: StreetScene, picture: npt.NDArray[np.float64], tilt: float, zoom: float) -> float:
    """The pan (degrees) whose panorama crop best matches the picture: coarse, then fine."""
    coarse = max(np.arange(-180.0, 180.0, 1.0), key=lambda p: correlation(scene, picture, Viewport(p, tilt, zoom)))
    fine = np.arange(coarse - 1.0, coarse + 1.0, 0.1)
    return float(max(fine, key=lambda p: correlation(scene, picture, Viewport(p, tilt, zoom))))


def read_tilt(scene: StreetScene, picture: npt.NDArray[np.float64], pan: float, zoom: float) -> float:
    candidates = np.arange(-45.0, 45.0, 0.25)
    return float(max(candidates, key=lambda t: correlation(scene, picture, Viewport(pan, t, zoom))))


def test_a_move_changes_the_decoded_picture_as_the_position_predicts(camera: SimOnvifCamera) -> None:
    scene = camera.network.camera(1).scene
    start, target = PtzPosition(), PtzPosition(0.25, 0.2, 0.25)  # 45° right, 9° up, 2.1x
    container = av.open(camera.rtsp_url, options={"rtsp_transport": "tcp", "timeout": "5000000"})
    try:
        frames = container.decode(video=0)
        before = grey(next(frames).to_ndarray(format="rgb24"))
        assert abs(read_pan(scene, before, 0.0, 1.0)) <= 0.3  # the camera starts facing N

        async def command() -> None:
            async with onvif(camera) as client:
                ptz = await client.create_ptz_service()
                await ptz.AbsoluteMove(move(target.pan, target.tilt, target.zoom))

        asyncio.run(command())
        settled_at = camera.motion.settle_time()
        # Frames queue up in the socket while PyAV probes and while the command runs (seconds on a
        # busy machine): decode on until a picture captured after the move ended, at most 40 s of
        # video, then read where it points.
        vp = position_viewport(target)
        after = before
        for _ in range(1000):
            after = grey(next(frames).to_ndarray(format="rgb24"))
            if camera.motion.now() > settled_at + 2.0 and correlation(scene, after, vp) > 0.9:
                break
        assert correlation(scene, after, vp) > 0.9
        assert correlation(scene, after, vp) > correlation(scene, after, position_viewport(start)) + 0.3
        assert read_pan(scene, after, vp.tilt_deg, vp.zoom) == pytest.approx(45.0, abs=0.3)
        assert read_tilt(scene, after, 45.0, vp.zoom) == pytest.approx(9.0, abs=0.5)
        assert correlation(scene, after, vp) > max(
            correlation(scene, after, Viewport(45.0, 9.0, z)) for z in (1.0, 1.6, 2.8, 4.0)
        )
    finally:
        container.close()


# --- the command line ------------------------------------------------------------------------------
def test_cameras_command_starts_onvif_for_ptz_cameras(loop_cache: Path) -> None:
    cmd = [CITYWATCH, "sim", "cameras", "--count", "2", "--ptz", "2", "--rtsp-port", "0", "--control-port", "0"]
    cmd += ["--width", "320", "--height", "180", "--bitrate-kbps", "400", "--loop-s", "2"]
    cmd += ["--cache-dir", str(loop_cache)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        urls = [proc.stdout.readline().strip() for _ in range(2)]
        control_port = int(proc.stderr.readline().split(":")[-1].split("/")[0])
        words = proc.stderr.readline().split()
        assert words[:3] == ["onvif:", "camera", "2"] and words[4] == "user" and words[6] == "password", words
        onvif_url, username, password = words[3], words[5], words[7]
        counters = httpx.get(f"http://127.0.0.1:{control_port}/cameras", timeout=5).json()
        assert [(c["ptz"], c["onvif_url"]) for c in counters] == [(False, None), (True, onvif_url)]
        host, port = onvif_url.split("/")[2].split(":")

        async def scenario() -> None:
            client = ONVIFCamera(host, int(port), username, password, no_cache=True)
            try:
                await client.update_xaddrs()
                media = await client.create_media_service()
                setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
                assert (await media.GetStreamUri({"StreamSetup": setup, "ProfileToken": PROFILE})).Uri == urls[1]
            finally:
                await client.close()

        asyncio.run(scenario())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
