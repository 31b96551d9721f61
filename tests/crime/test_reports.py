"""Report figures against sums computed here from the raw CSV rows (csv module, not the importer)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from citywatch.crime.errors import NoDataError, UnknownAreaError
from citywatch.crime.fiscal import FinancialYear, month_range
from citywatch.crime.mapping import MOPAC7
from citywatch.crime.reports import CrimeReports

from .conftest import NEW_FILE, OLD_FILE, read_rows

HF = "Hammersmith and Fulham"
EXCLUDED = {"London Heathrow and London City Airports", "Unknown"}

# The mapping as the reference notes state it, written out again here on purpose.
NEW_MAJOR = {"BURGLARY": "Burglary", "ROBBERY": "Robbery"}
NEW_MINOR = {
    "CRIMINAL DAMAGE": "Criminal Damage",
    "THEFT FROM THE PERSON": "Theft from the Person",
    "THEFT FROM A VEHICLE": "Theft from a Motor Vehicle",
    "THEFT OR UNAUTH TAKING OF A MOTOR VEH": "Theft of a Motor Vehicle",
    "AGGRAVATED VEHICLE TAKING": "Theft of a Motor Vehicle",
    "VIOLENCE WITH INJURY": "Violence with Injury",
}
OLD_MAJOR = {"Burglary": "Burglary", "Criminal Damage": "Criminal Damage", "Robbery": "Robbery"}
OLD_MINOR = {
    "Other Theft Person": "Theft from the Person",
    "Theft From Motor Vehicle": "Theft from a Motor Vehicle",
    "Theft/Taking Of Motor Vehicle": "Theft of a Motor Vehicle",
    "Assault with Injury": "Violence with Injury",
    "Wounding/GBH": "Violence with Injury",
    "Murder": "Violence with Injury",
    "Grievous Bodily Harm": "Violence with Injury",
}


def independent_sums(scheme: str, months: list[int]) -> dict[str, dict[str, int]]:
    """area → MOPAC 7 category → count over ``months``, straight from the CSV."""
    if scheme == "new":
        rows, area_key, major_key, minor_key, majors, minors = (
            read_rows(NEW_FILE),
            "BoroughName",
            "MajorText",
            "MinorText",
            NEW_MAJOR,
            NEW_MINOR,
        )
    else:
        rows, area_key, major_key, minor_key, majors, minors = (
            read_rows(OLD_FILE),
            "Borough",
            "Major Category",
            "Minor Category",
            OLD_MAJOR,
            OLD_MINOR,
        )
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MOPAC7, 0))
    for row in rows:
        category = majors.get(row[major_key]) or minors.get(row[minor_key])
        if category is None:
            continue
        out[row[area_key]][category] += sum(int(row[str(m)]) for m in months)
    return out


@pytest.mark.parametrize("scheme", ["new", "old"])
def test_hammersmith_and_fulham_2013_14_equals_raw_rows(reports: CrimeReports, scheme: str) -> None:
    fy = FinancialYear.parse("2013/14")
    result = reports.fy_comparison(HF, fy, scheme=scheme)
    current = independent_sums(scheme, month_range(201304, 201403))[HF]
    previous = independent_sums(scheme, month_range(201204, 201303))[HF]
    assert result.scheme == scheme
    for name in MOPAC7:
        assert result.figures.categories[name].current == current[name], name
        assert result.figures.categories[name].previous == previous[name], name
    assert result.figures.total.current == sum(current.values())
    assert result.figures.total.previous == sum(previous.values())


def test_default_scheme_is_new_and_named_in_source(reports: CrimeReports) -> None:
    result = reports.fy_comparison(HF, FinancialYear(2013))
    assert result.scheme == "new"
    assert result.source and NEW_FILE.name in result.source[0] and "scheme new" in result.source[0]
    early = reports.fy_comparison(HF, FinancialYear(2009))  # before April 2010: only the old file covers it
    assert early.scheme == "old" and OLD_FILE.name in early.source[0]


def test_london_is_the_32_boroughs_without_airports_or_unknown(reports: CrimeReports) -> None:
    fy = FinancialYear(2014)
    result = reports.fy_comparison("London", fy, scheme="new")
    sums = independent_sums("new", fy.months())
    boroughs = [a for a in sums if a not in EXCLUDED]
    assert len(boroughs) == 32 and "City of London" not in boroughs
    for name in MOPAC7:
        assert result.figures.categories[name].current == sum(sums[a][name] for a in boroughs)
    assert any(sums[a]["Burglary"] for a in EXCLUDED if a in sums)  # the exclusion matters
    assert any("32 boroughs" in n for n in result.notes)


def test_compare_change_pct_and_json_shape(reports: CrimeReports) -> None:
    result = reports.fy_comparison(HF, FinancialYear(2013), compare="London").to_dict()
    assert set(result) >= {"area", "fy", "previous_fy", "categories", "total", "compare", "source"}
    assert result["fy"] == "2013/14" and result["previous_fy"] == "2012/13"
    assert list(result["categories"]) == list(MOPAC7)
    total = result["total"]
    assert total["change_pct"] == round((total["current"] - total["previous"]) / total["previous"] * 100, 2)
    assert result["compare"]["area"] == "London"
    assert result["compare"]["total"]["current"] > total["current"]


def test_ranking_and_claim_name_the_exceptions(reports: CrimeReports) -> None:
    fy = FinancialYear(2013)
    now, before = independent_sums("new", fy.months()), independent_sums("new", fy.previous().months())
    boroughs = [a for a in now if a not in EXCLUDED]
    not_down = sorted(a for a in boroughs if sum(now[a].values()) >= sum(before[a].values()))
    ranking = reports.ranking(fy)
    assert [r.rank for r in ranking] == list(range(1, 33))
    pcts = [r.change.change_pct for r in ranking]
    assert pcts == sorted(pcts)  # type: ignore[type-var]
    check = reports.check_claim(fy, "down")
    assert check.checked == 32
    assert sorted(e.area for e in check.exceptions) == not_down
    assert check.holds is (not not_down)


def test_rolling_12_and_trend_agree_with_financial_year(reports: CrimeReports) -> None:
    fy = FinancialYear(2013)
    rolling = reports.rolling_12(HF, 201403, scheme="new")
    comparison = reports.fy_comparison(HF, fy, scheme="new")
    assert rolling.figures.total == comparison.figures.total
    trend = reports.monthly_trend(HF, 201304, 201403, scheme="new")
    assert len(trend) == 12 and sum(p.total for p in trend) == comparison.figures.total.current


def test_area_names_are_forgiving_but_unknown_ones_fail(reports: CrimeReports) -> None:
    assert reports.resolve_area("hammersmith & fulham", "new") == HF
    with pytest.raises(UnknownAreaError, match="Nowhere"):
        reports.fy_comparison("Nowhere", FinancialYear(2013))
    with pytest.raises(NoDataError, match="covers"):
        reports.fy_comparison(HF, FinancialYear(2030))
