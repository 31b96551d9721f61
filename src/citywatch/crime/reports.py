"""MOPAC 7 reports on the borough files: financial years, rolling 12 months, trends, rankings, claims.

``CrimeReports`` is the service a CLI command or a web route calls; every method returns dataclasses
with ``to_dict()`` for JSON. "London" is the sum of the 32 boroughs: the airports and "Unknown" rows
of the new file are left out, and the City of London is in neither file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from citywatch.crime.errors import MappingError, NoDataError, UnknownAreaError
from citywatch.crime.fiscal import FinancialYear, add_months, month_label, month_range
from citywatch.crime.mapping import SCHEMES, Mopac7Mapping
from citywatch.crime.store import CrimeStore

__all__ = [
    "EXCLUDED_AREAS",
    "LONDON",
    "AreaFigures",
    "Change",
    "ClaimCheck",
    "CrimeReports",
    "FyComparison",
    "MonthPoint",
    "RankRow",
    "RollingComparison",
]

LONDON = "London"
EXCLUDED_AREAS = frozenset({"London Heathrow and London City Airports", "Unknown"})
LONDON_NOTE = "London = the 32 boroughs; airports and 'Unknown' excluded; the City of London is not in these files"


def pct_change(previous: int, current: int) -> float | None:
    return None if previous == 0 else round((current - previous) / previous * 100.0, 2)


@dataclass(frozen=True)
class Change:
    previous: int
    current: int

    @property
    def change_pct(self) -> float | None:
        return pct_change(self.previous, self.current)

    def to_dict(self) -> dict[str, Any]:
        return {"previous": self.previous, "current": self.current, "change_pct": self.change_pct}


@dataclass(frozen=True)
class AreaFigures:
    area: str
    categories: dict[str, Change]
    total: Change

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "categories": {k: v.to_dict() for k, v in self.categories.items()},
            "total": self.total.to_dict(),
        }


@dataclass(frozen=True)
class FyComparison:
    fy: FinancialYear
    scheme: str
    figures: AreaFigures
    compare: AreaFigures | None
    source: list[str]
    notes: list[str] = field(default_factory=list)
    trend: list[MonthPoint] = field(default_factory=list)

    @property
    def previous_fy(self) -> FinancialYear:
        return self.fy.previous()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"area": self.figures.area, "fy": self.fy.label, "previous_fy": self.previous_fy.label}
        body = self.figures.to_dict()
        out["categories"], out["total"] = body["categories"], body["total"]
        out["compare"] = self.compare.to_dict() if self.compare else None
        out["scheme"] = self.scheme
        out["source"] = self.source
        out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class RollingComparison:
    first_month: int
    last_month: int
    scheme: str
    figures: AreaFigures

    def to_dict(self) -> dict[str, Any]:
        return {
            "window": [month_label(self.first_month), month_label(self.last_month)],
            "previous_window": [
                month_label(add_months(self.first_month, -12)),
                month_label(add_months(self.last_month, -12)),
            ],
            "scheme": self.scheme,
            **self.figures.to_dict(),
        }


@dataclass(frozen=True)
class MonthPoint:
    month: int
    categories: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.categories.values())

    def to_dict(self) -> dict[str, Any]:
        return {"month": month_label(self.month), "categories": self.categories, "total": self.total}


@dataclass(frozen=True)
class RankRow:
    rank: int
    area: str
    change: Change

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "area": self.area, **self.change.to_dict()}


@dataclass(frozen=True)
class ClaimCheck:
    fy: FinancialYear
    direction: str
    category: str | None
    holds: bool
    checked: int
    exceptions: list[RankRow]

    @property
    def claim(self) -> str:
        what = self.category or "MOPAC 7 crime"
        return f"{what} {self.direction} in every borough in {self.fy.label} against {self.fy.previous().label}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "holds": self.holds,
            "boroughs_checked": self.checked,
            "exceptions": [e.to_dict() for e in self.exceptions],
        }


class CrimeReports:
    """Reports over an open store with one mapping; keeps small lookups warm between calls."""

    def __init__(self, store: CrimeStore, mapping: Mopac7Mapping) -> None:
        self.store = store
        self.mapping = mapping
        self._pairs: dict[str, dict[tuple[str, str], str]] = {}
        self._areas: dict[str, list[str]] = {}
        self._months: dict[str, tuple[int, int] | None] = {}

    # -- lookups ----------------------------------------------------------------------------------

    def _scheme_months(self, scheme: str) -> tuple[int, int] | None:
        if scheme not in self._months:
            self._months[scheme] = self.store.scheme_months(scheme)
        return self._months[scheme]

    def boroughs(self, scheme: str) -> list[str]:
        if scheme not in self._areas:
            self._areas[scheme] = [a for a in self.store.areas(scheme) if a not in EXCLUDED_AREAS]
        return self._areas[scheme]

    def pairs(self, scheme: str) -> dict[tuple[str, str], str]:
        if scheme not in self._pairs:
            found = self.store.category_pairs(scheme)
            assigned = self.mapping.assign(scheme, found)
            if not assigned:
                raise MappingError(f"{self.mapping.origin}: no category of scheme {scheme!r} maps to MOPAC 7")
            self._pairs[scheme] = assigned
        return self._pairs[scheme]

    def mapping_notes(self, scheme: str) -> list[str]:
        unused = self.mapping.unused_rules(scheme, self.store.category_pairs(scheme))
        return [
            f"mapping rule for {r.category!r} ({r.major or '*'} / {r.minor or '*'}) matches nothing "
            f"in the {scheme} files"
            for r in unused
        ]

    def choose_scheme(self, first: int, last: int, scheme: str | None = None) -> str:
        """The scheme asked for, else ``new`` where it covers the months, else ``old``."""
        candidates = [scheme] if scheme else ["new", "old"]
        for name in candidates:
            if name not in SCHEMES:
                raise NoDataError(f"unknown scheme {name!r} (expected old or new)")
            span = self._scheme_months(name)
            if span is not None and span[0] <= first and last <= span[1]:
                return name
        spans = {s: self._scheme_months(s) for s in SCHEMES}
        held = ", ".join(f"{s}: {month_label(v[0])}–{month_label(v[1])}" for s, v in spans.items() if v)
        raise NoDataError(
            f"no imported borough file covers {month_label(first)}–{month_label(last)}"
            f"{' in scheme ' + scheme if scheme else ''} (held: {held or 'nothing'})"
        )

    def resolve_area(self, name: str, scheme: str) -> str:
        wanted = " ".join(name.replace("&", "and").split()).casefold()
        if wanted == LONDON.casefold():
            return LONDON
        for area in self.boroughs(scheme):
            if area.casefold() == wanted:
                return area
        raise UnknownAreaError(
            f"no borough {name!r} in the {scheme} files; try one of: "
            + ", ".join(self.boroughs(scheme))
            + ", or London"
        )

    # -- figures ----------------------------------------------------------------------------------

    def _series(
        self, scheme: str, first: int, last: int, area: str | None = None, by_fy: bool = False
    ) -> dict[tuple[str, str, int], int]:
        """(area, category, bucket) → count: per borough, or summed for one ``area`` (London = 32 boroughs)."""
        pairs = self.pairs(scheme)
        if area is None:
            rows = self.store.sums_by_category(scheme, pairs, first, last, self.boroughs(scheme), by_fy=by_fy)
            return {(a, cat, bucket): count for a, cat, bucket, count in rows}
        areas = self.boroughs(scheme) if area == LONDON else [area]
        rows = self.store.sums_by_category(scheme, pairs, first, last, areas, per_area=False, by_fy=by_fy)
        return {(area, cat, bucket): count for _, cat, bucket, count in rows}

    def _sum(self, series: dict[tuple[str, str, int], int], area: str, months: list[int]) -> dict[str, int]:
        wanted = set(months)
        out = dict.fromkeys(self.mapping.categories, 0)
        for (a, cat, month), count in series.items():
            if a == area and month in wanted:
                out[cat] += count
        return out

    def _figures(
        self, series: dict[tuple[str, str, int], int], area: str, previous: list[int], current: list[int]
    ) -> AreaFigures:
        before, now = self._sum(series, area, previous), self._sum(series, area, current)
        cats = {c: Change(before[c], now[c]) for c in self.mapping.categories}
        total = Change(sum(before.values()), sum(now.values()))
        return AreaFigures(area, cats, total)

    def fy_comparison(
        self,
        area: str,
        fy: FinancialYear,
        compare: str | None = None,
        scheme: str | None = None,
        with_trend: bool = False,
    ) -> FyComparison:
        """MOPAC 7 counts of ``fy`` against the year before, per category and in total."""
        previous = fy.previous()
        chosen = self.choose_scheme(previous.first_month, fy.last_month, scheme)
        name = self.resolve_area(area, chosen)
        other = self.resolve_area(compare, chosen) if compare else None
        series = self._series(chosen, previous.first_month, fy.last_month, name)
        figures = self._figures(series, name, previous.months(), fy.months())
        compared = None
        if other is not None:
            other_series = self._series(chosen, previous.first_month, fy.last_month, other)
            compared = self._figures(other_series, other, previous.months(), fy.months())
        desc = self.mapping.descriptions.get(chosen, chosen)
        source = [
            f"{n} (scheme {chosen}: {desc})"
            for n in self.store.source_names(chosen, previous.first_month, fy.last_month)
        ]
        notes = self.mapping_notes(chosen)
        if LONDON in (name, other):
            notes.append(LONDON_NOTE)
            held = len(self.boroughs(chosen))
            if held != 32:
                notes.append(f"only {held} of the 32 boroughs are held in the {chosen} files")
        trend: list[MonthPoint] = []
        if with_trend:
            trend = self._trend(series, name, month_range(previous.first_month, fy.last_month))
        return FyComparison(fy, chosen, figures, compared, source, notes, trend)

    def rolling_12(self, area: str, last_month: int | None = None, scheme: str | None = None) -> RollingComparison:
        """The 12 months to ``last_month`` (default: the latest held) against the 12 before."""
        if last_month is None:
            span = self._scheme_months(scheme or "new") or self._scheme_months("old")
            if span is None:
                raise NoDataError("no borough file imported")
            last_month = span[1]
        first = add_months(last_month, -11)
        chosen = self.choose_scheme(add_months(first, -12), last_month, scheme)
        name = self.resolve_area(area, chosen)
        series = self._series(chosen, add_months(first, -12), last_month, name)
        previous = month_range(add_months(first, -12), add_months(last_month, -12))
        figures = self._figures(series, name, previous, month_range(first, last_month))
        return RollingComparison(first, last_month, chosen, figures)

    def _trend(self, series: dict[tuple[str, str, int], int], area: str, months: list[int]) -> list[MonthPoint]:
        table: dict[int, dict[str, int]] = {m: dict.fromkeys(self.mapping.categories, 0) for m in months}
        for (a, cat, month), count in series.items():
            if a == area and month in table:
                table[month][cat] += count
        return [MonthPoint(m, table[m]) for m in months]

    def monthly_trend(self, area: str, first: int, last: int, scheme: str | None = None) -> list[MonthPoint]:
        chosen = self.choose_scheme(first, last, scheme)
        name = self.resolve_area(area, chosen)
        return self._trend(self._series(chosen, first, last, name), name, month_range(first, last))

    def fy_totals(
        self, area: str, fys: list[FinancialYear], scheme: str | None = None, category: str | None = None
    ) -> tuple[str, dict[FinancialYear, int]]:
        """MOPAC 7 (or one category's) total per financial year, all from one scheme."""
        first, last = min(fys).first_month, max(fys).last_month
        chosen = self.choose_scheme(first, last, scheme)
        name = self.resolve_area(area, chosen)
        series = self._series(chosen, first, last, name, by_fy=True)
        out: dict[FinancialYear, int] = {}
        for fy in fys:
            sums = self._sum(series, name, [fy.start_year])
            out[fy] = sums[category] if category else sum(sums.values())
        return chosen, out

    def ranking(self, fy: FinancialYear, category: str | None = None, scheme: str | None = None) -> list[RankRow]:
        """Every borough by percentage change (largest fall first) in MOPAC 7 or one category."""
        if category is not None and category not in self.mapping.categories:
            raise MappingError(f"unknown category {category!r}; one of {list(self.mapping.categories)}")
        previous = fy.previous()
        chosen = self.choose_scheme(previous.first_month, fy.last_month, scheme)
        series = self._series(chosen, previous.first_month, fy.last_month, by_fy=True)
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (area, cat, start_year), count in series.items():
            if category is None or cat == category:
                sums[area][0 if start_year == previous.start_year else 1] += count
        changes = [(area, Change(*sums[area])) for area in self.boroughs(chosen)]
        changes.sort(key=lambda ac: (float("inf") if ac[1].change_pct is None else ac[1].change_pct, ac[0]))
        return [RankRow(i, area, change) for i, (area, change) in enumerate(changes, start=1)]

    def check_claim(
        self, fy: FinancialYear, direction: str = "down", category: str | None = None, scheme: str | None = None
    ) -> ClaimCheck:
        """Is crime ``down`` (or ``up``) in every borough? Names the boroughs where it is not."""
        if direction not in ("down", "up"):
            raise NoDataError(f"direction must be 'down' or 'up', not {direction!r}")
        rows = self.ranking(fy, category, scheme)

        def holds(change: Change) -> bool:
            return change.current < change.previous if direction == "down" else change.current > change.previous

        exceptions = [r for r in rows if not holds(r.change)]
        return ClaimCheck(fy, direction, category, not exceptions, len(rows), exceptions)
