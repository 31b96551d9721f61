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
        return await asyncio.gather(*(watch(ws_url, token, fragments=3, timeout_s=30) for _ in range(20)))

    captures = asyncio.run(many())
    assert net.camera(1).sessions == 1
    for capture in captures:
        assert capture.mime.startswith('video/mp4; codecs="avc1.')
        frames = decode(capture.init + b"".join(capture.fragments))
        assert len(frames) >= 3 * 20  # three GOPs of 25 frames, minus nothing: each decodes on its own
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
        assert not pl.ended and "#EXT-X-MAP:" in r.text.splitlines()[5]
        assert time.time() * 1e6 - pl.segments[-1].program_date_us < 5_000_000
