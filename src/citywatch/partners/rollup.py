"""Meter readings from a daily roll-up (table ``meter_days``): a month reads 31 rows per camera, not its files.

Days are Europe/London calendar days. Invoices, contracts and register dates are London dates, so a London
month is a whole number of London days and the roll-up tiles it exactly; UTC days would leave an hour at
each end of a summer month to compute from the files every time.

A day is *closed* once ``now`` is past its end by ``close_lag_us``: the recorder indexes a file when it
ends, so a file covering the day's end arrives up to one file duration late; the lag covers that with a
margin. Closed days are computed once, on first demand (``Meter``'s own queries over the day), and read
back after; the open tail of a window, and any part of it that is not a whole closed day, is computed
directly from the index.

Storage is chained: the bytes held at a day's end carry into the next day, so a day's GB-days read only
that day's files and deletions instead of every file still held.

A row goes stale only if the index changes under a closed day. Migration 0016's triggers delete the
affected rows when that happens (a late or recovered recording, a file whose span or size changes, a gap
opened, moved or closed, a deletion dated before a day's end) and the next reading recomputes them.
Retention moving a file from ``recordings`` to ``deletions`` changes no closed day (deleted files still
count), so it invalidates nothing. Wall time is paired per day from 24 h before it, the rule ``Meter``
applies to a window's start; the two differ only if one viewer's nested starts chain across more than
a day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from citywatch.partners.metering import CameraUsage, Meter
from citywatch.partners.models import MeterDayRow
from citywatch.partners.money import DAY_US, HOUR_US, Window, london_midnight_us, today_london
from citywatch.store.models import Deletion, Recording
from citywatch.timeutil import now_us as clock_us

__all__ = ["CLOSE_LAG_US", "MAX_FILE_US", "RolledUpMeter", "london_days"]

CLOSE_LAG_US = HOUR_US
"""Files of up to ten minutes, plus 50 minutes for a recorder that is slow to index them."""

MAX_FILE_US = DAY_US
"""Longest file the index may hold: the recorder cuts files at ``file_duration_s`` (60 s by default), so the
day's files are found by a bounded range on ``start_us``; a longer file would be missed on its later days."""

_GB = 1_000_000_000
_ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class _Totals:
    recorded_us: int = 0
    offline_us: int = 0
    platform_gap_us: int = 0
    wall_us: int = 0
    ptz_minutes: int = 0
    storage_byte_us: float = 0.0

    def add(self, o: _Totals) -> None:
        self.recorded_us += o.recorded_us
        self.offline_us += o.offline_us
        self.platform_gap_us += o.platform_gap_us
        self.wall_us += o.wall_us
        self.ptz_minutes += o.ptz_minutes
        self.storage_byte_us += o.storage_byte_us


def london_days(w: Window) -> list[tuple[date, Window]]:
    """The whole Europe/London days inside ``w``, in order."""
    out: list[tuple[date, Window]] = []
    day = today_london(w.start_us)
    start = london_midnight_us(day)
    if start < w.start_us:
        day += _ONE_DAY
        start = london_midnight_us(day)
    while (end := london_midnight_us(day + _ONE_DAY)) <= w.end_us:
        out.append((day, Window(start, end)))
        day, start = day + _ONE_DAY, end
    return out


class RolledUpMeter(Meter):
    """``Meter`` with the same answers, read from ``meter_days`` for closed days."""

    def __init__(self, sessions: sessionmaker[Session], *, close_lag_us: int = CLOSE_LAG_US) -> None:
        super().__init__(sessions)
        self._lag = close_lag_us

    def direct_usage(self, windows: dict[int, Window], *, now_us: int) -> dict[int, CameraUsage]:
        """The reference: every meter from the index, no roll-up."""
        return super().usage(windows, now_us=now_us)

    def usage(self, windows: dict[int, Window], *, now_us: int) -> dict[int, CameraUsage]:
        groups: dict[Window, list[int]] = defaultdict(list)
        for camera_id, w in windows.items():
            groups[Window(w.start_us, min(w.end_us, max(now_us, w.start_us)))].append(camera_id)
        out: dict[int, CameraUsage] = {}
        for w, ids in groups.items():
            days = [(d, dw) for d, dw in london_days(w) if dw.end_us + self._lag <= now_us]
            totals, held = self._days(ids, days, now_us) if days else ({}, {})
            first = days[0][1].start_us if days else w.end_us
            last = days[-1][1].end_us if days else w.end_us
            with self._sessions() as s:
                for piece, carry in ((Window(w.start_us, first), None), (Window(last, w.end_us), held or None)):
                    if piece.length_us > 0:
                        for cid, t in self._span(s, piece, ids, now_us, carry)[0].items():
                            totals.setdefault(cid, _Totals()).add(t)
            for cid in ids:
                t = totals.get(cid, _Totals())
                out[cid] = CameraUsage(
                    cid, w, t.recorded_us, t.offline_us, t.platform_gap_us, t.wall_us,
                    t.storage_byte_us / _GB / DAY_US, t.ptz_minutes,
                )  # fmt: skip
        return out

    # closed days ------------------------------------------------------------------------------------------------

    def _days(
        self, ids: Sequence[int], days: list[tuple[date, Window]], now_us: int
    ) -> tuple[dict[int, _Totals], dict[int, int]]:
        """Σ of the closed days' rows per camera, and the bytes held at the last day's end; fills missing rows."""
        first, last = days[0][0], days[-1][0]
        for _attempt in range(3):  # a trigger may drop a row between filling and reading: fill again
            self._fill(ids, days, now_us)
            m = MeterDayRow
            with self._sessions() as s:
                q = (
                    select(m.camera_id, func.count(), func.sum(m.recorded_us), func.sum(m.offline_us),
                           func.sum(m.platform_gap_us), func.sum(m.wall_us), func.sum(m.ptz_minutes),
                           func.sum(m.storage_byte_us))
                    .where(m.camera_id.in_(ids), m.day >= first, m.day <= last)
                    .group_by(m.camera_id)
                )  # fmt: skip
                rows = s.execute(q).all()
                held = {
                    int(c): int(v)
                    for c, v in s.execute(select(m.camera_id, m.held_bytes).where(m.camera_id.in_(ids), m.day == last))
                }
            if len(rows) == len(ids) and all(r[1] == len(days) for r in rows) and len(held) == len(ids):
                totals = {
                    int(r[0]): _Totals(int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), float(r[7])) for r in rows
                }
                return totals, {int(c): int(v) for c, v in held.items()}
        raise RuntimeError("the recording index kept changing under the meter roll-up; read the usage again")

    def _fill(self, ids: Sequence[int], days: list[tuple[date, Window]], now_us: int) -> None:
        m = MeterDayRow
        before = days[0][0] - _ONE_DAY
        with self._sessions() as s:
            have = {
                (int(c), d): int(h)
                for c, d, h in s.execute(
                    select(m.camera_id, m.day, m.held_bytes).where(
                        m.camera_id.in_(ids), m.day >= before, m.day <= days[-1][0]
                    )
                )
            }
        held = {c: h for (c, d), h in have.items() if d == before}
        for day, w in days:
            missing = [c for c in ids if (c, day) not in have]
            if missing:
                with self._sessions.begin() as s:
                    spans, held_end = self._span(s, w, missing, now_us, {c: held[c] for c in missing if c in held})
                    rows = [
                        dict(camera_id=c, day=day, start_us=w.start_us, end_us=w.end_us, recorded_us=t.recorded_us,
                             offline_us=t.offline_us, platform_gap_us=t.platform_gap_us, wall_us=t.wall_us,
                             ptz_minutes=t.ptz_minutes, storage_byte_us=t.storage_byte_us, held_bytes=held_end[c],
                             computed_us=clock_us())
                        for c, t in spans.items()
                    ]  # fmt: skip
                    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
                    s.execute(dialect.insert(m).on_conflict_do_nothing(), rows)
                    held.update(held_end)
            held.update({c: have[(c, day)] for c in ids if (c, day) in have})

    # any span, from the index ---------------------------------------------------------------------------------

    def _span(
        self, s: Session, w: Window, ids: Sequence[int], now_us: int, held: dict[int, int] | None
    ) -> tuple[dict[int, _Totals], dict[int, int]]:
        """Every meter over ``w`` (ending by ``now_us``), and the bytes held at its end.

        ``held``: the bytes held at ``w``'s start per camera, where known; the others are summed from the index.
        """
        known = dict(held or {})
        unknown = [c for c in ids if c not in known]
        if unknown:
            known.update(_held_bytes(s, unknown, w.start_us))
        recorded = _recorded(s, w, ids)
        offline = self._gaps(s, w, ids, now_us, camera=True)
        platform = self._gaps(s, w, ids, now_us, camera=False)
        wall = self._wall(s, w, ids, now_us)
        ptz = self._ptz(s, w, ids)
        byte_us, held_end = _storage(s, w, ids, known)
        totals = {
            c: _Totals(recorded.get(c, 0), offline.get(c, 0), platform.get(c, 0), wall.get(c, 0), ptz.get(c, 0),
                       byte_us[c])
            for c in ids
        }  # fmt: skip
        return totals, held_end


def _recorded(s: Session, w: Window, ids: Sequence[int]) -> dict[int, int]:
    """``Meter._recorded`` over files starting at most ``MAX_FILE_US`` before ``w``: a bounded index range."""
    out: dict[int, int] = defaultdict(int)
    for t in (Recording, Deletion):
        lo = case((t.start_us > w.start_us, t.start_us), else_=w.start_us)
        hi = case((t.end_us < w.end_us, t.end_us), else_=w.end_us)
        q = (
            select(t.camera_id, func.sum(hi - lo))
            .where(
                t.camera_id.in_(ids),
                t.start_us >= w.start_us - MAX_FILE_US,
                t.start_us < w.end_us,
                t.end_us > w.start_us,
            )
            .group_by(t.camera_id)
        )
        for c, v in s.execute(q):
            out[int(c)] += int(v or 0)
    return dict(out)


def _held_bytes(s: Session, ids: Sequence[int], t: int) -> dict[int, int]:
    """Bytes held at ``t``: files ended before it, not yet deleted by then."""
    r, d = Recording, Deletion
    out: dict[int, int] = dict.fromkeys(ids, 0)
    live = select(r.camera_id, func.sum(r.size_bytes)).where(r.camera_id.in_(ids), r.end_us < t)
    gone = select(d.camera_id, func.sum(d.size_bytes)).where(d.camera_id.in_(ids), d.end_us < t, d.deleted_us > t)
    for q in (live, gone):
        for c, v in s.execute(q.group_by(q.selected_columns[0])):
            out[int(c)] += int(v or 0)
    return out


def _storage(
    s: Session, w: Window, ids: Sequence[int], held: dict[int, int]
) -> tuple[dict[int, float], dict[int, int]]:
    """Σ size × time held within ``w`` and the bytes held at its end, from those held at its start.

    A file is held over ``[end_us, deleted_us)`` (live files: until now). Within ``w``: the bytes held at
    its start for its whole length, plus each file ending inside it until ``w``'s end, minus each file
    deleted inside it from its deletion to ``w``'s end.
    """
    ts, te = w.start_us, w.end_us
    r, d = Recording, Deletion
    byte_us = {c: float(held[c] * (te - ts)) for c in ids}
    held_end = {c: held[c] for c in ids}
    ended_live = (
        select(r.camera_id, func.sum(cast(r.size_bytes, Float) * (te - r.end_us)), func.sum(r.size_bytes))
        .where(r.camera_id.in_(ids), r.end_us >= ts, r.end_us < te)
        .group_by(r.camera_id)
    )
    kept = func.sum(case((d.deleted_us > te, d.size_bytes), else_=0))
    ended_gone = (
        select(d.camera_id, func.sum(cast(d.size_bytes, Float) * (te - d.end_us)), kept)
        .where(
            d.camera_id.in_(ids),
            d.start_us >= ts - MAX_FILE_US,
            d.start_us < te,
            d.end_us >= ts,
            d.end_us < te,
            d.deleted_us > d.end_us,
        )
        .group_by(d.camera_id)
    )
    for q in (ended_live, ended_gone):
        for c, add_byte_us, add_bytes in s.execute(q):
            byte_us[int(c)] += float(add_byte_us or 0.0)
            held_end[int(c)] += int(add_bytes or 0)
    deleted_inside = (
        select(d.camera_id, func.sum(cast(d.size_bytes, Float) * (te - d.deleted_us)))
        .where(d.camera_id.in_(ids), d.deleted_us > ts, d.deleted_us < te, d.deleted_us > d.end_us)
        .group_by(d.camera_id)
    )
    for c, less_byte_us in s.execute(deleted_inside):
        byte_us[int(c)] -= float(less_byte_us or 0.0)
    gone_at_end = (
        select(d.camera_id, func.sum(d.size_bytes))
        .where(d.camera_id.in_(ids), d.end_us < ts, d.deleted_us > ts, d.deleted_us <= te)
        .group_by(d.camera_id)
    )
    for c, less_bytes in s.execute(gone_at_end):
        held_end[int(c)] -= int(less_bytes or 0)
    return byte_us, held_end
