"""Live view end to end: the real recorder against a virtual camera, 20 WebSocket viewers, one RTSP session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from citywatch.api import create_app
from citywatch.config import RecorderSettings, Settings
from citywatch.sim.network import CameraNetwork
from citywatch.video.cameras import CameraInput
from citywatch.video.supervisor import RecorderSupervisor
from citywatch.wiring import build_services
from tests.api.auth import login
from tests.api.hls import decode, parse_playlist
from tests.api.live_client import watch
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, CameraNetwork]]:
    net = CameraNetwork(1, width=320, height=180, fps=25, bitrate_kbps=300, keyframe_interval_s=1.0)
    with net.running_in_thread():
        data_dir: Path = tmp_path_factory.mktemp("live")
        settings = Settings(
            data_dir=data_dir, admin_password=ADMIN_PASSWORD, recorder=RecorderSettings(workers=1, file_duration_s=10)
        )
        services = build_services(settings)
        services.cameras.add(CameraInput(name="Live 1", rtsp_url=net.urls[0]))
        app = create_app(services, background=[RecorderSupervisor(services)])
        with running(app) as base_url:
            _wait_until_recording(base_url)
            yield base_url, net
        services.close()


def _wait_until_recording(base_url: str) -> None:
    """The recorder worker starts in its own process; live view exists once it has written a GOP."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {login(base_url)}"}) as api:
        deadline = time.monotonic() + 60
        while api.get("/api/v1/cameras/1/live.m3u8").status_code != 200:
            assert time.monotonic() < deadline, "the recorder did not start recording the virtual camera"
            time.sleep(0.2)


def test_twenty_viewers_share_one_camera_session(live_server: tuple[str, CameraNetwork]) -> None:
    base_url, net = live_server
    token = login(base_url)
    ws_url = base_url.replace("http://", "ws://") + "/api/v1/cameras/1/live"

    async def many() -> list:  # type: ignore[type-arg]
        return await asyncio.gather(*(watch(ws_url, token, fragments=15, timeout_s=30) for _ in range(20)))

    captures = asyncio.run(many())
    assert net.camera(1).sessions == 1
    for capture in captures:
        assert capture.mime.startswith('video/mp4; codecs="avc1.')
        frames = decode(capture.init + b"".join(capture.fragments))
        # Fifteen parts of 200 ms (three GOPs' worth), starting at a keyframe: every frame decodes.
        assert len(frames) >= 15 * 5 - 5
        assert all(f.capture_us is not None for f in frames)  # the camera's SEI survived the trip
        newest = max(f.capture_us for f in frames if f.capture_us is not None)
        assert time.time() * 1e6 - newest < 5_000_000  # it is live, not old footage


def test_unauthenticated_viewers_are_refused(live_server: tuple[str, CameraNetwork]) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    base_url, _net = live_server
    ws_url = base_url.replace("http://", "ws://") + "/api/v1/cameras/1/live"

    async def attempt() -> int | None:
        try:
            async with connect(ws_url) as ws:
                await ws.recv()
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None
        except Exception as exc:  # the handshake itself refused (HTTP 403)
            return getattr(getattr(exc, "response", None), "status_code", -1)
        return None

    assert asyncio.run(attempt()) in (1008, 403)


def test_live_hls_lists_the_newest_gops_of_the_growing_file(live_server: tuple[str, CameraNetwork]) -> None:
    base_url, _net = live_server
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {login(base_url)}"}) as api:
        deadline = time.monotonic() + 20
        while True:
            r = api.get("/api/v1/cameras/1/live.m3u8")
            if r.status_code == 200 and len(parse_playlist(r.text).segments) >= 2:
                break
            assert time.monotonic() < deadline, r.text
            time.sleep(0.5)
        pl = parse_playlist(r.text)
        assert not pl.ended and r.text.splitlines()[6].startswith("#EXT-X-MAP:")  # after the 6 header tags
        assert time.time() * 1e6 - pl.segments[-1].program_date_us < 5_000_000


def test_a_live_view_ends_when_the_viewers_right_ends(live_server: tuple[str, CameraNetwork]) -> None:
    """A deny rule (or an expired share) stops a viewer already watching, within the re-check interval."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    base_url, _net = live_server
    admin = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {login(base_url)}"})
    org = next(o for o in admin.get("/api/v1/organisations").json() if o["kind"] == "council")
    made = admin.post(
        "/api/v1/users",
        json={"username": "op.live", "display_name": "Op Live", "organisation_id": org["id"], "role": "operator",
              "password": "operator password 1"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    token = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"username": "op.live", "password": "operator password 1"}
    ).json()["token"]
    ws_url = base_url.replace("http://", "ws://") + "/api/v1/cameras/1/live"

    async def watch_until_closed() -> tuple[int, str, int]:
        received = 0
        async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=1 << 24) as ws:
            async with asyncio.timeout(40):
                try:
                    while True:
                        await ws.recv()
                        received += 1
                        if received == 3:
                            rule = {"action": "live", "effect": "deny", "target_kind": "camera", "target_id": 1,
                                    "user_id": made.json()["id"]}  # fmt: skip
                            await asyncio.to_thread(admin.post, "/api/v1/permissions", json=rule)
                except ConnectionClosed as closed:
                    assert closed.rcvd is not None
                    return closed.rcvd.code, closed.rcvd.reason, received
        raise AssertionError("unreachable")

    code, reason, received = asyncio.run(watch_until_closed())
    assert code == 1008 and "no longer allowed" in reason and received >= 3
    viewers = admin.get("/api/v1/cameras/1/viewers").json()
    assert all(v["username"] != "Op Live" for v in viewers)
    stops = admin.get("/api/v1/audit", params={"username": "op.live", "action": "live.stop"}).json()
    assert stops and stops[0]["detail"]["seconds"] > 0
