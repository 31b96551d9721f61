"""Retention: delete the oldest unheld footage first, log every deletion, never touch a hold.

Three limits, checked in this order: per-camera age (``retention_days``, default 31), per-camera
byte quota, and a global free-space floor per media volume. Held footage is skipped by every
rule, the disk floor included: when only held footage is left, an alarm says so and recording
goes on until the volume is truly full (the writer then records a ``disk_full`` gap).

Deletion order (crash-safe): in one transaction the row goes and a ``garbage`` row plus a
``deletions`` log row come; then unlink, fsync the directory, drop the garbage row.

In a fleet (``node`` given) a node deletes only its own rows and files: the others' files are on
disks it cannot reach. Age and quota are still judged over the camera's whole footage, so a quota
removes the camera's oldest files wherever they are, each by the node that holds it.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.config import RetentionSettings
from citywatch.store.models import Alarm, Camera, Deletion, Garbage, Hold, Motion, Recording
from citywatch.timeutil import now_us
from citywatch.video.recording_file import fsync_dir

__all__ = ["RetentionReport", "free_bytes", "run_retention"]

log = logging.getLogger(__name__)
_DAY_US = 86_400_000_000
_BATCH = 200


@dataclass(slots=True)
class RetentionReport:
    deleted_files: int = 0
    deleted_bytes: int = 0
    held_skipped: int = 0
    low_space_dirs: list[str] | None = None


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def _held() -> ColumnElement[bool]:
    hold = (
        select(Hold.id)
        .where(
            Hold.camera_id == Recording.camera_id,
            Hold.released_us.is_(None),
            Hold.start_us < Recording.end_us,
            Hold.end_us > Recording.start_us,
        )
        .correlate(Recording)
    )
    return exists(hold)


def _delete(sessions: sessionmaker[Session], rows: Iterable[Recording], reason: str, report: RetentionReport) -> None:
    rows = list(rows)
    if not rows:
        return
    at = now_us()
    with sessions.begin() as session:
        for row in rows:
            session.execute(delete(Recording).where(Recording.id == row.id))
            session.add(Garbage(media_dir=row.media_dir, path=row.path, added_us=at, node=row.node))
            session.add(
                Deletion(
                    camera_id=row.camera_id,
                    recording_id=row.id,
                    path=row.path,
                    start_us=row.start_us,
                    end_us=row.end_us,
                    size_bytes=row.size_bytes,
                    reason=reason,
                    deleted_us=at,
                )
            )
    dirs: set[Path] = set()
    for row in rows:
        path = Path(row.media_dir) / row.path
        try:
            path.unlink()
        except FileNotFoundError:
            log.warning("retention: %s was already gone", path)
        dirs.add(path.parent)
        report.deleted_files += 1
        report.deleted_bytes += row.size_bytes
    for d in dirs:
        if d.exists():
            fsync_dir(d)
            with contextlib.suppress(OSError):
                d.rmdir()  # empty day directories go too
    with sessions.begin() as session:
        session.execute(delete(Garbage).where(Garbage.path.in_([r.path for r in rows]), Garbage.added_us == at))
    log.info("retention (%s): deleted %d files", reason, len(rows))


def _closed_unheld() -> list[ColumnElement[bool]]:
    return [Recording.state == "closed", ~_held()]


def _mine(node: str | None) -> list[ColumnElement[bool]]:
    return [Recording.node == node] if node is not None else []


def _expire_by_age(
    sessions: sessionmaker[Session], settings: RetentionSettings, report: RetentionReport, node: str | None = None
) -> None:
    now = now_us()
    with sessions() as session:
        cameras = session.execute(select(Camera.id, Camera.retention_days)).all()
    for camera_id, days in cameras:
        cutoff = now - int((days or settings.default_days) * _DAY_US)
        while True:
            with sessions() as session:
                rows = session.scalars(
                    select(Recording)
                    .where(
                        Recording.camera_id == camera_id, Recording.end_us <= cutoff, *_closed_unheld(), *_mine(node)
                    )
                    .order_by(Recording.start_us)
                    .limit(_BATCH)
                ).all()
            _delete(sessions, rows, "retention_age", report)
            if len(rows) < _BATCH:
                break
        with sessions.begin() as session:  # motion found in footage past its retention goes with it
            mine = [Motion.node == node] if node is not None else []
            expired = [Motion.camera_id == camera_id, Motion.start_us < cutoff, Motion.end_us <= cutoff, *mine]
            session.execute(delete(Motion).where(*expired))  # a range of ix_motion_camera_start, not the camera's all


def _enforce_quotas(sessions: sessionmaker[Session], report: RetentionReport, node: str | None = None) -> None:
    with sessions() as session:
        quotas = session.execute(select(Camera.id, Camera.quota_bytes).where(Camera.quota_bytes.is_not(None))).all()
    for camera_id, quota in quotas:
        if quota is None:
            continue
        with sessions() as session:
            used = (
                session.scalar(
                    select(func.coalesce(func.sum(Recording.size_bytes), 0)).where(Recording.camera_id == camera_id)
                )
                or 0
            )
            if used <= quota:
                continue
            excess = used - quota
            victims: list[Recording] = []
            for row in session.scalars(
                select(Recording)
                .where(Recording.camera_id == camera_id, *_closed_unheld())
                .order_by(Recording.start_us)
            ):
                if excess <= 0:
                    break
                if node is None or row.node == node:
                    victims.append(row)
                excess -= row.size_bytes
        _delete(sessions, victims, "quota", report)


def free_space(
    sessions: sessionmaker[Session],
    media_dir: Path,
    target_free: int,
    report: RetentionReport,
    reason: str = "disk_floor",
    node: str | None = None,
) -> bool:
    """Delete the oldest unheld footage on one volume until ``target_free`` bytes are free."""
    while free_bytes(media_dir) < target_free:
        with sessions() as session:
            rows = session.scalars(
                select(Recording)
                .where(Recording.media_dir == str(media_dir), *_closed_unheld(), *_mine(node))
                .order_by(Recording.start_us)
                .limit(20)
            ).all()
        if not rows:
            return False
        _delete(sessions, rows, reason, report)
    return True


def _alarm(sessions: sessionmaker[Session], raised: bool, message: str, node: str | None = None) -> None:
    # In a fleet each node raises and clears its own disk alarm, told apart by the message's prefix.
    prefix = [Alarm.message.startswith(f"node {node}: ")] if node is not None else []
    if node is not None:
        message = f"node {node}: {message}"
    with sessions.begin() as session:
        open_alarm = session.scalar(select(Alarm).where(Alarm.kind == "disk_low", Alarm.cleared_us.is_(None), *prefix))
        if raised and open_alarm is None:
            session.add(Alarm(kind="disk_low", camera_id=None, raised_us=now_us(), message=message))
        elif not raised and open_alarm is not None:
            open_alarm.cleared_us = now_us()


def run_retention(
    sessions: sessionmaker[Session], media_dirs: list[Path], settings: RetentionSettings, node: str | None = None
) -> RetentionReport:
    report = RetentionReport(low_space_dirs=[])
    _expire_by_age(sessions, settings, report, node)
    _enforce_quotas(sessions, report, node)
    low: list[str] = []
    for media_dir in media_dirs:
        media_dir.mkdir(parents=True, exist_ok=True)
        enough = free_space(sessions, media_dir, settings.min_free_bytes, report, node=node)
        if not enough or free_bytes(media_dir) < settings.free_alarm_bytes:
            low.append(str(media_dir))
    report.low_space_dirs = low
    if low:
        _alarm(sessions, True, f"free space low on {', '.join(low)}; held footage cannot be removed", node)
    else:
        _alarm(sessions, False, "", node)
    with sessions() as session:
        report.held_skipped = session.scalar(select(func.count(Recording.id)).where(_held())) or 0
    return report
