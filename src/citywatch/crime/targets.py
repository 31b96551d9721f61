"""Reduction targets against a baseline financial year, with progress and a linear projection.

The 2013–2016 "20-20-20 challenge" asked for 20 % less MOPAC 7 crime over four years, commonly
measured against 2011/12; both the baseline and the size of the cut are parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citywatch.crime.errors import NoDataError
from citywatch.crime.fiscal import FinancialYear
from citywatch.crime.reports import CrimeReports, pct_change

__all__ = ["TargetProgress", "YearProgress", "target_progress"]


@dataclass(frozen=True)
class YearProgress:
    fy: FinancialYear
    actual: int
    milestone: float  # the straight line from the baseline to the target

    def to_dict(self) -> dict[str, Any]:
        return {"fy": self.fy.label, "actual": self.actual, "milestone": round(self.milestone, 1)}


@dataclass(frozen=True)
class TargetProgress:
    area: str
    category: str | None
    scheme: str
    baseline_fy: FinancialYear
    target_fy: FinancialYear
    reduction_pct: float
    baseline: int
    years: list[YearProgress]
    projected: float | None

    @property
    def target(self) -> float:
        return self.baseline * (1 - self.reduction_pct / 100.0)

    @property
    def latest(self) -> YearProgress:
        return self.years[-1]

    @property
    def achieved_pct(self) -> float | None:
        """Reduction so far against the baseline (positive = fewer crimes)."""
        change = pct_change(self.baseline, self.latest.actual)
        return None if change is None else -change

    @property
    def on_track(self) -> bool:
        """At or below the straight-line milestone for the latest year."""
        return self.latest.actual <= self.latest.milestone

    @property
    def projected_reduction_pct(self) -> float | None:
        if self.projected is None or self.baseline == 0:
            return None
        return round((self.baseline - self.projected) / self.baseline * 100.0, 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "category": self.category or "MOPAC 7",
            "scheme": self.scheme,
            "baseline_fy": self.baseline_fy.label,
            "target_fy": self.target_fy.label,
            "reduction_pct": self.reduction_pct,
            "baseline": self.baseline,
            "target": round(self.target, 1),
            "years": [y.to_dict() for y in self.years],
            "achieved_pct": self.achieved_pct,
            "on_track": self.on_track,
            "projected": None if self.projected is None else round(self.projected, 1),
            "projected_reduction_pct": self.projected_reduction_pct,
            "projected_to_meet": None if self.projected is None else self.projected <= self.target,
        }


def _linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    return slope, mean_y - slope * mean_x


def target_progress(
    reports: CrimeReports,
    area: str,
    baseline_fy: FinancialYear,
    *,
    reduction_pct: float = 20.0,
    years: int = 4,
    up_to: FinancialYear | None = None,
    category: str | None = None,
    scheme: str | None = None,
) -> TargetProgress:
    """Progress from ``baseline_fy`` towards ``reduction_pct`` less crime ``years`` later.

    Uses every complete financial year held after the baseline, up to ``up_to`` (default: the
    target year); the projection is a least-squares line through the baseline and those years.
    """
    if years < 1 or not 0 < reduction_pct < 100:
        raise NoDataError("a target needs at least one year and a reduction between 0 and 100 %")
    target_fy = baseline_fy.shifted(years)
    last = up_to or target_fy
    if last <= baseline_fy:
        raise NoDataError(f"{last.label} is not after the baseline {baseline_fy.label}")
    fys = [baseline_fy.shifted(i) for i in range(last.start_year - baseline_fy.start_year + 1)]
    # Drop years the chosen scheme does not yet cover completely (the latest file may stop mid-year).
    while len(fys) > 1:
        try:
            chosen, totals = reports.fy_totals(area, fys, scheme, category)
            break
        except NoDataError:
            fys = fys[:-1]
    else:
        raise NoDataError(f"no complete financial year after {baseline_fy.label} is held")
    name = reports.resolve_area(area, chosen)
    baseline = totals[baseline_fy]
    step = baseline * reduction_pct / 100.0 / years
    progress = [
        YearProgress(fy, totals[fy], baseline - step * (fy.start_year - baseline_fy.start_year)) for fy in fys[1:]
    ]
    xs = [float(fy.start_year) for fy in fys]
    ys = [float(totals[fy]) for fy in fys]
    slope, intercept = _linear_fit(xs, ys)
    # Once the target year is held, its actual count is the answer, not the line.
    projected = float(totals[target_fy]) if target_fy in totals else slope * target_fy.start_year + intercept
    return TargetProgress(name, category, chosen, baseline_fy, target_fy, reduction_pct, baseline, progress, projected)
