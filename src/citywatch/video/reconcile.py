"""Start-up repair: make rows and files agree after any stop, clean or not.

Decisions (each logged as a ``recording_events`` row):
- row ``writing`` + file present → cut the file after its last whole fragment, rebuild the row
  from the file (``repaired``); no whole fragment → remove both (``removed_empty``).
- row ``writing`` + no file → remove the row (``removed_missing``).
- file with no row (a crash between create and first commit) → ``adopted`` from its own
  ``prft`` times. Only the days of a camera's newest recordings are scanned: older files
  cannot be orphans, and listing 36 million files at every start would take minutes.
- ``garbage`` rows → unlink, fsync, drop the row (a delete interrupted half-way).
- a camera whose newest footage has no open gap after it → gap ``recorder_down`` from there
  (``node_failover`` when this node took the camera from one that stopped renewing its lease).

In a fleet (``node`` given) each node repairs only its own rows and files: another node's
``writing`` row whose file this node cannot see is that node's live recording, not a lost file.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.store.models import Gap, Garbage, Recording, RecordingEvent
from citywatch.timeutil import now_us
from citywatch.video.fmp4_reader import RecordingLayout, read_layout
from citywatch.video.gop_index import encode_gops
from citywatch.video.mp4box import Mp4Error
from citywatch.video.recording_file import fsync_dir

__all__ = ["LeaseLost", "collect_garbage", "reconcile_camera", "reconcile_node"]

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another node took the camera while this one was preparing to record it."""


def _event(session: Session, camera_id: int | None, kind: str, detail: str) -> None:
    log.info("reconcile camera %s: %s: %s", camera_id, kind, detail)
    session.add(RecordingEvent(at_us=now_us(), camera_id=camera_id, kind=kind, detail=detail))


def _layout_of(path: Path) -> tuple[RecordingLayout | None, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, f"unreadable: {exc}"
    try:
        return read_layout(data), ""
    except Mp4Error as exc:
        return None, str(exc)


def _truncate_and_hash(path: Path, size: int) -> str:
    with open(path, "r+b") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())
        fh.seek(0)
        digest = hashlib.sha256()
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    fsync_dir(path.parent)
    return digest.hexdigest()


def _fill_from_layout(row: Recording, layout: RecordingLayout, sha256: str) -> None:
    frags = layout.fragments
    first_wall = frags[0].wall_clock_us if frags[0].wall_clock_us is not None else row.start_us
    row.start_us = first_wall
    row.media_start_90k = frags[0].base_media_decode_time_90k
    row.init_bytes = layout.init_size
    row.gop_index = encode_gops((f.size, f.duration_90k, len(f.sizes)) for f in frags)
    row.gops = len(frags)
    row.frames = sum(len(f.sizes) for f in frags)
    row.duration_90k = sum(f.duration_90k for f in frags)
    row.size_bytes = layout.complete_size
    last = frags[-1]
    last_wall = last.wall_clock_us if last.wall_clock_us is not None else first_wall
    if len(frags) > 1 and last.wall_clock_us is not None:
        media_span = last.base_media_decode_time_90k - row.media_start_90k
        if media_span > 0:
            row.rate_ppm = ((last_wall - first_wall) * 9 / 100 / media_span - 1) * 1e6
    row.end_us = last_wall + last.duration_90k * 100 // 9
    row.codec = layout.params.codec_string
    row.width, row.height = layout.params.width, layout.params.height
    row.sha256 = sha256
    row.state = "closed"
    row.recovered = True


def _repair_writing_rows(session: Session, camera_id: int, node: str | None = None) -> None:
    mine = [Recording.node == node] if node is not None else []
    rows = session.scalars(
        select(Recording).where(Recording.camera_id == camera_id, Recording.state == "writing", *mine)
    ).all()
    for row in rows:
        path = Path(row.media_dir) / row.path
        if not path.exists():
            _event(session, camera_id, "removed_missing", f"row {row.id}: {row.path} does not exist")
            session.delete(row)
            continue
        layout, why = _layout_of(path)
        if layout is None or not layout.fragments:
            _event(session, camera_id, "removed_empty", f"{row.path}: no whole fragment {why}".strip())
            path.unlink(missing_ok=True)
            session.delete(row)
            continue
        lost = layout.file_size - layout.complete_size
        sha = _truncate_and_hash(path, layout.complete_size)
        old_end = row.end_us
        _fill_from_layout(row, layout, sha)
        # The file held more than the last committed row: the gap opened after it starts later too.
        session.execute(
            update(Gap)
            .where(Gap.camera_id == camera_id, Gap.start_us == old_end, Gap.start_us < row.end_us)
            .where((Gap.end_us.is_(None)) | (Gap.end_us >= row.end_us))
            .values(start_us=row.end_us)
        )
        _event(
            session,
            camera_id,
            "repaired",
            f"{row.path}: kept {row.gops} fragments ({row.size_bytes} bytes), cut {lost} torn bytes",
        )


def _adopt_orphans(session: Session, camera_id: int, media_dirs: list[Path], node: str | None = None) -> None:
    newest = session.scalar(select(func.max(Recording.start_us)).where(Recording.camera_id == camera_id))
    known = set(
        session.scalars(
            select(Recording.path).where(
                Recording.camera_id == camera_id, Recording.start_us >= (newest or 0) - 86_400_000_000
            )
        )
    )
    since_s = ((newest or 0) // 1_000_000) - 86_400
    for media_dir in media_dirs:
        cam_dir = media_dir / str(camera_id)
        if not cam_dir.is_dir():
            continue
        for day_dir in sorted(cam_dir.glob("*/*/*")):
            try:
                day_s = calendar.timegm(time.strptime("/".join(day_dir.parts[-3:]), "%Y/%m/%d"))
            except ValueError:
                continue
            if newest is not None and day_s < since_s:
                continue
            for path in sorted(day_dir.glob("*.mp4")):
                rel = str(path.relative_to(media_dir))
                if rel in known:
                    continue
                _adopt(session, camera_id, media_dir, rel, path, node)


def _adopt(session: Session, camera_id: int, media_dir: Path, rel: str, path: Path, node: str | None = None) -> None:
    layout, why = _layout_of(path)
    if layout is None or not layout.fragments or layout.fragments[0].wall_clock_us is None:
        _event(session, camera_id, "removed_orphan", f"{rel}: nothing recoverable {why}".strip())
        path.unlink(missing_ok=True)
        return
    stem = path.stem.split("-")
    run_id = stem[1] if len(stem) >= 3 else "adopted"
    run_seq = int(stem[2]) if len(stem) >= 3 and stem[2].isdigit() else 0
    sha = _truncate_and_hash(path, layout.complete_size)
    row = Recording(
        camera_id=camera_id, run_id=run_id, run_seq=run_seq, media_dir=str(media_dir), path=rel, node=node or "local"
    )
    row.rate_ppm = 0.0
    row.start_us = 0
    _fill_from_layout(row, layout, sha)
    if node is not None:
        overlap = session.scalar(
            select(Recording.id).where(
                Recording.camera_id == camera_id, Recording.start_us < row.end_us, Recording.end_us > row.start_us
            )
        )
        if overlap is not None:
            # Another node recorded this time since: two recordings of one instant would confuse playback.
            _event(session, camera_id, "orphan_overlaps", f"{rel}: overlaps recording {overlap}; left unindexed")
            return
    session.add(row)
    _event(session, camera_id, "adopted", f"{rel}: {row.gops} fragments from a file with no row")


def _ensure_gap_after_last(
    session: Session, camera_id: int, reason: str = "recorder_down", detail: str = "recorder was not running"
) -> None:
    if session.scalar(select(Gap.id).where(Gap.camera_id == camera_id, Gap.end_us.is_(None))) is not None:
        return
    last_end = session.scalar(select(func.max(Recording.end_us)).where(Recording.camera_id == camera_id))
    if last_end is None:
        return
    session.add(
        Gap(
            camera_id=camera_id,
            start_us=last_end,
            end_us=None,
            reason=reason,
            detail=detail,
        )
    )
    _event(session, camera_id, reason, "gap opened at the end of the newest recording")


def reconcile_camera(
    sessions: sessionmaker[Session],
    camera_id: int,
    media_dirs: list[Path],
    *,
    node: str | None = None,
    gap_reason: str = "recorder_down",
    gap_detail: str = "recorder was not running",
    still_mine: Callable[[Session], bool] | None = None,
) -> None:
    """Repair before recording ``camera_id``; ``node`` limits repair to that node's rows and files.

    ``still_mine`` (fleet mode) checks the lease inside each transaction, as index writes do; when it
    fails nothing more is written and ``LeaseLost`` is raised.
    """

    def check(session: Session) -> None:
        if still_mine is not None and not still_mine(session):
            raise LeaseLost(f"camera {camera_id}: its lease is held by another node now")

    with sessions.begin() as session:
        check(session)
        _repair_writing_rows(session, camera_id, node)
    with sessions.begin() as session:
        check(session)
        _adopt_orphans(session, camera_id, media_dirs, node)
    with sessions.begin() as session:
        check(session)
        _ensure_gap_after_last(session, camera_id, gap_reason, gap_detail)


def reconcile_node(sessions: sessionmaker[Session], node: str) -> int:
    """At a node's start: repair every file it was writing, including cameras others hold now."""
    with sessions() as session:
        cameras = sorted(
            set(
                session.scalars(select(Recording.camera_id).where(Recording.node == node, Recording.state == "writing"))
            )
        )
    for camera_id in cameras:
        with sessions.begin() as session:
            _repair_writing_rows(session, camera_id, node)
    return len(cameras)


def collect_garbage(sessions: sessionmaker[Session], node: str | None = None) -> int:
    """Finish deletes a crash interrupted (of ``node``'s disks only, when given); returns files removed."""
    removed = 0
    with sessions() as session:
        mine = [Garbage.node == node] if node is not None else []
        rows = session.scalars(select(Garbage).where(*mine)).all()
    for row in rows:
        path = Path(row.media_dir) / row.path
        if path.exists():
            path.unlink()
            removed += 1
        if path.parent.exists():
            fsync_dir(path.parent)
        with sessions.begin() as session:
            session.execute(delete(Garbage).where(Garbage.id == row.id))
    return removed
