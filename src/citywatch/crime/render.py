"""Reports as rows for text tables and CSV; the CLI picks the format, a web API would use ``to_dict``."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from rich.table import Table

from citywatch.crime.coverage import CoverageReport
from citywatch.crime.reports import ClaimCheck, FyComparison, MonthPoint, RankRow, RollingComparison
from citywatch.crime.targets import TargetProgress

__all__ = [
    "Rows",
    "claim_rows",
    "coverage_rows",
    "fy_rows",
    "ranking_rows",
    "rich_table",
    "rolling_rows",
    "target_rows",
    "to_csv",
    "trend_rows",
]

Cell = str | int | float | None
Rows = tuple[list[str], list[list[Cell]]]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def to_csv(rows: Rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    writer.writerows(["" if c is None else c for c in row] for row in rows[1])
    return out.getvalue()


def rich_table(rows: Rows, title: str | None = None) -> Table:
    table = Table(title=title)
    for i, name in enumerate(rows[0]):
        text = all(isinstance(row[i], str | None) for row in rows[1])
        table.add_column(name, justify="left" if text else "right")
    for row in rows[1]:
        cells = [
            _pct(c)
            if rows[0][i] in ("change %", "vs baseline %") and isinstance(c, float)
            else f"{c:,}"
            if isinstance(c, int)
            else ""
            if c is None
            else str(c)
            for i, c in enumerate(row)
        ]
        table.add_row(*cells)
    return table


def fy_rows(report: FyComparison) -> Rows:
    header = ["area", "category", report.previous_fy.label, report.fy.label, "change %"]
    body: list[list[Cell]] = []
    for figures in [report.figures] + ([report.compare] if report.compare else []):
        for name, c in [*figures.categories.items(), ("MOPAC 7 total", figures.total)]:
            body.append([figures.area, name, c.previous, c.current, c.change_pct])
    return header, body


def rolling_rows(report: RollingComparison) -> Rows:
    d = report.to_dict()
    header = ["category", "–".join(d["previous_window"]), "–".join(d["window"]), "change %"]
    items = [*report.figures.categories.items(), ("MOPAC 7 total", report.figures.total)]
    return header, [[n, c.previous, c.current, c.change_pct] for n, c in items]


def trend_rows(points: Sequence[MonthPoint]) -> Rows:
    if not points:
        return ["month"], []
    cats = list(points[0].categories)
    body: list[list[Cell]] = [[p.to_dict()["month"], *(p.categories[c] for c in cats), p.total] for p in points]
    return ["month", *cats, "total"], body


def ranking_rows(rows: Sequence[RankRow], previous_label: str, current_label: str) -> Rows:
    header = ["rank", "borough", previous_label, current_label, "change %"]
    return header, [[r.rank, r.area, r.change.previous, r.change.current, r.change.change_pct] for r in rows]


def claim_rows(check: ClaimCheck) -> Rows:
    return ranking_rows(check.exceptions, check.fy.previous().label, check.fy.label)


def target_rows(progress: TargetProgress) -> Rows:
    body: list[list[Cell]] = [[progress.baseline_fy.label + " (baseline)", progress.baseline, None, None]]
    for y in progress.years:
        change = None if progress.baseline == 0 else round((y.actual - progress.baseline) / progress.baseline * 100, 2)
        body.append([y.fy.label, y.actual, round(y.milestone), change])
    body.append([progress.target_fy.label + " (target)", None, round(progress.target), -progress.reduction_pct])
    if progress.projected is not None:
        body.append(
            [
                progress.target_fy.label + " (projected)",
                round(progress.projected),
                None,
                None if progress.projected_reduction_pct is None else -progress.projected_reduction_pct,
            ]
        )
    return ["financial year", "actual", "milestone", "vs baseline %"], body


def coverage_rows(report: CoverageReport) -> dict[str, Rows]:
    """Three tables: coverage per category, hotspots, candidate sites."""
    cats: list[list[Cell]] = [
        [c.category, c.crimes, c.covered, c.share_pct] for c in [*report.categories, report.total]
    ]
    spots: list[list[Cell]] = [
        [
            h.rank,
            round(h.latitude, 6),
            round(h.longitude, 6),
            h.crimes,
            h.uncovered,
            round(h.density_per_km2, 1),
            h.top_category,
        ]
        for h in report.hotspots
    ]
    sites: list[list[Cell]] = [
        [s.rank, round(s.latitude, 6), round(s.longitude, 6), s.location, s.newly_covered, s.cumulative_covered]
        for s in report.candidates
    ]
    return {
        "coverage": (["category", "crimes", "in view", "share %"], cats),
        "hotspots": (["rank", "latitude", "longitude", "crimes", "uncovered", "density /km²", "top category"], spots),
        "candidates": (["rank", "latitude", "longitude", "location", "newly covered", "cumulative"], sites),
    }
