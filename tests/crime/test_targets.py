"""Reduction targets: progress against a straight-line path and a projection."""

from __future__ import annotations

import pytest

from citywatch.crime.errors import NoDataError
from citywatch.crime.fiscal import FinancialYear
from citywatch.crime.reports import CrimeReports
from citywatch.crime.targets import target_progress

from .test_reports import independent_sums


def test_twenty_per_cent_over_four_years_from_2011_12(reports: CrimeReports) -> None:
    progress = target_progress(reports, "Hammersmith and Fulham", FinancialYear(2011), up_to=FinancialYear(2013))
    base = sum(independent_sums("new", FinancialYear(2011).months())["Hammersmith and Fulham"].values())
    latest = sum(independent_sums("new", FinancialYear(2013).months())["Hammersmith and Fulham"].values())
    assert progress.baseline == base
    assert progress.target == pytest.approx(base * 0.8)
    assert progress.target_fy == FinancialYear(2015)
    assert [y.fy for y in progress.years] == [FinancialYear(2012), FinancialYear(2013)]
    assert progress.latest.actual == latest
    assert progress.latest.milestone == pytest.approx(base * (1 - 0.2 * 2 / 4))
    assert progress.achieved_pct == pytest.approx(round((base - latest) / base * 100, 2))
    assert progress.on_track is (latest <= base * 0.9)
    assert progress.projected is not None and progress.to_dict()["projected_to_meet"] in (True, False)


def test_target_year_held_uses_the_actual_count(reports: CrimeReports) -> None:
    progress = target_progress(reports, "London", FinancialYear(2011), reduction_pct=20, years=4)
    assert progress.latest.fy == FinancialYear(2015)
    assert progress.projected == progress.latest.actual


def test_incomplete_latest_year_is_left_out(reports: CrimeReports) -> None:
    progress = target_progress(reports, "London", FinancialYear(2019), years=5)  # the file stops at Sep 2023
    assert progress.latest.fy == FinancialYear(2022)
    with pytest.raises(NoDataError):
        target_progress(reports, "London", FinancialYear(2011), reduction_pct=150)
