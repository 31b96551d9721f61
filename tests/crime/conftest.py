"""Fixtures for the crime tests: the repository's bundled files, imported once into a real DuckDB."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from citywatch.crime.importer import import_files
from citywatch.crime.mapping import load_mapping
from citywatch.crime.reports import CrimeReports
from citywatch.crime.store import CrimeStore

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "crime"
NEW_FILE = DATA / "MPS Borough Level Crime (Historical).csv"
OLD_FILE = DATA / "MPS_Borough_Level_Crime_Historic.csv"
LSOA_DIR = DATA / "london-data"
STREET_DIR = DATA / "police-uk"


def read_rows(path: Path) -> list[dict[str, str]]:
    """The raw file through Python's csv module, independent of the code under test."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def loaded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding every bundled file (imported once per test session)."""
    directory = tmp_path_factory.mktemp("crime-data")
    with CrimeStore.in_data_dir(directory) as store:
        import_files(store, [DATA])
    return directory


@pytest.fixture
def reports(loaded_dir: Path) -> Iterator[CrimeReports]:
    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store:
        yield CrimeReports(store, load_mapping())
