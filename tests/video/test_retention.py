"""Retention on real files and a real database: oldest unheld first, holds never, every deletion logged."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from citywatch.config import RetentionSettings
from citywatch.sim.network import CameraNetwork
from citywatch.store.db import make_engine, make_sessionmaker, upgrade
from citywatch.store.models import Alarm, Camera, Deletion, Garbage, Hold, Motion, Recording
from citywatch.timeutil import now_us
from citywatch.video.retention import run_retention
from tests.database import database_url
from tests.video.recorded import check_file, recorder_settings, rows, running_recorder, wait_for

DAY_US = 86_400_000_000


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    yield sessions
    engine.dispose()


def _add_recordings(sessions, media: Path, camera_id: int, starts_days_ago: list[float], size: int = 1000) -> None:  # type: ignore[no-untyped-def]
    now = now_us()
    with sessions.begin() as s:
        if s.get(Camera, camera_id) is None:
            s.add(Camera(id=camera_id, name=f"c{camera_id}", rtsp_url="rtsp://127.0.0.1/x", created_us=0, updated_us=0))
        for i, days in enumerate(starts_days_ago):
            start = now - int(days * DAY_US)
            rel = f"{camera_id}/f{i}.mp4"
            (media / rel).parent.mkdir(parents=True, exist_ok=True)
            (media / rel).write_bytes(b"x" * size)
            s.add(
                Recording(
                    camera_id=camera_id, run_id="r", run_seq=i, state="closed", media_dir=str(media), path=rel,
                    start_us=start, end_us=start + 60_000_000, media_start_90k=0, duration_90k=60 * 90_000,
                    size_bytes=size, init_bytes=0, frames=1, gops=1, gop_index=b"", codec="avc1", width=1,
                    height=1, sha256="0" * 64,
                )
            )  # fmt: skip


def test_age_limit_deletes_old_unheld_footage_and_logs_it(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    media = tmp_path / "media"
    _add_recordings(store, media, 1, [40, 35, 32, 30, 1])
    now = now_us()
    with store.begin() as s:
        s.add(Hold(camera_id=1, start_us=now - 36 * DAY_US, end_us=now - 34 * DAY_US, reason="crime 01/1234/26",
                   created_by="test", created_us=now))  # fmt: skip
        for days in (40, 2):
            s.add(Motion(camera_id=1, start_us=now - days * DAY_US, end_us=now - days * DAY_US + 9_000_000, peak=0.1,
                         node="local"))  # fmt: skip
    report = run_retention(store, [media], RetentionSettings(default_days=31, min_free_bytes=0, free_alarm_bytes=0))
    with store() as s:
        assert [m.start_us for m in s.scalars(select(Motion))] == [now - 2 * DAY_US], "motion expires with footage"
        left = [r.path for r in s.scalars(select(Recording).order_by(Recording.start_us))]
        deletions = s.scalars(select(Deletion).order_by(Deletion.start_us)).all()
        garbage = s.scalars(select(Garbage)).all()
    assert left == ["1/f1.mp4", "1/f3.mp4", "1/f4.mp4"], "35-day-old footage is held; 30 and 1 are within 31 days"
    assert [d.path for d in deletions] == ["1/f0.mp4", "1/f2.mp4"]
    assert all(d.reason == "retention_age" for d in deletions)
    assert not garbage
    assert not (media / "1/f0.mp4").exists() and (media / "1/f1.mp4").exists()
    assert report.deleted_files == 2 and report.held_skipped == 1


def test_quota_deletes_oldest_first_and_a_released_hold_no_longer_protects(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    media = tmp_path / "media"
    _add_recordings(store, media, 2, [5, 4, 3, 2, 1], size=1000)
    now = now_us()
    with store.begin() as s:
        s.get(Camera, 2).quota_bytes = 2500  # type: ignore[union-attr]
        s.add(Hold(camera_id=2, start_us=now - 5 * DAY_US, end_us=now - 5 * DAY_US + 1, reason="r", created_by="t",
                   created_us=now, released_us=now, released_by="t", release_reason="case closed"))  # fmt: skip
    run_retention(store, [media], RetentionSettings(min_free_bytes=0, free_alarm_bytes=0))
    with store() as s:
        left = [r.path for r in s.scalars(select(Recording).order_by(Recording.start_us))]
        reasons = {d.reason for d in s.scalars(select(Deletion))}
    assert left == ["2/f3.mp4", "2/f4.mp4"]
    assert reasons == {"quota"}


def test_disk_floor_spares_held_footage_and_raises_an_alarm(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    media = tmp_path / "media"
    _add_recordings(store, media, 3, [3, 2, 1])
    now = now_us()
    with store.begin() as s:
        s.add(Hold(camera_id=3, start_us=now - 3 * DAY_US, end_us=now - 3 * DAY_US + 1, reason="r", created_by="t",
                   created_us=now))  # fmt: skip
    # A floor no disk can meet: everything unheld goes, the held file stays, and an alarm says so.
    free = shutil.disk_usage(media).free
    run_retention(store, [media], RetentionSettings(min_free_bytes=free * 10, free_alarm_bytes=free * 10))
    with store() as s:
        left = [r.path for r in s.scalars(select(Recording))]
        alarms = s.scalars(select(Alarm).where(Alarm.kind == "disk_low")).all()
    assert left == ["3/f0.mp4"]
    assert len(alarms) == 1 and alarms[0].cleared_us is None


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tmpfs and must run as root (as CI does)")
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.mark.slow
def test_recording_survives_a_full_disk_and_keeps_held_footage(tiny_disk: Path, tmp_path: Path) -> None:
    net = CameraNetwork(1, width=640, height=360, fps=25, bitrate_kbps=2500, cache_dir=tmp_path / "loops")
    settings = recorder_settings(tmp_path / "data", file_duration_s=2.0)
    settings.media_dirs = [tiny_disk]
    settings.retention.interval_s = 3600  # only the writer's own disk-full path frees space here
    settings.retention.min_free_bytes = 1_500_000
    with net.running_in_thread(), running_recorder(settings, net.urls) as (services, supervisor):
        wait_for(lambda: len(rows(services, 1)) >= 2, 20, "two closed files")
        first = rows(services, 1)[0]
        with services.sessions.begin() as s:
            s.add(Hold(camera_id=1, start_us=first.start_us, end_us=first.end_us, reason="incident",
                       created_by="test", created_us=now_us()))  # fmt: skip
        # 2.5 Mbit/s fills 6 MB in about 20 s; record well past that.
        time.sleep(30)
        last_end = max(r.end_us for r in rows(services, 1))
        assert now_us() - last_end < 5_000_000, "still recording after the disk filled"
        assert supervisor.worker_restarts == 0
    recs = rows(services, 1)
    assert recs[0].id == first.id, "held footage survives the disk-full clean-up"
    with services.sessions() as s:
        deletions = s.scalars(select(Deletion)).all()
        disk_alarms = s.scalars(select(Alarm).where(Alarm.kind.in_(["disk_full", "disk_low"]))).all()
    assert deletions and {d.reason for d in deletions} <= {"disk_full", "disk_floor"}
    assert disk_alarms, "a full disk raises an alarm"
    for rec in recs:
        if rec.state == "closed":
            check_file(rec)
