"""Safe zones: outlines, schedules, and the inside/outside state machine with hysteresis.

Exit (re-entry mirrors it) is confirmed by any of:
- one fix outside by more than ``max(15 m, 1.5 × accuracy)`` (the *clear* margin);
- two consecutive fixes outside by more than ``max(5 m, 0.75 × accuracy)`` (the *dead band*: fixes
  closer to the line than half their own accuracy count neither way, so drift along the boundary
  does not flap);
- a fix outside the dead band and 60 s without a fix back inside (checked again by the sweeper).
Fixes that are not good enough for a decision (cell/Wi-Fi, accuracy above the gate) never move the
state; one placing the device outside by more than its own accuracy marks the state *suspect*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from citywatch.tracking.domain import Position
from citywatch.tracking.geo import Circle, Polygon, Shape, local_distance_m

__all__ = ["Schedule", "Tier", "Zone", "ZoneEvent", "ZoneState", "confirm_by_time", "margins", "update_state"]

DEFAULT_ACCURACY_M = 10.0
CONFIRM_AFTER = timedelta(seconds=60)


class Tier(StrEnum):
    CARE_UNIT = "care_unit"
    CAMPUS = "campus"


@dataclass(frozen=True, slots=True)
class Schedule:
    """Daily windows in a named zone (a window may wrap past midnight, e.g. 20:00–08:00)."""

    tz: str
    windows: tuple[tuple[time, time], ...]

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> Schedule | None:
        if not doc:
            return None
        try:
            windows = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in doc["windows"])
            ZoneInfo(doc["tz"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"zone schedule {doc!r} needs tz and windows [[HH:MM, HH:MM], …]: {exc}") from exc
        return cls(str(doc["tz"]), windows)

    def to_json(self) -> dict[str, Any]:
        return {"tz": self.tz, "windows": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in self.windows]}

    def active(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.tz)).time()
        for start, end in self.windows:
            if start <= end and start <= local < end:
                return True
            if start > end and (local >= start or local < end):
                return True
        return False


@dataclass(slots=True)
class Zone:
    id: int
    name: str
    tier: Tier
    shape: Shape
    schedule: Schedule | None = None
    device_id: int | None = None  # None: every person-profile device

    def active(self, at: datetime) -> bool:
        return self.schedule is None or self.schedule.active(at)

    @classmethod
    def from_geojson(
        cls,
        id: int,
        name: str,
        tier: str,
        geometry: dict[str, Any],
        radius_m: float | None = None,
        schedule: dict[str, Any] | None = None,
        device_id: int | None = None,
    ) -> Zone:
        kind = geometry.get("type")
        shape: Shape
        if kind == "Point":
            if radius_m is None:
                raise ValueError(f"zone {name!r}: a Point zone needs radius_m")
            lon, lat = geometry["coordinates"][:2]
            shape = Circle(float(lat), float(lon), float(radius_m))
        elif kind == "Polygon":
            ring = geometry["coordinates"][0]
            shape = Polygon([(float(lat), float(lon)) for lon, lat, *_ in ring])
        else:
            raise ValueError(f"zone {name!r}: geometry type {kind!r} is not Point (+radius) or Polygon")
        return cls(id, name, Tier(tier), shape, Schedule.from_json(schedule), device_id)


class ZoneEvent(StrEnum):
    EXIT = "exit"
    ENTRY = "entry"
    EXCURSION = "excursion"  # both fixes inside, but the straight path between them left the zone


@dataclass(slots=True)
class ZoneState:
    device_id: int
    zone_id: int
    inside: bool | None = None
    since: datetime | None = None
    pending_count: int = 0
    pending_since: datetime | None = None
    alerted: bool = False
    suspect: bool = False
    last_distance_m: float | None = None
    last_accuracy_m: float = DEFAULT_ACCURACY_M
    last_point: tuple[float, float] | None = None
    dirty: bool = True


def margins(accuracy_m: float | None) -> tuple[float, float]:
    """(clear, dead band) margins in metres for a fix of this accuracy."""
    acc = accuracy_m if accuracy_m is not None else DEFAULT_ACCURACY_M
    return max(15.0, 1.5 * acc), max(5.0, 0.75 * acc)


def update_state(
    state: ZoneState, zone: Zone, position: Position, *, decisive: bool
) -> tuple[ZoneEvent | None, dict[str, Any]]:
    """Feed one fix; returns the confirmed event (if any) and details (crossing point, reason)."""
    d = zone.shape.signed_distance_m(position.latitude, position.longitude)
    acc = position.accuracy_m if position.accuracy_m is not None else DEFAULT_ACCURACY_M
    if not decisive:
        if state.inside and d > acc:
            state.suspect = state.dirty = True
        return None, {}
    clear, dead = margins(position.accuracy_m)
    point = (position.latitude, position.longitude)
    prev_point, state.last_point = state.last_point, point
    prev_d = state.last_distance_m
    state.last_distance_m, state.last_accuracy_m = d, acc
    if state.inside is None:  # no history: presume inside unless clearly outside
        state.inside, state.since, state.dirty = d <= clear, position.fix_time, True
        if d > dead and state.inside:
            state.pending_count, state.pending_since = 1, position.fix_time
        return (None if state.inside else ZoneEvent.EXIT), {"reason": "first fix, clearly outside"}
    # Distance in the direction that would change the state: outside for an exit, inside for an entry.
    away = d if state.inside else -d
    if away <= dead:
        if state.pending_count:
            state.pending_count, state.pending_since, state.dirty = 0, None, True
        if (
            state.inside
            and prev_point is not None
            and prev_d is not None
            and d <= 0
            and _may_leave(zone.shape, prev_point, point, prev_d, d, clear)
        ):
            seg = zone.shape.segment(prev_point, point)
            if seg.max_outside_m > clear:
                return ZoneEvent.EXCURSION, {
                    "reason": "path between fixes left the zone",
                    "max_outside_m": round(seg.max_outside_m, 1),
                }
        return None, {}
    state.pending_count += 1
    state.pending_since = state.pending_since or position.fix_time
    state.dirty = True
    if away > clear:
        reason = f"{away:.0f} m beyond the edge"
    elif state.pending_count >= 2:
        reason = "two consecutive fixes"
    elif position.fix_time - state.pending_since >= CONFIRM_AFTER:
        reason = "60 s"
    else:
        return None, {}
    details: dict[str, Any] = {"reason": reason, "distance_m": round(d, 1)}
    if prev_point is not None:
        seg = zone.shape.segment(prev_point, point)
        t = seg.exit_t if state.inside else seg.entry_t
        if t is not None:
            details["crossing"] = [
                round(prev_point[0] + (point[0] - prev_point[0]) * t, 6),
                round(prev_point[1] + (point[1] - prev_point[1]) * t, 6),
            ]
    return _flip(state, position.fix_time), details


def _may_leave(
    shape: Shape, a: tuple[float, float], b: tuple[float, float], d_a: float, d_b: float, clear: float
) -> bool:
    """Cheap bound: signed distance is 1-Lipschitz, so no point of a→b lies beyond (d_a + d_b + |ab|) / 2."""
    if isinstance(shape, Circle):
        return False  # convex: a segment between two inside points stays inside
    length = local_distance_m(a[0], a[1], b[0], b[1])
    return (d_a + d_b + length) / 2 > clear


def confirm_by_time(state: ZoneState, now: datetime) -> ZoneEvent | None:
    """The 60 s rule for a device that went quiet after one fix past the dead band."""
    if state.pending_since is None or state.inside is None or now - state.pending_since < CONFIRM_AFTER:
        return None
    return _flip(state, now)


def _flip(state: ZoneState, at: datetime) -> ZoneEvent:
    state.inside = not state.inside
    state.since, state.pending_count, state.pending_since, state.dirty = at, 0, None, True
    if state.inside:
        state.suspect = False
        return ZoneEvent.ENTRY
    return ZoneEvent.EXIT
