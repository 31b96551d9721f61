"""The recorder against virtual RTSP cameras: real sockets, real worker processes, real files."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from citywatch.sim.network import CameraNetwork
from citywatch.store.models import Alarm, CameraStatus, Motion
from citywatch.timeutil import now_us
from tests.video.recorded import (
    assert_no_overlap,
    check_file,
    gaps,
    recorder_settings,
    rows,
    running_recorder,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cameras(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraNetwork]:
    cache = tmp_path_factory.mktemp("loops")
    net = CameraNetwork(3, width=320, height=180, fps=25, bitrate_kbps=400, live_count=1, cache_dir=cache)
    with net.running_in_thread():
        yield net


def _recorded_us(services: object, camera_id: int) -> int:
    return sum(r.end_us - r.start_us for r in rows(services, camera_id))  # type: ignore[arg-type]


def test_three_cameras_for_20_s_are_covered_and_times_match_the_capture_sei(
    cameras: CameraNetwork, tmp_path: Path
) -> None:
    settings = recorder_settings(tmp_path)
    with running_recorder(settings, cameras.urls) as (services, _):
        wait_for(lambda: all(rows(services, c) for c in (1, 2, 3)), 15, "first recordings")
        t_start = max(rows(services, c)[0].start_us for c in (1, 2, 3))
        time.sleep(20)  # three 6 s files and more per camera
        t_end = now_us()
        sessions_at_camera = [cameras.camera(n).sessions for n in (1, 2, 3)]
    assert sessions_at_camera == [1, 1, 1]
    for camera_id in (1, 2, 3):
        recs = rows(services, camera_id)
        assert all(r.state == "closed" for r in recs), "a clean stop closes every file"
        assert_no_overlap(recs)
        # The 30 s are covered with no hole: consecutive files of the run touch.
        for a, b in itertools.pairwise(recs):
            assert b.start_us == a.end_us
        assert recs[0].start_us <= t_start and recs[-1].end_us >= t_end - 1_500_000
        # The only gap is the one the clean stop opened.
        assert [(g.reason, g.end_us) for g in gaps(services, camera_id)] == [("recorder_stopped", None)]
        worst_ms = 0.0
        for rec in recs:
            for check in check_file(rec):
                worst_ms = max(worst_ms, abs(check.index_start_us - check.sei_capture_us) / 1000)
        assert worst_ms <= 40, f"camera {camera_id}: index time off the SEI capture time by {worst_ms:.1f} ms"
        # The simulated street is busy: the motion thread saw it, and the clean stop closed every event.
        with services.sessions() as session:
            motion = session.scalars(select(Motion).where(Motion.camera_id == camera_id)).all()
        assert motion, f"camera {camera_id}: no motion found in 20 s of a busy street"
        first, last = recs[0].start_us, recs[-1].end_us
        assert all(m.end_us is not None and first <= m.start_us < m.end_us <= last for m in motion)


def test_camera_dropped_and_restored_gives_an_exact_gap_and_a_quick_reconnect(
    cameras: CameraNetwork, tmp_path: Path
) -> None:
    settings = recorder_settings(tmp_path)
    with running_recorder(settings, cameras.urls[:1]) as (services, _):
        wait_for(lambda: len(rows(services, 1)) >= 1 and rows(services, 1)[0].gops >= 2, 15, "recording")
        cameras.camera(1).offline(4.0)
        back_at = now_us() + 4_000_000
        wait_for(lambda: any(g.reason == "camera_offline" for g in gaps(services, 1)), 10, "the gap")
        wait_for(
            lambda: any(g.reason == "camera_offline" and g.end_us for g in gaps(services, 1)), 15, "the reconnection"
        )

        def status() -> CameraStatus | None:
            with services.sessions() as session:
                return session.get(CameraStatus, 1)

        # Status carries the measured frame rate once a 5 s window has passed since the reconnection.
        wait_for(lambda: (s := status()) is not None and s.state == "online" and s.fps > 20, 15, "status online")
        with services.sessions() as session:
            alarms = session.query(Alarm).filter(Alarm.kind == "camera_offline").all()
    recs = rows(services, 1)
    gap = next(g for g in gaps(services, 1) if g.reason == "camera_offline")
    assert gap.end_us is not None
    before = [r for r in recs if r.end_us <= gap.start_us]
    after = [r for r in recs if r.start_us >= gap.end_us]
    assert before and after and len(before) + len(after) == len(recs)
    assert gap.start_us == before[-1].end_us, "the gap starts exactly where footage stops"
    assert gap.end_us == after[0].start_us, "and ends exactly where it resumes"
    reconnect_s = (gap.end_us - back_at) / 1e6
    assert reconnect_s <= 5.0, f"reconnected {reconnect_s:.1f} s after the camera came back"
    assert alarms and alarms[0].cleared_us is not None, "offline alarm raised, then cleared on return"
    assert_no_overlap(recs)


def test_garbage_and_truncated_nal_units_do_not_stop_recording(cameras: CameraNetwork, tmp_path: Path) -> None:
    settings = recorder_settings(tmp_path)
    with running_recorder(settings, cameras.urls[1:2]) as (services, supervisor):
        wait_for(lambda: rows(services, 1) and rows(services, 1)[0].gops >= 1, 15, "recording")
        cameras.camera(2).garbage(3.0)
        time.sleep(3.5)
        after_garbage = now_us()
        wait_for(
            lambda: max(r.end_us for r in rows(services, 1)) > after_garbage + 3_000_000, 20, "recording after garbage"
        )
        assert supervisor.worker_restarts == 0, "bad input must not crash a worker"
    assert_no_overlap(rows(services, 1))


def test_kill_9_then_restart_leaves_files_and_rows_consistent(cameras: CameraNetwork, tmp_path: Path) -> None:
    settings = recorder_settings(tmp_path)
    with running_recorder(settings, cameras.urls[2:3]) as (services, _):
        pass  # registers the camera and stops cleanly
    env = dict(os.environ, CITYWATCH_RECORDER__FILE_DURATION_S="6", CITYWATCH_RECORDER__WORKERS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "citywatch", "recorder", "--data-dir", str(tmp_path)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: sum(r.gops for r in rows(services, 1)) >= 9, 30, "the subprocess recorder to record")
        time.sleep(0.5)
        killed_at = now_us()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    writing = [r for r in rows(services, 1) if r.state == "writing"]
    assert writing, "the kill left a file being written"
    # Restart: start-up repair runs, then recording resumes.
    with running_recorder(settings, []) as (services2, _):
        wait_for(lambda: any(g.reason == "recorder_down" and g.end_us for g in gaps(services2, 1)), 20, "resumed")
    recs = rows(services2, 1)
    assert all(r.state == "closed" and r.sha256 for r in recs)
    repaired = [r for r in recs if r.recovered]
    assert repaired, "the torn file was repaired and kept"
    for rec in recs:
        check_file(rec)  # hash, size and fragments agree with the row
    assert_no_overlap(recs)
    down = next(g for g in gaps(services2, 1) if g.reason == "recorder_down")
    lost_s = (killed_at - down.start_us) / 1e6
    assert lost_s <= 1.6, f"{lost_s:.2f} s before the kill were lost (at most the last fragment may be)"
