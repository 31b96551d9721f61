"""Meter readings from what the system did: the recording index, gaps, deletions and the audit log.

Per camera and window:
- recorded: time covered by its recordings, including those retention deleted since (``deletions``),
  so a month invoiced late still counts; one run at a time per camera, so durations add up;
- connected: recorded time plus gaps that were the platform's doing (recorder down, disk full: the
  camera was there, the fault ours); ``camera_offline`` gaps and time never recorded do not count;
- offline: the camera's ``camera_offline`` gaps (an open gap lasts until now), for availability;
- wall: time the council's control room had it live (audit ``live.start``/``live.stop`` by users of a
  ``council`` organisation, paired per user and client, merged across viewers; a start with no stop
  lapses after a day); the owner's own views and police views are not the monitoring service;
- storage: GB-days held, each recording counted from its end until deleted (or the window's end);
- PTZ minutes: distinct minutes with at least one audited ``ptz.*`` command by the council's users.
Aggregation runs in SQL except the wall pairing; see docs/design/partners.md for the costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, select
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

from citywatch.access.models import AuditEntry, Organisation
from citywatch.partners.money import DAY_US, HOUR_US, Window
from citywatch.store.models import Deletion, Gap, Recording

__all__ = ["VIEW_LAPSE_US", "CameraUsage", "Meter", "MeterReading", "merge_intervals", "readings"]

VIEW_LAPSE_US = DAY_US
_Col = ColumnElement[int] | QueryableAttribute[int]
_GB = 1_000_000_000


@dataclass(frozen=True, slots=True)
class CameraUsage:
    camera_id: int
    window: Window
    recorded_us: int
    offline_us: int
    platform_gap_us: int
    wall_us: int
    storage_gb_days: float
    ptz_minutes: int

    @property
    def contracted_us(self) -> int:
        return self.window.length_us

    @property
    def connected_us(self) -> int:
        return min(self.contracted_us, self.recorded_us + self.platform_gap_us)

    @property
    def uptime_pct(self) -> float:
        return 100.0 * self.recorded_us / self.contracted_us if self.contracted_us else 100.0


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One number an invoice line can point at: ``id`` is stable for the same camera, meter and window."""

    id: str
    camera_id: int
    meter: str
    start_us: int
    end_us: int
    value: float
    unit: str


def readings(usage: CameraUsage) -> list[MeterReading]:
    w = usage.window
    values: list[tuple[str, float, str]] = [
        ("contracted", usage.contracted_us / HOUR_US, "camera-hours"),
        ("connected", usage.connected_us / HOUR_US, "camera-hours"),
        ("recorded", usage.recorded_us / HOUR_US, "camera-hours"),
        ("wall", usage.wall_us / HOUR_US, "camera-hours"),
        ("storage", usage.storage_gb_days, "GB-days"),
        ("ptz", float(usage.ptz_minutes), "minutes"),
    ]
    return [
        MeterReading(
            f"c{usage.camera_id}.{meter}.{w.start_us}.{w.end_us}",
            usage.camera_id,
            meter,
            w.start_us,
            w.end_us,
            round(value, 6),
            unit,
        )
        for meter, value, unit in values
    ]


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _overlap(start: _Col, end: _Col, w: Window) -> ColumnElement[int]:
    lo = case((start > w.start_us, start), else_=literal(w.start_us))
    hi = case((end < w.end_us, end), else_=literal(w.end_us))
    return hi - lo


class Meter:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def usage(self, windows: dict[int, Window], *, now_us: int) -> dict[int, CameraUsage]:
        """Usage of each camera over its own window; windows ending after ``now_us`` are cut there."""
        groups: dict[Window, list[int]] = defaultdict(list)
        for camera_id, w in windows.items():
            cut = Window(w.start_us, min(w.end_us, max(now_us, w.start_us)))
            groups[cut].append(camera_id)
        out: dict[int, CameraUsage] = {}
        with self._sessions() as s:
            for w, ids in groups.items():
                out.update(self._group(s, w, ids, now_us))
        return out

    def _group(self, s: Session, w: Window, ids: Sequence[int], now_us: int) -> dict[int, CameraUsage]:
        recorded = self._recorded(s, w, ids)
        offline = self._gaps(s, w, ids, now_us, camera=True)
        platform = self._gaps(s, w, ids, now_us, camera=False)
        storage = self._storage(s, w, ids, now_us)
        ptz = self._ptz(s, w, ids)
        wall = self._wall(s, w, ids, now_us)
        return {
            cid: CameraUsage(
                cid,
                w,
                recorded.get(cid, 0),
                offline.get(cid, 0),
                platform.get(cid, 0),
                wall.get(cid, 0),
                storage.get(cid, 0.0),
                ptz.get(cid, 0),
            )
            for cid in ids
        }

    @staticmethod
    def _recorded(s: Session, w: Window, ids: Sequence[int]) -> dict[int, int]:
        """Recordings still held plus those retention has deleted since (their rows moved to ``deletions``)."""
        out: dict[int, int] = defaultdict(int)
        for t in (Recording, Deletion):
            q = (
                select(t.camera_id, func.sum(_overlap(t.start_us, t.end_us, w)))
                .where(t.camera_id.in_(ids), t.start_us < w.end_us, t.end_us > w.start_us)
                .group_by(t.camera_id)
            )
            for c, v in s.execute(q):
                out[int(c)] += int(v or 0)
        return dict(out)

    @staticmethod
    def _gaps(s: Session, w: Window, ids: Sequence[int], now_us: int, *, camera: bool) -> dict[int, int]:
        g = Gap
        reason = g.reason == "camera_offline" if camera else g.reason != "camera_offline"
        end = func.coalesce(g.end_us, now_us)
        q = (
            select(g.camera_id, func.sum(_overlap(g.start_us, end, w)))
            .where(g.camera_id.in_(ids), reason, g.start_us < w.end_us, end > w.start_us)
            .group_by(g.camera_id)
        )
        return {int(c): int(v or 0) for c, v in s.execute(q)}

    @staticmethod
    def _storage(s: Session, w: Window, ids: Sequence[int], now_us: int) -> dict[int, float]:
        """Σ size × time held, as REAL: byte-µs overflow 64-bit integers within a month."""
        held_until = min(w.end_us, now_us)
        out: dict[int, float] = defaultdict(float)
        if held_until <= w.start_us:  # a window still in the future holds nothing yet
            return {}
        held = Window(w.start_us, held_until)
        r, d = Recording, Deletion
        live = (
            select(r.camera_id, func.sum(cast(r.size_bytes, Float) * _overlap(r.end_us, literal(held_until), held)))
            .where(r.camera_id.in_(ids), r.end_us < held_until)
            .group_by(r.camera_id)
        )
        gone = (
            select(d.camera_id, func.sum(cast(d.size_bytes, Float) * _overlap(d.end_us, d.deleted_us, held)))
            .where(d.camera_id.in_(ids), d.end_us < held_until, d.deleted_us > w.start_us, d.deleted_us > d.end_us)
            .group_by(d.camera_id)
        )
        for q in (live, gone):
            for cid, v in s.execute(q):
                out[int(cid)] += float(v or 0.0) / _GB / DAY_US
        return dict(out)

    @staticmethod
    def _ptz(s: Session, w: Window, ids: Sequence[int]) -> dict[int, int]:
        a = AuditEntry
        minute = a.at_us // 60_000_000
        q = (
            select(a.camera_id, func.count(func.distinct(minute)))
            .join(Organisation, Organisation.id == a.organisation_id)
            .where(
                Organisation.kind == "council",
                a.camera_id.in_(ids),
                a.action.like("ptz.%"),
                a.outcome == "ok",
                a.at_us >= w.start_us,
                a.at_us < w.end_us,
            )
            .group_by(a.camera_id)
        )
        return {int(c): int(v) for c, v in s.execute(q) if c is not None}

    @staticmethod
    def _wall(s: Session, w: Window, ids: Sequence[int], now_us: int) -> dict[int, int]:
        a = AuditEntry
        q = (
            select(a.camera_id, a.at_us, a.action, a.username, a.client)
            .join(Organisation, Organisation.id == a.organisation_id)
            .where(
                Organisation.kind == "council",
                a.camera_id.in_(ids),
                a.action.in_(("live.start", "live.stop")),
                a.outcome == "ok",
                a.at_us >= w.start_us - VIEW_LAPSE_US,
                a.at_us < w.end_us,
            )
            .order_by(a.at_us, a.seq)
        )
        per_camera: dict[int, list[tuple[int, int]]] = defaultdict(list)
        open_views: dict[tuple[int, str | None, str | None], tuple[int, int]] = {}  # key → (since, depth)
        for cid, at, action, user, client in s.execute(q):
            if cid is None:
                continue
            key = (int(cid), user, client)
            if key in open_views and open_views[key][0] + VIEW_LAPSE_US < at:  # never stopped: lapsed
                since, _depth = open_views.pop(key)
                per_camera[key[0]].append((since, since + VIEW_LAPSE_US))
            if action == "live.start":
                since, depth = open_views.get(key, (at, 0))
                open_views[key] = (since, depth + 1)
            elif key in open_views:
                since, depth = open_views.pop(key)
                if depth == 1:
                    per_camera[key[0]].append((since, at))
                else:
                    open_views[key] = (since, depth - 1)
        for (cid, _u, _c), (since, _d) in open_views.items():
            per_camera[cid].append((since, min(since + VIEW_LAPSE_US, now_us, w.end_us)))
        out: dict[int, int] = {}
        for cid, intervals in per_camera.items():
            clipped = [(max(a0, w.start_us), min(a1, w.end_us)) for a0, a1 in intervals]
            out[cid] = sum(e - b for b, e in merge_intervals(clipped))
        return out
