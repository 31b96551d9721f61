"""Helpers that check recordings the way an investigator would: from the files and the index."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from citywatch.config import Settings, load_settings
from citywatch.store.models import Gap, Recording
from citywatch.video.cameras import CameraInput
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.gop_index import decode_gops
from citywatch.video.h264 import avcc_nal_units
from citywatch.video.sei import find_capture_stamp
from citywatch.video.supervisor import RecorderSupervisor
from citywatch.wiring import Services, build_services


def recorder_settings(data_dir: Path, **recorder: object) -> Settings:
    settings = load_settings(data_dir=data_dir)
    settings.recorder.workers = 2
    settings.recorder.file_duration_s = 6.0
    settings.recorder.offline_alarm_after_s = 2.0
    settings.retention.min_free_bytes = 0
    settings.retention.free_alarm_bytes = 0
    for key, value in recorder.items():
        setattr(settings.recorder, key, value)
    return settings


@contextmanager
def running_recorder(settings: Settings, urls: list[str]) -> Iterator[tuple[Services, RecorderSupervisor]]:
    services = build_services(settings)
    if not services.cameras.list():
        for i, url in enumerate(urls, start=1):
            services.cameras.add(CameraInput(name=f"camera {i}", rtsp_url=url))
    supervisor = RecorderSupervisor(services)
    supervisor.start()
    try:
        yield services, supervisor
    finally:
        supervisor.stop()
        services.close()


def wait_for(predicate: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


@dataclass
class GopCheck:
    index_start_us: int
    sei_capture_us: int


def rows(services: Services, camera_id: int) -> list[Recording]:
    with services.sessions() as session:
        return list(
            session.scalars(select(Recording).where(Recording.camera_id == camera_id).order_by(Recording.start_us))
        )


def gaps(services: Services, camera_id: int) -> list[Gap]:
    with services.sessions() as session:
        return list(session.scalars(select(Gap).where(Gap.camera_id == camera_id).order_by(Gap.start_us)))


def check_file(row: Recording) -> list[GopCheck]:
    """The file matches its row (hash, size, fragments) and yields each GOP's SEI capture time."""
    data = (Path(row.media_dir) / row.path).read_bytes()
    assert len(data) == row.size_bytes, f"{row.path}: {len(data)} bytes on disk, row says {row.size_bytes}"
    if row.sha256 is not None:
        assert hashlib.sha256(data).hexdigest() == row.sha256, f"{row.path}: hash differs from the row"
    layout = read_layout(data)
    assert layout.complete_size == len(data), f"{row.path}: torn tail"
    entries = decode_gops(row.gop_index, init_bytes=row.init_bytes, start_us=row.start_us, rate_ppm=row.rate_ppm)
    assert [e.offset for e in entries] == [f.offset for f in layout.fragments]
    checks = []
    for entry, fragment in zip(entries, layout.fragments, strict=True):
        first = data[fragment.mdat_payload_offset : fragment.mdat_payload_offset + fragment.sizes[0]]
        stamp = find_capture_stamp(avcc_nal_units(first))
        assert stamp is not None, f"{row.path}: GOP at {entry.offset} has no capture-time SEI"
        checks.append(GopCheck(entry.start_us, stamp.capture_us))
    return checks


def assert_no_overlap(recordings: list[Recording]) -> None:
    for a, b in itertools.pairwise(recordings):
        assert b.start_us >= a.end_us, f"{b.path} starts before {a.path} ends"
