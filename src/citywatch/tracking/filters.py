"""Time fixes and the bad-fix filter. Pure: a position and the device's history in, a verdict out.

Nothing here drops an alarm: a rejected *location* is still stored (marked ``filtered``) so that its
battery and alarm attributes reach the chain; only exact duplicates are not stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from citywatch.tracking.domain import Position, Profile
from citywatch.tracking.geo import local_distance_m

__all__ = ["FilterConfig", "LastFix", "Verdict", "apply_device_clock", "judge"]


@dataclass(frozen=True, slots=True)
class FilterConfig:
    future_tolerance_s: float = 300.0
    zone_max_accuracy_m: float = 100.0  # worse fixes never decide a zone state
    max_person_speed_kmh: float = 60.0  # faster than a bus in London: a jump
    max_vehicle_speed_kmh: float = 250.0
    min_jump_m: float = 100.0


@dataclass(slots=True)
class LastFix:
    """The device's latest accepted fix (and a rejected jump that a second fix may confirm)."""

    fix_time: datetime
    latitude: float
    longitude: float
    jump: tuple[datetime, float, float] | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    store: bool  # False only for duplicates
    late: bool  # older than the latest fix: archive, raise nothing
    locate: bool  # the location may update the device's latest fix
    decisive: bool  # good enough to decide a safe-zone state
    reason: str | None = None


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def apply_device_clock(position: Position, clock_tz: str) -> None:
    """Re-read the device's wall-clock time in its zone (many GT06 devices send GMT+8 local time)."""
    if clock_tz in ("", "UTC") or position.device_time is None:
        return
    try:
        zone = _zone(clock_tz)
    except (ZoneInfoNotFoundError, ValueError):
        position.attributes["clock_tz_error"] = f"unknown zone {clock_tz!r}"
        return
    local = position.device_time.replace(tzinfo=None).replace(tzinfo=zone)
    position.fix_time = local.astimezone(UTC)


_DUPLICATE = Verdict(False, False, False, False, "duplicate")
_INVALID = Verdict(True, False, False, False, "invalid fix")
_ZERO = Verdict(True, False, False, False, "zero coordinates")
_FUTURE = Verdict(True, False, False, False, "future fix")
_LATE = Verdict(True, True, False, False, "late")
_JUMP = Verdict(True, False, False, False, "jump")
_COARSE = Verdict(True, False, True, False, "coarse")
_GOOD = Verdict(True, False, True, True, None)


def judge(position: Position, last: LastFix | None, profile: Profile, cfg: FilterConfig) -> Verdict:
    if last is not None and position.valid and position.fix_time == last.fix_time:
        same = abs(position.latitude - last.latitude) + abs(position.longitude - last.longitude) < 1e-7
        if same:
            return _DUPLICATE
    if not position.valid:
        return _INVALID
    if position.latitude == 0 and position.longitude == 0:
        return _ZERO
    if (position.fix_time - position.server_time).total_seconds() > cfg.future_tolerance_s:
        return _FUTURE
    if last is not None and position.fix_time < last.fix_time:
        return _LATE
    if last is not None and _is_jump(position, last, profile, cfg):
        return _JUMP
    if position.source != "gps" or (position.accuracy_m or 0.0) > cfg.zone_max_accuracy_m:
        return _COARSE
    return _GOOD


def _is_jump(position: Position, last: LastFix, profile: Profile, cfg: FilterConfig) -> bool:
    limit = cfg.max_person_speed_kmh if profile is Profile.PERSON else cfg.max_vehicle_speed_kmh
    if _implausible(position, last.fix_time, last.latitude, last.longitude, limit, cfg):
        if last.jump is not None:
            t, lat, lon = last.jump
            if not _implausible(position, t, lat, lon, limit, cfg):
                last.jump = None
                return False  # two fixes agree on the new place: accept it
        last.jump = (position.fix_time, position.latitude, position.longitude)
        return True
    last.jump = None
    return False


def _implausible(position: Position, t: datetime, lat: float, lon: float, limit: float, cfg: FilterConfig) -> bool:
    dist = local_distance_m(lat, lon, position.latitude, position.longitude)
    if dist < cfg.min_jump_m:
        return False
    dt = max((position.fix_time - t).total_seconds(), 1.0)
    return dist / dt * 3.6 > limit
