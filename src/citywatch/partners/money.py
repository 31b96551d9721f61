"""Pence, rounding and the calendar that bills are cut by.

Amounts are integer pence. Quantities are exact (``Fraction``) until a line is priced; each line is
rounded once, half away from zero, so a reader can redo every line with a calculator.
Billing months and days are Europe/London calendar months and days, turned into UTC µs windows:
October has 745 hours in London (the clocks go back), March 743.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from citywatch.partners.errors import PartnerError
from citywatch.timeutil import to_us

__all__ = [
    "HOUR_US",
    "LONDON",
    "Window",
    "add_months",
    "london_midnight_us",
    "month_window",
    "parse_month",
    "pounds",
    "round_pence",
    "today_london",
]

LONDON = ZoneInfo("Europe/London")
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Window:
    """Half-open UTC interval ``[start_us, end_us)``."""

    start_us: int
    end_us: int

    @property
    def length_us(self) -> int:
        return max(0, self.end_us - self.start_us)

    def clip(self, other: Window) -> Window:
        return Window(max(self.start_us, other.start_us), min(self.end_us, other.end_us))


def round_pence(amount: Fraction) -> int:
    """Half away from zero: 0.5p → 1p, −0.5p → −1p."""
    sign = -1 if amount < 0 else 1
    return sign * int(abs(amount) + Fraction(1, 2))


def pounds(pence: int) -> str:
    """``123456`` → ``"£1,234.56"``; negatives as ``"−£1.00"``."""
    sign = "−" if pence < 0 else ""
    whole, frac = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{frac:02d}"


def london_midnight_us(day: date) -> int:
    return to_us(datetime.combine(day, time(0), LONDON))


def parse_month(text: str) -> date:
    """``"2026-10"`` → the first of that month."""
    m = _MONTH.match(text.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise PartnerError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-10")
    return date(int(m.group(1)), int(m.group(2)), 1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def month_window(first: date) -> Window:
    return Window(london_midnight_us(first), london_midnight_us(add_months(first, 1)))


def today_london(now_us: int) -> date:
    return datetime.fromtimestamp(now_us / 1_000_000, LONDON).date()
