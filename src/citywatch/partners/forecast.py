"""Five-year revenue forecast: contracts at their metered run rate, the pipeline weighed by probability.

Pure arithmetic over ``Stream`` values, so that it can be checked by hand (tests/partners/test_forecast.py).
Whole months: a stream counts from the month it starts to the month its contract ends; after that
it renews with the scenario's renewal probability. Growth compounds monthly:
``monthly × (1 + (trend + growth)/100) ** (months since the forecast start / 12)``. Amounts are net of VAT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from citywatch.partners.money import add_months

__all__ = ["DEFAULT_SCENARIOS", "DEFAULT_TARGET_P", "Forecast", "Scenario", "ScenarioResult", "Stream", "project"]

DEFAULT_TARGET_P = 1_200_000_000  # £12 million over five years


@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    kind: str  # contract | prospect
    start: date  # first of the month it starts
    end: date | None  # first of the month it ends in (inclusive); None: open-ended
    monthly_p: int
    one_off_p: int = 0
    probability_pct: float = 100.0
    trend_pct_per_year: float = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    pipeline_factor: float = 1.0  # multiplies each prospect's probability (capped at 100 %)
    growth_pct_per_year: float = 0.0
    renewal_pct: float = 85.0


DEFAULT_SCENARIOS = (
    Scenario("low", pipeline_factor=0.5, growth_pct_per_year=-2.0, renewal_pct=60.0),
    Scenario("expected", pipeline_factor=1.0, growth_pct_per_year=0.0, renewal_pct=85.0),
    Scenario("high", pipeline_factor=1.5, growth_pct_per_year=3.0, renewal_pct=100.0),
)


@dataclass(frozen=True, slots=True)
class YearResult:
    year: int
    start: date
    contracted_p: int
    pipeline_p: int
    total_p: int
    cumulative_p: int


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: Scenario
    years: list[YearResult]
    total_p: int
    target_p: int
    gap_p: int  # target − total; negative when the target is beaten
    meets_target: bool


@dataclass(frozen=True, slots=True)
class Forecast:
    start: date
    years: int
    target_p: int
    streams: list[Stream]
    scenarios: list[ScenarioResult] = field(default_factory=list)


def _month_value(s: Stream, sc: Scenario, month: date, k: int) -> float:
    """Expected revenue of stream ``s`` in ``month`` (the ``k``-th month of the forecast, from 0)."""
    if month < s.start:
        return 0.0
    weight = 1.0 if s.kind == "contract" else min(1.0, s.probability_pct / 100 * sc.pipeline_factor)
    if s.end is not None and month > s.end:
        weight *= sc.renewal_pct / 100
    growth = (1 + (s.trend_pct_per_year + sc.growth_pct_per_year) / 100) ** (k / 12)
    value = s.monthly_p * growth * weight
    if month == s.start:
        value += s.one_off_p * (1.0 if s.kind == "contract" else weight)
    return float(value)


def project(
    streams: list[Stream],
    *,
    start: date,
    years: int = 5,
    target_p: int = DEFAULT_TARGET_P,
    scenarios: tuple[Scenario, ...] = DEFAULT_SCENARIOS,
) -> Forecast:
    start = start.replace(day=1)
    results = []
    for sc in scenarios:
        rows: list[YearResult] = []
        cumulative = 0
        for y in range(years):
            contracted = pipeline = 0.0
            for m in range(12):
                k = y * 12 + m
                month = add_months(start, k)
                for s in streams:
                    v = _month_value(s, sc, month, k)
                    if s.kind == "contract":
                        contracted += v
                    else:
                        pipeline += v
            c, p = round(contracted), round(pipeline)
            cumulative += c + p
            rows.append(YearResult(y + 1, add_months(start, 12 * y), c, p, c + p, cumulative))
        results.append(ScenarioResult(sc, rows, cumulative, target_p, target_p - cumulative, cumulative >= target_p))
    return Forecast(start, years, target_p, streams, results)
