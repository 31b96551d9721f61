"""UTC time as integer microseconds, the unit of every stored time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["from_us", "iso", "now_us", "parse_iso", "to_us"]


def now_us() -> int:
    return time.time_ns() // 1000


def to_us(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError(f"{dt.isoformat()} has no time zone; times must be UTC (add Z or +00:00)")
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


def iso(us: int) -> str:
    """ISO 8601 UTC with microseconds and a Z, as every API answer gives times."""
    return from_us(us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> int:
    cleaned = text.strip().replace("Z", "+00:00")
    if "T" in cleaned and " " in cleaned:
        cleaned = cleaned.replace(" ", "+", 1)  # a "+00:00" whose plus a query string turned into a space
    try:
        dt = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-25T21:14:07Z") from exc
    return to_us(dt)
