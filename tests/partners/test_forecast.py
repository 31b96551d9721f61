"""Forecast arithmetic, by hand, and the streams the service builds from contracts, plans and the pipeline."""

from __future__ import annotations

from datetime import date

import pytest

from citywatch.partners.directory import ContractSpec
from citywatch.partners.forecast import DEFAULT_TARGET_P, Scenario, Stream, project
from citywatch.partners.service import PartnersService
from tests.partners.conftest import NOW_US, Rows

START = date(2027, 1, 1)
FLAT = Scenario("flat", pipeline_factor=1.0, growth_pct_per_year=0.0, renewal_pct=85.0)


def test_contract_and_weighted_prospect_by_hand() -> None:
    streams = [
        Stream("Westfield", "contract", START, None, 100_000),
        Stream("Hospital B", "prospect", date(2028, 1, 1), date(2028, 12, 1), 200_000, 50_000, 50.0),
    ]
    f = project(streams, start=START, scenarios=(FLAT,), target_p=5_000_000)
    (sc,) = f.scenarios
    assert [y.contracted_p for y in sc.years] == [1_200_000] * 5
    # Year 2: 12 months at 50 % plus half the connection fee; years 3-5: renewed with 85 % on top.
    assert [y.pipeline_p for y in sc.years] == [0, 1_225_000, 1_020_000, 1_020_000, 1_020_000]
    assert sc.total_p == 6_000_000 + 4_285_000 == sc.years[-1].cumulative_p
    assert sc.gap_p == 5_000_000 - sc.total_p and sc.meets_target
    assert f.target_p == 5_000_000 and DEFAULT_TARGET_P == 1_200_000_000


def test_growth_compounds_monthly_and_contracts_end_into_renewal() -> None:
    grow = Scenario("grow", growth_pct_per_year=10.0, renewal_pct=50.0)
    ending = Stream("Club", "contract", START, date(2027, 6, 1), 120_000, 0, 100.0, trend_pct_per_year=0.0)
    f = project([ending], start=START, years=2, scenarios=(grow,))
    y1 = sum(120_000 * 1.1 ** (k / 12) * (1 if k < 6 else 0.5) for k in range(12))
    y2 = sum(120_000 * 1.1 ** (k / 12) * 0.5 for k in range(12, 24))
    assert [y.total_p for y in f.scenarios[0].years] == [round(y1), round(y2)]


def test_pipeline_factor_is_capped_at_certainty() -> None:
    s = Stream("Sure thing", "prospect", START, None, 10_000, 0, 80.0)
    high = Scenario("high", pipeline_factor=2.0, renewal_pct=100.0)
    assert project([s], start=START, years=1, scenarios=(high,)).scenarios[0].total_p == 120_000


def test_service_estimates_new_contracts_and_prospects_from_their_plans(partners: PartnersService, rows: Rows) -> None:
    partners.directory.put_plan(
        "monitored", {"name": "M", "tier": "monitored", "monitoring_per_camera_hour_p": 42, "connection_fee_p": 50_000}
    )
    partners.directory.put_plan("retainer", {"name": "R", "tier": "record_only", "retainer_per_camera_month_p": 10_000})
    org = rows.org("Westfield London")
    for i in range(10):
        rows.camera(f"WF-{i}", org)
    partners.directory.add_contract(org, ContractSpec("monitored", "WF-1", date(2027, 1, 1)))
    partners.directory.add_prospect("Stamford Bridge", "retainer", 20, 40.0, date(2027, 7, 1), term_months=12)
    streams = partners.streams(START, now_us=NOW_US)
    assert [(s.name, s.kind, s.start, s.end, s.monthly_p, s.one_off_p, s.probability_pct) for s in streams] == [
        ("Westfield London (WF-1)", "contract", START, None, round(42 * 24 * 365.25 / 12 * 10), 500_000, 100.0),
        ("Stamford Bridge", "prospect", date(2027, 7, 1), date(2028, 6, 1), 200_000, 0, 40.0),
    ]
    f = partners.forecast(now_us=NOW_US, start=START)
    assert [s.scenario.name for s in f.scenarios] == ["low", "expected", "high"]
    low, expected, high = (s.total_p for s in f.scenarios)
    assert low < expected < high
    assert f.scenarios[1].years[0].total_p == pytest.approx(12 * 306_810 + 500_000 + 6 * 80_000, abs=1)
