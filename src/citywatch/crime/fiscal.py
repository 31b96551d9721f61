"""Months as ``yyyymm`` integers and financial years (April to March)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citywatch.crime.errors import CrimeError

__all__ = ["FinancialYear", "add_months", "month_label", "month_range", "parse_month"]

_FY = re.compile(r"^\s*(\d{4})\s*(?:[/-]\s*(\d{2}|\d{4}))?\s*$")
_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")


def add_months(month: int, n: int) -> int:
    """``add_months(201403, 1) == 201404``."""
    index = (month // 100) * 12 + (month % 100 - 1) + n
    return (index // 12) * 100 + index % 12 + 1


def month_range(first: int, last: int) -> list[int]:
    """Every month from ``first`` to ``last`` inclusive."""
    out: list[int] = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def parse_month(text: str) -> int:
    """``"2014-03"`` or ``"201403"`` → ``201403``."""
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise CrimeError(f"not a month: {text!r} (expected YYYY-MM)")
    return int(match.group(1)) * 100 + int(match.group(2))


def month_label(month: int) -> str:
    return f"{month // 100:04d}-{month % 100:02d}"


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The UK financial year starting in April of ``start_year``: 2013/14 = Apr 2013 – Mar 2014."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """Accepts ``2013/14``, ``2013-14``, ``2013/2014`` and ``2013``."""
        match = _FY.match(text)
        if match is None:
            raise CrimeError(f"not a financial year: {text!r} (expected e.g. 2013/14)")
        start = int(match.group(1))
        if match.group(2) is not None:
            end = int(match.group(2))
            expected = start + 1 if len(match.group(2)) == 4 else (start + 1) % 100
            if end != expected:
                raise CrimeError(f"not a financial year: {text!r} (the second year must follow the first)")
        return cls(start)

    @classmethod
    def containing(cls, month: int) -> FinancialYear:
        year, mon = divmod(month, 100)
        return cls(year if mon >= 4 else year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def first_month(self) -> int:
        return self.start_year * 100 + 4

    @property
    def last_month(self) -> int:
        return (self.start_year + 1) * 100 + 3

    def months(self) -> list[int]:
        return month_range(self.first_month, self.last_month)

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def shifted(self, years: int) -> FinancialYear:
        return FinancialYear(self.start_year + years)

    def __str__(self) -> str:
        return self.label
