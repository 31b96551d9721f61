"""The ONVIF adapter against the virtual ONVIF camera, through onvif-zeep-async: probe, move, presets, errors."""

from __future__ import annotations

import asyncio
import socket

import pytest

from citywatch.ptz.errors import PtzError, PtzUnavailable
from citywatch.ptz.model import Position, Velocity
from citywatch.ptz.onvif_control import OnvifCameraControl, parse_onvif_url
from citywatch.sim.onvif import running_onvif_device


async def _settle(control: OnvifCameraControl) -> Position:
    for _ in range(200):
        status = await control.status()
        if not status.moving:
            return status.position
        await asyncio.sleep(0.05)
    raise AssertionError("the camera kept moving")


def test_probe_move_and_presets() -> None:
    async def scenario() -> None:
        async with running_onvif_device(username="admin", password="pw-1") as cam:
            control = OnvifCameraControl("Broadway", cam.url, "admin", "pw-1")
            try:
                found = await control.probe()
                assert found.stream_uri == cam.rtsp_url and found.profile_token == "profile_1"
                assert found.ptz is not None and found.ptz.absolute and found.ptz.home and found.ptz.presets
                assert (await control.status()).position == Position(0.0, 0.0, 0.0)
                await control.continuous_move(Velocity(pan=1.0), timeout_s=0.2)  # full speed: 0.5 of pan per s
                moved = await _settle(control)
                assert moved.pan == pytest.approx(0.1, abs=0.005)  # stopped by its own timeout
                assert moved.pan == pytest.approx(cam.position().pan, abs=1e-4)  # GetStatus agrees with the motors
                await control.absolute_move(Position(-0.5, 0.2, 0.25))
                assert await _settle(control) == pytest.approx(Position(-0.5, 0.2, 0.25), abs=1e-4)  # type: ignore[arg-type]
                token = await control.set_preset("Town Hall")
                await control.goto_home()
                await _settle(control)
                await control.goto_preset(token)
                assert (await _settle(control)).pan == pytest.approx(-0.5, abs=1e-4)
                assert [p.name for p in await control.presets()] == ["Town Hall"]
                await control.remove_preset(token)
                assert await control.presets() == []
                with pytest.raises(PtzError, match="camera Broadway: GotoPreset refused by the camera"):
                    await control.goto_preset("no-such-token")
            finally:
                await control.close()

    asyncio.run(scenario())


def test_errors_name_the_camera_and_hide_the_password() -> None:
    async def scenario() -> None:
        async with running_onvif_device(username="admin", password="pw-1") as cam:
            wrong = OnvifCameraControl("Town Hall", cam.url, "admin", "not-it")
            with pytest.raises(PtzUnavailable, match=r"camera Town Hall: .*username or password"):
                await wrong.status()
            await wrong.close()
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        gone = OnvifCameraControl("Fulham", f"http://admin:pw-1@127.0.0.1:{port}/onvif/device_service")
        with pytest.raises(PtzUnavailable, match="camera Fulham: no ONVIF answer") as caught:
            await gone.status()
        assert "pw-1" not in str(caught.value)
        await gone.close()

    asyncio.run(scenario())


def test_onvif_urls() -> None:
    a = parse_onvif_url("http://user:p%40ss@127.0.0.1:8080/onvif/device_service", "other", "x")
    assert (a.host, a.port, a.username, a.password) == ("127.0.0.1", 8080, "user", "p@ss")
    b = parse_onvif_url("https://cam.example/onvif/device_service", "u", "p")
    assert (b.port, b.username, b.password) == (443, "u", "p")
    with pytest.raises(PtzError, match="looks like http://HOST:PORT/onvif/device_service"):
        parse_onvif_url("rtsp://127.0.0.1/cam/1")
