"""The MOPAC 7 mapping as data (and its override), and financial-year arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citywatch.crime.errors import CrimeError, MappingError
from citywatch.crime.fiscal import FinancialYear, add_months, month_range, parse_month
from citywatch.crime.mapping import MOPAC7, load_mapping
from citywatch.crime.reports import CrimeReports
from citywatch.crime.store import CrimeStore


def test_builtin_mapping_follows_the_reference_table() -> None:
    m = load_mapping()
    assert m.categories == MOPAC7
    assert m.category_of("new", "ARSON AND CRIMINAL DAMAGE", "CRIMINAL DAMAGE") == "Criminal Damage"
    assert m.category_of("new", "ARSON AND CRIMINAL DAMAGE", "ARSON") is None
    assert m.category_of("new", "VEHICLE OFFENCES", "AGGRAVATED VEHICLE TAKING") == "Theft of a Motor Vehicle"
    assert m.category_of("new", "VEHICLE OFFENCES", "INTERFERING WITH A MOTOR VEHICLE") is None
    for minor in ("Assault with Injury", "Wounding/GBH", "Murder", "Grievous Bodily Harm"):
        assert m.category_of("old", "Violence Against the Person", minor) == "Violence with Injury"
    assert m.category_of("old", "Violence Against the Person", "Common Assault") is None
    assert m.category_of("old", "Criminal Damage", "Criminal Damage To Motor Vehicle") == "Criminal Damage"


def test_override_file_changes_the_report(tmp_path: Path, loaded_dir: Path) -> None:
    override = {
        "categories": ["Burglary"],
        "schemes": {"new": {"rules": [{"category": "Burglary", "minor": "BURGLARY IN A DWELLING"}]}},
    }
    path = tmp_path / "dwelling.json"
    path.write_text(json.dumps(override), encoding="utf-8")
    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store:
        full = CrimeReports(store, load_mapping()).fy_comparison("Barnet", FinancialYear(2013))
        dwelling = CrimeReports(store, load_mapping(path)).fy_comparison("Barnet", FinancialYear(2013))
    assert list(dwelling.figures.categories) == ["Burglary"]
    assert 0 < dwelling.figures.total.current < full.figures.categories["Burglary"].current


def test_bad_and_ambiguous_mappings(tmp_path: Path, loaded_dir: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[schemes.new]\nrules = [{ category = "Fraud", major = "FRAUD" }]\n', encoding="utf-8")
    with pytest.raises(MappingError, match="unknown category 'Fraud'"):
        load_mapping(bad)
    ambiguous = tmp_path / "ambiguous.toml"
    ambiguous.write_text(
        '[schemes.new]\nrules = [{ category = "Burglary", major = "BURGLARY" },'
        ' { category = "Robbery", minor = "BURGLARY IN A DWELLING" }]\n',
        encoding="utf-8",
    )
    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store, pytest.raises(MappingError, match="matches"):
        CrimeReports(store, load_mapping(ambiguous)).fy_comparison("Barnet", FinancialYear(2013))
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "absent.toml")


def test_financial_years() -> None:
    fy = FinancialYear.parse("2013/14")
    assert fy == FinancialYear.parse("2013-2014") == FinancialYear.parse("2013") == FinancialYear(2013)
    assert fy.label == "2013/14" and fy.previous().label == "2012/13"
    assert fy.months()[0] == 201304 and fy.months()[-1] == 201403 and len(fy.months()) == 12
    assert FinancialYear.containing(201403) == fy and FinancialYear.containing(201404) == fy.shifted(1)
    assert FinancialYear(1999).label == "1999/00"
    with pytest.raises(CrimeError):
        FinancialYear.parse("2013/15")
    assert add_months(201312, 1) == 201401 and add_months(201401, -13) == 201212
    assert len(month_range(201004, 202309)) == 162
    assert parse_month("2014-03") == 201403
    with pytest.raises(CrimeError):
        parse_month("2014-13")
