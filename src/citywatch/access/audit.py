"""The append-only, hash-chained audit log: who looked at what, when, and why.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and a canonical JSON of the entry's
own fields, so editing, deleting or reordering any entry breaks every link after it and
``verify`` names the first broken one. Corrections are new entries (action ``audit.correction``),
never updates. Appends are serialised in-process by a lock and across processes by the database
(the chain head is read inside the inserting transaction; SQLite takes its write lock with
``BEGIN IMMEDIATE`` semantics on the first write, and a unique ``seq`` rejects a racing twin, which
is retried).

``record`` returns once the entry is stored. ``record_later`` hands the entry to one writer thread
through a bounded queue and returns at once, so a playback request does not wait for a database
write (and, on a busy disk, a WAL checkpoint): entries keep the order they were handed over, the
chain is built by the same append as ``record``, a full queue makes the caller wait rather than
drop anything, a failed write is retried until it succeeds, and readers (``search``, ``verify``,
``count``, ``report``) and process exit first wait for the queue to drain. What is lost is what
a crash loses between the hand-over and the write (milliseconds). The writer puts every entry that
queued up during one transaction into the next, so a burst costs one commit, not one per entry.
"""

from __future__ import annotations

import atexit
import csv
import hashlib
import io
import json
import logging
import queue
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.models import AuditEntry
from citywatch.access.principal import Principal
from citywatch.store.models import Camera
from citywatch.timeutil import iso, now_us

__all__ = ["GENESIS", "AuditFilter", "AuditLog", "BrokenLink", "entry_hash"]

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_FIELDS = (
    "seq",
    "at_us",
    "action",
    "outcome",
    "user_id",
    "username",
    "organisation",
    "organisation_id",
    "role",
    "client",
    "camera_id",
    "camera_org_id",
    "start_us",
    "end_us",
    "justification",
    "detail",
)


# Built once: compiling a statement costs more than the write itself.
_INSERT = insert(cast(Table, AuditEntry.__table__))
_HEAD = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)


_QUEUE_ENTRIES = 1024  # ~1 s of appends; beyond that callers wait (back-pressure, never loss)
_BATCH_ENTRIES = 256  # at most this many entries per transaction
_WRITER_IDLE_S = 5.0  # the writer thread ends after this long without work; the next entry starts one
_RETRY_MAX_S = 5.0
_EXIT_DRAIN_S = 30.0
_LIVE_LOGS: weakref.WeakSet[AuditLog] = weakref.WeakSet()


@dataclass(slots=True)
class _Pending:
    """One entry on its way to the chain; ``done`` is set for a caller that waits (``record``)."""

    fields: dict[str, Any]
    done: threading.Event | None
    seq: int = 0
    error: BaseException | None = field(default=None)


def _drain_at_exit() -> None:
    for audit_log in list(_LIVE_LOGS):
        if not audit_log.flush(timeout_s=_EXIT_DRAIN_S):
            log.error("audit entries still queued at exit were not written (database unavailable?)")


atexit.register(_drain_at_exit)


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    body = json.dumps({k: fields[k] for k in _FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class AuditFilter:
    username: str | None = None
    camera_id: int | None = None
    action: str | None = None
    start_us: int | None = None
    end_us: int | None = None
    # Scope: entries about cameras of, or made by people of, this organisation only (None: all).
    organisation_id: int | None = None
    limit: int = 1000


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._camera_orgs: dict[int, int | None] = {}
        self._queue: queue.Queue[_Pending] = queue.Queue(maxsize=_QUEUE_ENTRIES)
        self._handover = threading.Lock()  # entries enter the queue in time order; starts the writer
        self._writer: threading.Thread | None = None
        self._idle = threading.Condition()
        self._queued = 0

    def _camera_org(self, session: Session, camera_id: int | None) -> int | None:
        if camera_id is None:
            return None
        if camera_id not in self._camera_orgs:
            self._camera_orgs[camera_id] = session.scalar(select(Camera.organisation_id).where(Camera.id == camera_id))
        return self._camera_orgs[camera_id]

    def forget_camera(self, camera_id: int) -> None:
        """Call when a camera changes owner."""
        self._camera_orgs.pop(camera_id, None)

    def record(
        self,
        action: str,
        principal: Principal | None,
        *,
        camera_id: int | None = None,
        start_us: int | None = None,
        end_us: int | None = None,
        detail: Mapping[str, object] | None = None,
        client: str | None = None,
        outcome: str = "ok",
        justification: str | None = None,
        username: str | None = None,
    ) -> int:
        """Append one entry and return its sequence number.

        ``username`` names the subject when there is no principal (a failed sign-in). The
        principal's justification for this camera is attached unless one is given.
        """
        pending = self._pending(
            action, principal, camera_id, start_us, end_us, detail, client, outcome, justification, username
        )
        pending.done = threading.Event()
        self._hand_over(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.seq

    def record_later(
        self,
        action: str,
        principal: Principal | None,
        *,
        camera_id: int | None = None,
        start_us: int | None = None,
        end_us: int | None = None,
        detail: Mapping[str, object] | None = None,
        client: str | None = None,
        outcome: str = "ok",
        justification: str | None = None,
        username: str | None = None,
    ) -> None:
        """``record`` without waiting for the write (see the module notes); waits only while the queue is full."""
        self._hand_over(
            self._pending(
                action, principal, camera_id, start_us, end_us, detail, client, outcome, justification, username
            )
        )

    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until every entry handed over so far is written; False if ``timeout_s`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._queued == 0, timeout_s)

    def _pending(
        self,
        action: str,
        principal: Principal | None,
        camera_id: int | None,
        start_us: int | None,
        end_us: int | None,
        detail: Mapping[str, object] | None,
        client: str | None,
        outcome: str,
        justification: str | None,
        username: str | None,
    ) -> _Pending:
        if justification is None and principal is not None:
            justification = principal.justification_for(camera_id)
        fields: dict[str, Any] = {
            "action": action,
            "outcome": outcome,
            "user_id": principal.user_id if principal else None,
            "username": principal.username if principal else username,
            "organisation": principal.organisation if principal else None,
            "organisation_id": principal.organisation_id if principal else None,
            "role": principal.role if principal else None,
            "client": client[:64] if client else None,
            "camera_id": camera_id,
            "start_us": start_us,
            "end_us": end_us,
            "justification": justification,
            "detail": json.loads(json.dumps(dict(detail or {}), default=str)),
        }
        return _Pending(fields, None)

    def _hand_over(self, pending: _Pending) -> None:
        with self._handover:
            pending.fields["at_us"] = now_us()  # taken in hand-over order, so times rise with seq
            with self._idle:
                self._queued += 1
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="audit-writer", daemon=True)
                self._writer.start()
                _LIVE_LOGS.add(self)
            self._queue.put(pending)  # blocks while full: back-pressure, never loss

    def _write_loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=_WRITER_IDLE_S)
            except queue.Empty:
                with self._handover:
                    if self._queue.empty():
                        self._writer = None
                        return
                continue
            batch = [first]
            while len(batch) < _BATCH_ENTRIES:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write_batch(batch)
            with self._idle:
                self._queued -= len(batch)
                self._idle.notify_all()
            for pending in batch:
                if pending.done is not None:
                    pending.done.set()

    def _write_batch(self, batch: list[_Pending]) -> None:
        """All that queued up while the last transaction ran goes in the next one: under load the
        writer costs one commit per batch, not per entry; alone, an entry is written at once."""
        if len(batch) > 1:
            try:
                seqs = self._append_retrying([p.fields for p in batch])
            except Exception as e:  # one bad entry must not hold back the rest: one by one below
                log.warning("audit batch of %d entries failed (%s); writing them one by one", len(batch), e)
            else:
                for pending, seq in zip(batch, seqs, strict=True):
                    pending.seq = seq
                return
        for pending in batch:
            self._write(pending)

    def _write(self, pending: _Pending) -> None:
        delay_s = 0.05
        while True:
            try:
                (pending.seq,) = self._append_retrying([pending.fields])
                return
            except Exception as e:  # reported to a waiting caller, else retried
                if pending.done is not None:
                    pending.error = e
                    return
                log.warning("audit append failed (%s); retrying in %.2f s", e, delay_s)
                time.sleep(delay_s)
                delay_s = min(delay_s * 2, _RETRY_MAX_S)

    def _append_retrying(self, entries: list[dict[str, Any]]) -> list[int]:
        with self._lock:
            for _attempt in range(5):
                try:
                    return self._append(entries)
                except IntegrityError:
                    continue  # another process appended the same seq first; read the new head
            raise RuntimeError("could not append to the audit log after 5 attempts (heavy contention)")

    def _append(self, entries: list[dict[str, Any]]) -> list[int]:
        with self._sessions.begin() as session:
            conn = session.connection()
            head = conn.execute(_HEAD)
            last = head.first()
            prev_seq, prev_hash = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
            rows: list[dict[str, Any]] = []
            for given in entries:
                prev_seq += 1
                fields = {**given, "seq": prev_seq, "camera_org_id": self._camera_org(session, given["camera_id"])}
                entry = entry_hash(prev_hash, fields)
                rows.append({**fields, "prev_hash": prev_hash, "hash": entry})
                prev_hash = entry
            conn.execute(_INSERT, rows)
            return [row["seq"] for row in rows]

    # -- reading ------------------------------------------------------------------------------

    def search(self, where: AuditFilter) -> list[AuditEntry]:
        query = select(AuditEntry)
        if where.username is not None:
            query = query.where(AuditEntry.username == where.username)
        if where.camera_id is not None:
            query = query.where(AuditEntry.camera_id == where.camera_id)
        if where.action is not None:
            query = query.where(AuditEntry.action.startswith(where.action))
        if where.start_us is not None:
            query = query.where(AuditEntry.at_us >= where.start_us)
        if where.end_us is not None:
            query = query.where(AuditEntry.at_us < where.end_us)
        if where.organisation_id is not None:
            query = query.where(
                (AuditEntry.camera_org_id == where.organisation_id)
                | (AuditEntry.organisation_id == where.organisation_id)
            )
        query = query.order_by(AuditEntry.seq.desc()).limit(max(1, min(where.limit, 100_000)))
        self.flush()
        with self._sessions() as session:
            return list(session.scalars(query))

    def verify(self, *, batch: int = 5000) -> tuple[int, BrokenLink | None]:
        """Walk the whole chain; return the number of entries checked and the first broken link."""
        self.flush()
        checked = 0
        prev_seq, prev_hash = 0, GENESIS
        columns = [getattr(AuditEntry, k) for k in _FIELDS] + [AuditEntry.prev_hash, AuditEntry.hash]
        with self._sessions() as session:
            conn = session.connection()
            while True:
                rows = conn.execute(
                    select(*columns).where(AuditEntry.seq > prev_seq).order_by(AuditEntry.seq).limit(batch)
                ).all()
                if not rows:
                    return checked, None
                for row in rows:
                    fields = dict(zip(_FIELDS, row[: len(_FIELDS)], strict=True))
                    row_prev, row_hash = row[-2], row[-1]
                    seq = fields["seq"]
                    if seq != prev_seq + 1:
                        return checked, BrokenLink(prev_seq + 1, f"entry {prev_seq + 1} is missing (deleted?)")
                    if row_prev != prev_hash:
                        return checked, BrokenLink(seq, "its link to the previous entry does not match")
                    if entry_hash(prev_hash, fields) != row_hash:
                        return checked, BrokenLink(seq, "its content was changed after it was written")
                    prev_seq, prev_hash = seq, row_hash
                    checked += 1

    def count(self) -> int:
        self.flush()
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def report(self, start_us: int, end_us: int, organisation_id: int | None = None) -> dict[str, int]:
        """Counts for the periodic report: views, playbacks, exports, disclosures, holds, sign-ins."""
        groups = {
            "live_views": ("live.start",),
            "playbacks": ("playback",),
            "snapshots": ("snapshot",),
            "exports": ("export",),
            "disclosures": ("evidence.disclosure", "evidence.delivery"),
            "subject_access_requests": ("footage_request",),
            "holds": ("hold.place", "hold.release"),
            "ptz_commands": ("ptz.",),
            "sign_ins": ("auth.login",),
            "failed_sign_ins": ("auth.login_failed",),
            "share_changes": ("sharing.",),
        }
        query = select(AuditEntry.action, func.count()).where(AuditEntry.at_us >= start_us, AuditEntry.at_us < end_us)
        if organisation_id is not None:
            query = query.where(
                (AuditEntry.camera_org_id == organisation_id) | (AuditEntry.organisation_id == organisation_id)
            )
        self.flush()
        with self._sessions() as session:
            counts = {str(a): int(n) for a, n in session.execute(query.group_by(AuditEntry.action))}
        out = dict.fromkeys(groups, 0)
        for action, n in counts.items():
            for name, prefixes in groups.items():
                if any(action == p or (p.endswith(".") and action.startswith(p)) for p in prefixes):
                    out[name] += n
        out["total"] = sum(counts.values())
        return out


def entry_dict(row: AuditEntry) -> dict[str, Any]:
    """An entry as the API and exports show it (times as ISO 8601 UTC)."""
    return {
        "seq": row.seq,
        "at": iso(row.at_us),
        "action": row.action,
        "outcome": row.outcome,
        "username": row.username,
        "organisation": row.organisation,
        "role": row.role,
        "client": row.client,
        "camera_id": row.camera_id,
        "start": None if row.start_us is None else iso(row.start_us),
        "end": None if row.end_us is None else iso(row.end_us),
        "justification": row.justification,
        "detail": row.detail,
        "hash": row.hash,
    }


def to_csv(rows: list[AuditEntry]) -> Iterator[str]:
    columns = ["seq", "at", "action", "outcome", "username", "organisation", "role", "client", "camera_id"]
    columns += ["start", "end", "justification", "detail", "hash"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    yield buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        d = entry_dict(row)
        d["detail"] = json.dumps(d["detail"], sort_keys=True)
        writer.writerow([d[c] for c in columns])
        yield buf.getvalue()
