"""The database side of recording: batches the segmenter's events into few transactions.

One writer thread per worker process commits at most every ``interval_s``; a recording row is
updated once per batch however many GOPs arrived, so 200 cameras cost a handful of commits a
second, not 200. Rows of files still being written are marked ``writing``: start-up repair
trusts the file, not the row, for those.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, case, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.fleet.events import FleetEvent, after_commit, stage
from citywatch.store.models import Alarm, CameraStatus, Gap, Motion, Recording, RecordingEvent
from citywatch.timeutil import now_us
from citywatch.video.events import RecordingState, RunEnded, RunStarted
from citywatch.video.motion import MAX_MOTION_US, MotionEnded, MotionStarted

__all__ = ["IndexWriter", "StatusUpdate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    camera_id: int
    state: str
    since_us: int
    last_frame_us: int | None
    bitrate_kbps: float
    fps: float
    error: str


@dataclass(frozen=True, slots=True)
class AlarmChange:
    camera_id: int | None
    kind: str
    raise_alarm: bool
    message: str


@dataclass(frozen=True, slots=True)
class _Closed:
    rec: RecordingState


@dataclass(frozen=True, slots=True)
class _Flush:
    done: threading.Event


_RECORDINGS = cast(Table, Recording.__table__)
_STATUS = cast(Table, CameraStatus.__table__)
_UPDATE_RECORDING = (
    update(_RECORDINGS)
    .where(_RECORDINGS.c.id == bindparam("row_id"))
    .values(
        {
            c: bindparam(c)
            for c in ("state", "end_us", "duration_90k", "size_bytes", "frames", "gops", "gop_index", "sha256")
        }
    )
)
_UPDATE_STATUS = (
    update(_STATUS)
    .where(_STATUS.c.camera_id == bindparam("cid"))
    .values(
        {
            c: bindparam(c)
            for c in ("state", "since_us", "last_frame_us", "bitrate_kbps", "fps", "error", "node", "updated_us")
        }
    )
)

_Event = (
    RecordingState | _Closed | RunStarted | RunEnded | StatusUpdate | AlarmChange | MotionStarted | MotionEnded | _Flush
)
_MOTION = cast(Table, Motion.__table__)


def _camera_of(event: _Event) -> int | None:
    if isinstance(event, _Closed):
        return event.rec.camera_id
    if isinstance(event, _Flush):
        return None
    return event.camera_id


class IndexWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        node: str = "local",
        interval_s: float = 0.5,
        on_disk_full: Callable[[int, str], None] | None = None,
        fence: Callable[[Session, set[int]], set[int]] | None = None,
        on_fenced: Callable[[set[int]], None] | None = None,
    ) -> None:
        """``fence`` (fleet mode) answers, inside the write transaction, the cameras whose lease this
        node no longer holds: their events are dropped and ``on_fenced`` is told after the commit."""
        self._sessions = sessions
        self._fence = fence
        self._on_fenced = on_fenced
        self._fenced: set[int] = set()
        self._node = node
        self._interval_s = interval_s
        self._on_disk_full = on_disk_full
        self._queue: queue.SimpleQueue[_Event | None] = queue.SimpleQueue()
        self._row_ids: dict[tuple[str, int], int] = {}
        self._pending_ids: dict[tuple[str, int], int | None] = {}
        self._status_rows: set[int] = set()  # cameras whose status row is known to exist
        self._pending_status: set[int] = set()
        self._announced: dict[int, str] = {}  # camera → state last announced to other processes
        self._pending_announced: dict[int, str] = {}
        self._events: list[FleetEvent] = []  # announced in the current transaction
        self._thread = threading.Thread(target=self._run, name="index-writer", daemon=True)
        self._stopped = threading.Event()
        self.commits = 0

    # -- RecordingSink -----------------------------------------------------------------------
    def recording_updated(self, rec: RecordingState) -> None:
        self._queue.put(rec)

    def recording_closed(self, rec: RecordingState) -> None:
        self._queue.put(_Closed(rec))

    def run_started(self, event: RunStarted) -> None:
        self._queue.put(event)

    def run_ended(self, event: RunEnded) -> None:
        self._queue.put(event)

    def disk_full(self, camera_id: int, detail: str) -> None:
        self._queue.put(AlarmChange(None, "disk_full", True, f"media volume full while recording camera {camera_id}"))
        if self._on_disk_full is not None:
            self._on_disk_full(camera_id, detail)

    # -- other inputs ------------------------------------------------------------------------
    def status(self, update_: StatusUpdate) -> None:
        self._queue.put(update_)

    def alarm(self, camera_id: int | None, kind: str, *, raised: bool, message: str = "") -> None:
        self._queue.put(AlarmChange(camera_id, kind, raised, message))

    def motion(self, change: MotionStarted | MotionEnded) -> None:
        self._queue.put(change)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Flush everything queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def flush(self, timeout_s: float = 10.0) -> None:
        """Wait until everything queued so far is committed (for tests and clean shutdown)."""
        done = threading.Event()
        self._queue.put(_Flush(done))
        if not done.wait(timeout_s):
            raise TimeoutError(f"index writes not committed within {timeout_s} s")

    # -- the thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[_Event] = []
            try:
                item = self._queue.get(timeout=self._interval_s)
            except queue.Empty:
                continue
            if item is None:
                stop = True
            else:
                batch.append(item)
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            if batch:
                self._apply_with_retry(batch)
            if not stop:
                self._stopped.wait(self._interval_s / 5)

    def _apply_with_retry(self, batch: list[_Event]) -> None:
        for attempt in range(5):
            # Row ids learnt in a transaction count only once it commits (a retry must insert again).
            self._pending_ids = {}
            self._pending_status = set()
            self._pending_announced, self._events = {}, []
            self._fenced = set()
            try:
                with self._sessions.begin() as session:
                    self._apply(session, batch)
                self.commits += 1
                if self._fenced and self._on_fenced is not None:
                    self._on_fenced(set(self._fenced))
                self._status_rows |= self._pending_status
                self._announced.update(self._pending_announced)
                after_commit(session, self._events)
                for key, row_id in self._pending_ids.items():
                    if row_id is None:
                        self._row_ids.pop(key, None)
                    else:
                        self._row_ids[key] = row_id
                break
            except Exception:
                log.exception("index write failed (attempt %d); retrying", attempt + 1)
                self._stopped.wait(0.2 * (attempt + 1))
        for event in batch:
            if isinstance(event, _Flush):
                event.done.set()

    def _apply(self, session: Session, batch: list[_Event]) -> None:
        if self._fence is not None:
            self._fenced = self._fence(session, {c for e in batch if (c := _camera_of(e)) is not None})
            if self._fenced:
                batch = [e for e in batch if _camera_of(e) not in self._fenced]
        # Coalesce: only the newest state of each recording matters.
        latest: dict[tuple[str, int], RecordingState] = {}
        ordered: list[_Event] = []
        for event in batch:
            if isinstance(event, RecordingState):
                key = (event.run_id, event.run_seq)
                if key not in latest:
                    ordered.append(event)
                latest[key] = event
            elif isinstance(event, _Closed):
                key = (event.rec.run_id, event.rec.run_seq)
                if key not in latest:
                    ordered.append(event.rec)
                latest[key] = event.rec
            else:
                ordered.append(event)
        updates: list[dict[str, object]] = []
        statuses: dict[int, StatusUpdate] = {}
        for event in ordered:
            if isinstance(event, RecordingState):
                self._upsert_recording(session, latest[(event.run_id, event.run_seq)], updates)
            elif isinstance(event, RunStarted):
                session.execute(
                    update(Gap)
                    .where(Gap.camera_id == event.camera_id, Gap.end_us.is_(None))
                    .values(end_us=event.start_us)
                )
            elif isinstance(event, RunEnded):
                self._open_gap(session, event)
            elif isinstance(event, StatusUpdate):
                statuses[event.camera_id] = event
            elif isinstance(event, AlarmChange):
                self._alarm(session, event)
            elif isinstance(event, MotionStarted | MotionEnded):
                self._motion(session, event)
        if updates:
            # One executemany for every growing file: the ORM's per-row path cost 10× more CPU.
            session.execute(_UPDATE_RECORDING, updates)
        if statuses:
            self._write_statuses(session, list(statuses.values()))

    def _upsert_recording(self, session: Session, rec: RecordingState, updates: list[dict[str, object]]) -> None:
        key = (rec.run_id, rec.run_seq)
        values: dict[str, object] = {
            "state": rec.state,
            "end_us": rec.end_us,
            "duration_90k": rec.duration_90k,
            "size_bytes": rec.size_bytes,
            "frames": rec.frames,
            "gops": rec.gops,
            "gop_index": bytes(rec.gop_index),
            "sha256": rec.sha256,
        }
        row_id = self._pending_ids[key] if key in self._pending_ids else self._row_ids.get(key)
        if row_id is not None:
            updates.append({"row_id": row_id, **values})
        else:
            row_id = session.execute(
                insert(_RECORDINGS).returning(_RECORDINGS.c.id),
                {
                    "camera_id": rec.camera_id,
                    "run_id": rec.run_id,
                    "run_seq": rec.run_seq,
                    "media_dir": rec.media_dir,
                    "path": rec.path,
                    "start_us": rec.start_us,
                    "media_start_90k": rec.media_start_90k,
                    "rate_ppm": rec.rate_ppm,
                    "init_bytes": rec.init_bytes,
                    "codec": rec.codec,
                    "width": rec.width,
                    "height": rec.height,
                    "recovered": False,
                    "node": self._node,
                    **values,
                },
            ).scalar_one()
            self._pending_ids[key] = row_id
        if rec.state == "closed":
            self._pending_ids[key] = None

    def _write_statuses(self, session: Session, statuses: list[StatusUpdate]) -> None:
        now = now_us()
        rows = [
            {
                "cid": st.camera_id,
                "state": st.state,
                "since_us": st.since_us,
                "last_frame_us": st.last_frame_us,
                "bitrate_kbps": st.bitrate_kbps,
                "fps": st.fps,
                "error": st.error,
                "node": self._node,
                "updated_us": now,
            }
            for st in statuses
        ]
        # Only changes of state are announced (NOTIFY, sent at commit), not the bitrate refreshes.
        changed = [st for st in statuses if self._announced.get(st.camera_id) != st.state]
        self._pending_announced.update((st.camera_id, st.state) for st in changed)
        events = [FleetEvent("camera.status", st.camera_id, now, self._node, st.state, st.error) for st in changed]
        self._announce(session, events)
        fresh = [st.camera_id for st in statuses if st.camera_id not in self._status_rows]
        if fresh:
            have = set(session.scalars(select(CameraStatus.camera_id).where(CameraStatus.camera_id.in_(fresh))))
            new_rows = [
                {"camera_id": r["cid"], **{k: v for k, v in r.items() if k != "cid"}}
                for r in rows
                if r["cid"] in fresh and r["cid"] not in have
            ]
            if new_rows:
                session.execute(insert(_STATUS), new_rows)
            self._pending_status.update(fresh)
        session.execute(_UPDATE_STATUS, rows)

    def _open_gap(self, session: Session, event: RunEnded) -> None:
        open_gap = session.scalar(select(Gap).where(Gap.camera_id == event.camera_id, Gap.end_us.is_(None)))
        if open_gap is not None:
            return
        session.add(
            Gap(
                camera_id=event.camera_id,
                start_us=event.end_us,
                end_us=None,
                reason=event.reason,
                detail=event.detail,
            )
        )
        session.add(RecordingEvent(at_us=now_us(), camera_id=event.camera_id, kind=event.reason, detail=event.detail))

    def _alarm(self, session: Session, change: AlarmChange) -> None:
        existing = session.scalar(
            select(Alarm).where(
                Alarm.kind == change.kind,
                Alarm.camera_id.is_(None) if change.camera_id is None else Alarm.camera_id == change.camera_id,
                Alarm.cleared_us.is_(None),
            )
        )
        if change.raise_alarm and existing is None:
            session.add(Alarm(kind=change.kind, camera_id=change.camera_id, raised_us=now_us(), message=change.message))
        elif not change.raise_alarm and existing is not None:
            existing.cleared_us = now_us()
        else:
            return
        event = FleetEvent(
            "alarm.raised" if change.raise_alarm else "alarm.cleared",
            change.camera_id,
            now_us(),
            self._node,
            alarm=change.kind,
            message=change.message,
        )
        self._announce(session, [event])

    def _motion(self, session: Session, change: MotionStarted | MotionEnded) -> None:
        table = _MOTION
        if isinstance(change, MotionStarted):  # operators' live views mark the camera (api/routes_events.py)
            event = FleetEvent("motion.started", change.camera_id, change.start_us, self._node)
        else:
            event = FleetEvent("motion.ended", change.camera_id, change.end_us, self._node)
        self._announce(session, [event])
        if isinstance(change, MotionStarted):
            # An event left open by a recorder that died ends where the new one starts (or its longest).
            session.execute(
                update(table)
                .where(table.c.camera_id == change.camera_id, table.c.end_us.is_(None))
                .values(
                    end_us=case(
                        (table.c.start_us + MAX_MOTION_US < change.start_us, table.c.start_us + MAX_MOTION_US),
                        else_=change.start_us,
                    )
                )
            )
            session.execute(
                insert(table).values(
                    camera_id=change.camera_id, start_us=change.start_us, end_us=None, peak=0.0, node=self._node
                )
            )
            return
        done = session.execute(
            update(table)
            .where(table.c.camera_id == change.camera_id, table.c.start_us == change.start_us, table.c.end_us.is_(None))
            .values(end_us=change.end_us, peak=change.peak)
        )
        if not done.rowcount:  # type: ignore[attr-defined]  # its start was not written (e.g. before a restart)
            session.execute(
                insert(table).values(
                    camera_id=change.camera_id,
                    start_us=change.start_us,
                    end_us=change.end_us,
                    peak=change.peak,
                    node=self._node,
                )
            )

    def _announce(self, session: Session, events: list[FleetEvent]) -> None:
        stage(session, events)
        self._events.extend(events)
