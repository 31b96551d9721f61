"""Each fault is observable from a client; slow clients cost bounded memory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from citywatch.sim.camera import FaultError
from citywatch.sim.network import CameraNetwork

from .conftest import SMALL
from .rtsp_client import AccessUnit, FramingError, RtspClient


@pytest.fixture(scope="module")
def faulty(loop_cache: Path) -> Iterator[CameraNetwork]:
    net = CameraNetwork(8, cache_dir=loop_cache, **SMALL)  # type: ignore[arg-type]
    with net.running_in_thread():
        yield net


def _playing(url: str) -> RtspClient:
    client = RtspClient(url, timeout_s=3)
    assert client.setup_and_play().status == 200
    return client


def test_disconnect_closes_sessions_and_camera_accepts_again(faulty: CameraNetwork) -> None:
    client = _playing(faulty.urls[0])
    try:
        client.read_access_unit()
        faulty.camera(1).disconnect()
        with pytest.raises((ConnectionError, OSError)):
            for _ in range(100):
                client.read_packet()
        assert faulty.camera(1).sessions == 0
    finally:
        client.close()
    again = _playing(faulty.urls[0])
    try:
        assert 5 in again.read_access_unit()[0].nal_types
    finally:
        again.close()


def test_stall_keeps_the_connection_and_resumes_at_a_keyframe(faulty: CameraNetwork) -> None:
    client = _playing(faulty.urls[1])
    try:
        before = client.read_access_unit()[0]
        faulty.camera(2).stall(1.0)
        started = time.monotonic()
        units: list[AccessUnit] = []
        while time.monotonic() - started < 0.9 or not units:
            units.append(client.read_access_unit()[0])
        gap_s = max(b.received_us - a.received_us for a, b in zip([before, *units], units, strict=False)) / 1e6
        assert gap_s >= 0.9
        after = next(u for u in units if u.stamp and u.stamp.frame_no > before.stamp.frame_no + 20)  # type: ignore[union-attr]
        assert 5 in after.nal_types and faulty.camera(2).sessions == 1
    finally:
        client.close()


def test_garbage_corrupts_the_stream_then_camera_recovers(faulty: CameraNetwork) -> None:
    client = _playing(faulty.urls[2])
    try:
        client.read_access_unit()
        faulty.camera(3).garbage(1.0)
        corrupted = False
        deadline = time.monotonic() + 6  # generous: the full suite runs on a loaded 2-core machine
        while not corrupted and time.monotonic() < deadline:
            try:
                unit = client.read_access_unit()[0]
                corrupted = unit.stamp is None or not set(unit.nal_types) <= {1, 5, 6, 7, 8}
            except (FramingError, IndexError, ValueError):
                corrupted = True
        assert corrupted
    finally:
        client.close()
    time.sleep(1.0)
    fresh = _playing(faulty.urls[2])
    try:
        units = [fresh.read_access_unit()[0] for _ in range(10)]
        assert all(u.stamp is not None for u in units) and 5 in units[0].nal_types
    finally:
        fresh.close()


def test_clock_offset_shifts_capture_times(faulty: CameraNetwork) -> None:
    faulty.camera(4).set_clock_offset(-3.5)
    client = _playing(faulty.urls[3])
    try:
        units = [client.read_access_unit()[0] for _ in range(10)]
        lags = [(u.received_us - u.stamp.capture_us) / 1e6 for u in units if u.stamp]
        assert len(lags) == 10 and all(3.4 < lag < 3.6 for lag in lags), lags
    finally:
        client.close()
        faulty.camera(4).set_clock_offset(0)


def test_refuse_answers_503_until_it_ends(faulty: CameraNetwork) -> None:
    faulty.camera(5).refuse(1.0)
    client = RtspClient(faulty.urls[4])
    try:
        assert client.request("DESCRIBE").status == 503
        with pytest.raises((ConnectionError, OSError)):
            client.request("OPTIONS")
    finally:
        client.close()
    time.sleep(1.1)
    client = RtspClient(faulty.urls[4])
    try:
        assert client.request("DESCRIBE").status == 200
    finally:
        client.close()


def test_offline_drops_viewers_and_refuses(faulty: CameraNetwork) -> None:
    client = _playing(faulty.urls[5])
    try:
        client.read_access_unit()
        faulty.camera(6).offline(1.0)
        with pytest.raises((ConnectionError, OSError)):
            for _ in range(100):
                client.read_packet()
    finally:
        client.close()
    probe = RtspClient(faulty.urls[5])
    try:
        assert probe.request("DESCRIBE").status == 503
    finally:
        probe.close()


def test_unknown_fault_is_rejected(faulty: CameraNetwork) -> None:
    with pytest.raises(FaultError, match="unknown fault"):
        faulty.camera(7).fault("explode", 1)
    with pytest.raises(FaultError, match="positive duration"):
        faulty.camera(7).fault("stall")
    with pytest.raises(FaultError, match="loop"):
        faulty.camera(7).set_viewport(10, 0, 2)
    with pytest.raises(KeyError, match=r"1\.\.8"):
        faulty.camera(9)


def test_slow_client_costs_bounded_memory(loop_cache: Path) -> None:
    limit = 64 * 1024
    net = CameraNetwork(
        1,
        width=320,
        height=180,
        bitrate_kbps=3000,
        loop_s=2.0,
        cache_dir=loop_cache,
        max_client_buffer_bytes=limit,
        send_buffer_bytes=16 * 1024,
    )
    with net.running_in_thread():
        client = RtspClient(net.urls[0], rcvbuf=4096)
        try:
            client.setup_and_play()
            first = client.read_access_unit()[0]
            time.sleep(2.5)  # stop reading
            cam = net.camera(1)
            assert cam.frames_dropped > 10
            assert cam.frames_lagged > 10, "withheld because the viewer stopped reading"
            biggest_frame = 100 * 1024
            assert limit <= cam.peak_buffer_bytes <= limit + biggest_frame
            # Reading again: whatever was buffered, then a keyframe after the dropped frames.
            units = [client.read_access_unit()[0] for _ in range(60)]
            numbers = [u.stamp.frame_no for u in units if u.stamp]
            jump = next(i for i in range(1, len(numbers)) if numbers[i] != numbers[i - 1] + 1)
            assert 5 in units[jump].nal_types and numbers[jump] > first.stamp.frame_no + 30  # type: ignore[union-attr]
            lagged = cam.frames_lagged
        finally:
            client.close()
        # The count outlives the viewer, so a benchmark can read it after its clients are gone.
        deadline = time.monotonic() + 5
        while cam.sessions and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cam.sessions == 0 and cam.frames_lagged >= lagged
