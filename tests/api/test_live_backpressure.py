"""A viewer that stops reading is skipped forward; the server's memory does not grow with the stream."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import psutil

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.video.events import FragmentOut
from citywatch.video.fmp4 import build_init_segment
from citywatch.video.h264 import AvcParams, iter_annexb_nal_units, nal_type
from citywatch.video.live_publisher import LivePublisher
from citywatch.video.live_wire import live_socket_path
from citywatch.wiring import build_services
from tests.api.auth import login
from tests.api.live_client import watch
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD, encode_with_sei

CAMERA = 7
FRAGMENT_BYTES = 512 * 1024
RATE_HZ = 40  # 20 MB/s: unbounded queues would grow by ~100 MB during the test


def _params() -> AvcParams:
    keyframe = encode_with_sei([0])[0][0]
    nals = [n for n in iter_annexb_nal_units(keyframe) if nal_type(n) in (7, 8)]
    return AvcParams.from_nal_units(nals)


def _stalled_viewer(base_url: str, token: str) -> socket.socket:
    """Completes the WebSocket handshake, then never reads again."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.connect((host, int(port)))
    sock.sendall(
        (
            f"GET /api/v1/cameras/{CAMERA}/live HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    assert sock.recv(12) == b"HTTP/1.1 101"
    return sock


def test_a_stalled_viewer_is_skipped_and_memory_stays_flat(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD)
    services = build_services(settings)
    publisher = LivePublisher(live_socket_path(tmp_path / "run", CAMERA))
    publisher.start()
    init = build_init_segment(_params())
    payload = bytes(FRAGMENT_BYTES)
    stop = threading.Event()

    def camera() -> None:
        n = 0
        while not stop.wait(1 / RATE_HZ):
            publisher.publish(FragmentOut(CAMERA, "run-1", init, payload, n * 1_000_000, 90_000))
            n += 1

    feeder = threading.Thread(target=camera, daemon=True)
    feeder.start()
    app = create_app(services)
    process = psutil.Process()
    try:
        with running(app) as base_url:
            token = login(base_url)
            stalled = _stalled_viewer(base_url, token)
            ws_url = base_url.replace("http://", "ws://") + f"/api/v1/cameras/{CAMERA}/live"
            asyncio.run(watch(ws_url, token, fragments=5))  # warm-up: everything allocated once
            rss_before = process.memory_info().rss
            healthy = asyncio.run(watch(ws_url, token, fragments=100, timeout_s=30, keep=False))
            rss_after = process.memory_info().rss
            stats = app.state.ctx.hub.stats()[CAMERA]
            bound = app.state.ctx.hub.max_queued_bytes
            stalled.close()
    finally:
        stop.set()
        feeder.join(5)
        publisher.close()
        services.close()
    assert len(healthy.fragments) == 100  # a healthy viewer is not held back by the stalled one
    assert stats["connects"] == 1  # one subscription to the recorder for all viewers
    assert stats["skipped"] > 20  # the stalled viewer was skipped forward, not buffered
    # Bounded by the hub's limits, whichever comes first: five 1 s fragments, or its byte cap.
    assert stats["queued_bytes"] <= min(bound, 5 * FRAGMENT_BYTES)
    elapsed_growth_mb = (rss_after - rss_before) / 1e6
    assert elapsed_growth_mb < 30, f"server memory grew by {elapsed_growth_mb:.0f} MB"
