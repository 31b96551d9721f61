"""UTC ranges with their Europe/London offsets, for manifests and burned-in times.

Stored and exported times are UTC; the local time is only ever derived, with its offset written
out, so an export across the October change reads ``01:59:59+01:00`` then ``01:00:00+00:00`` and
neither repeats nor loses an hour. Transitions are found by bisection on ``utcoffset``.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from citywatch.timeutil import from_us, iso

__all__ = ["LOCAL_ZONE", "local_iso", "offset_changes", "offset_text", "time_range"]

LOCAL_ZONE = ZoneInfo("Europe/London")
_HOUR_US = 3_600_000_000


def _offset(us: int) -> timedelta:
    offset = from_us(us).astimezone(LOCAL_ZONE).utcoffset()
    return offset if offset is not None else timedelta(0)


def offset_text(us: int) -> str:
    minutes = int(_offset(us).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_iso(us: int) -> str:
    """Local wall-clock time with its offset, e.g. ``2026-10-25T01:30:00.000000+01:00``."""
    local = from_us(us).astimezone(LOCAL_ZONE)
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + offset_text(us)


def offset_changes(start_us: int, end_us: int) -> list[dict[str, str]]:
    """Every change of the local offset in ``[start_us, end_us)``: its UTC instant and the offsets either side."""
    out: list[dict[str, str]] = []
    at = start_us
    while at < end_us:
        step_end = min(at + _HOUR_US, end_us)
        if _offset(step_end) != _offset(at):
            lo, hi = at, step_end  # offset(lo) differs from offset(hi); narrow to the microsecond
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset(mid) == _offset(at) else (lo, mid)
            out.append({"at_utc": iso(hi), "offset_before": offset_text(lo), "offset_after": offset_text(hi)})
        at = step_end
    return out


def time_range(start_us: int, end_us: int) -> dict[str, object]:
    """A UTC range as the manifest states it: UTC ends, local ends with offsets, length, offset changes."""
    return {
        "start_utc": iso(start_us),
        "end_utc": iso(end_us),
        "start_local": local_iso(start_us),
        "end_local": local_iso(end_us),
        "duration_s": round((end_us - start_us) / 1e6, 6),
        "offset_changes": offset_changes(start_us, end_us),
    }
