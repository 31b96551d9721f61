"""Import: detection, provenance, idempotence, the flagged 2020 column, and all-or-nothing on bad files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from citywatch.crime.errors import CrimeError, ImportFailedError
from citywatch.crime.formats import BOROUGH_NEW, BOROUGH_OLD, LSOA_ANNUAL, STREET
from citywatch.crime.importer import import_files
from citywatch.crime.store import CrimeStore

from .conftest import LSOA_DIR, NEW_FILE, OLD_FILE, STREET_DIR, read_rows


def counts(store: CrimeStore) -> dict[str, int]:
    tables = ("source_files", "borough_monthly", "lsoa_annual", "street_crimes")
    return {t: store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def test_bundled_files_are_detected_with_provenance(loaded_dir: Path) -> None:
    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store:
        files = {f.name: f for f in store.source_files()}
        assert len(files) == 2 + 13 + 24
        assert files[OLD_FILE.name].kind == BOROUGH_OLD and files[NEW_FILE.name].kind == BOROUGH_NEW
        assert files[OLD_FILE.name].data_rows == 1056 and files[NEW_FILE.name].data_rows == 949
        assert files[NEW_FILE.name].sha256 == hashlib.sha256(NEW_FILE.read_bytes()).hexdigest()
        street = [f for f in files.values() if f.kind == STREET]
        assert sum(f.data_rows for f in street) == 15957
        assert {f.kind for f in files.values() if f.name.startswith("london-")} == {LSOA_ANNUAL}
        n = counts(store)
        assert n["borough_monthly"] == 1056 * 108 + 949 * 162
        assert n["street_crimes"] == 15957


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    with CrimeStore.in_data_dir(tmp_path) as store:
        first = import_files(store, [NEW_FILE, STREET_DIR / "2019-01-city-of-london-street.csv"])
        before = counts(store)
        again = import_files(store, [NEW_FILE, STREET_DIR / "2019-01-city-of-london-street.csv"])
        assert {o.status for o in first} == {"imported"}
        assert {o.status for o in again} == {"unchanged"}
        assert counts(store) == before


def test_revised_file_replaces_rather_than_adds(tmp_path: Path) -> None:
    revised = tmp_path / "revised.csv"
    rows = NEW_FILE.read_text(encoding="utf-8").splitlines()
    header, first = rows[0], rows[1].split(",")
    first[3] = str(int(first[3]) + 1000)  # April 2010 of the first row, revised upwards
    revised.write_text(header + "\n" + ",".join(first) + "\n", encoding="utf-8")
    with CrimeStore.in_data_dir(tmp_path / "db") as store:
        import_files(store, [NEW_FILE])
        before = counts(store)["borough_monthly"]
        import_files(store, [revised])
        assert counts(store)["borough_monthly"] == before
        total = store.con.execute("SELECT sum(count) FROM borough_monthly WHERE month = 201004").fetchone()
    raw = sum(int(r["201004"]) for r in read_rows(NEW_FILE))
    assert total == (raw + 1000,)


def test_lsoa_2020_column_is_flagged(tmp_path: Path) -> None:
    with CrimeStore.in_data_dir(tmp_path) as store:
        [outcome] = import_files(store, [LSOA_DIR / "london-2011-2021-major-burglary.csv"])
        assert any("2020" in w and "unreliable" in w for w in outcome.warnings)
        flagged = store.con.execute("SELECT DISTINCT year FROM lsoa_annual WHERE unreliable").fetchall()
        assert flagged == [(2020,)]
        with pytest.raises(CrimeError, match="2020"):
            store.lsoa_counts(2020)
        hf = store.lsoa_counts(2019, "Hammersmith and Fulham")
    raw = [
        r
        for r in read_rows(LSOA_DIR / "london-2011-2021-major-burglary.csv")
        if r["LAD11NM"] == "Hammersmith and Fulham"
    ]
    assert len(hf) == len(raw) == 113
    assert sum(c for *_, c in hf) == sum(float(r["2019"]) for r in raw)


def _bad(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _assert_nothing_stored(tmp_path: Path, bad: Path, *patterns: str) -> None:
    with CrimeStore.in_data_dir(tmp_path / "db") as store:
        before = counts(store)
        with pytest.raises(ImportFailedError) as info:
            import_files(store, [OLD_FILE, bad])  # a good file in the same batch is not stored either
        assert counts(store) == before
    message = str(info.value)
    for pattern in patterns:
        assert pattern in message, message


def test_wrong_header_is_rejected(tmp_path: Path) -> None:
    bad = _bad(tmp_path, "x.csv", b"Area,Crime,Count\nBarnet,Burglary,3\n")
    _assert_nothing_stored(tmp_path, bad, "x.csv", "row 1", "unrecognised header")


def test_non_numeric_count_names_row_and_field(tmp_path: Path) -> None:
    lines = NEW_FILE.read_bytes().splitlines()
    cells = lines[5].split(b",")
    cells[10] = b"n/a"
    lines[5] = b",".join(cells)
    bad = _bad(tmp_path, "counts.csv", b"\n".join(lines) + b"\n")
    column = NEW_FILE.read_text(encoding="utf-8").splitlines()[0].split(",")[10]
    _assert_nothing_stored(tmp_path, bad, "counts.csv, row 6", f"field '{column}'", "'n/a'")


def test_bad_encoding_names_the_row(tmp_path: Path) -> None:
    content = STREET_DIR.joinpath("2019-01-city-of-london-street.csv").read_bytes().splitlines()
    content[3] = content[3].replace(b"On or near", b"On or n\xe9ar")  # Latin-1 é
    bad = _bad(tmp_path, "latin1.csv", b"\n".join(content) + b"\n")
    _assert_nothing_stored(tmp_path, bad, "latin1.csv, row 4", "not UTF-8")


def test_short_row_and_bad_coordinate(tmp_path: Path) -> None:
    content = STREET_DIR.joinpath("2019-01-city-of-london-street.csv").read_text(encoding="utf-8").splitlines()
    content[2] = content[2].rsplit(",", 2)[0]
    cells = content[7].split(",")
    cells[5] = "north"
    content[7] = ",".join(cells)
    bad = _bad(tmp_path, "2019-01-street.csv", ("\n".join(content) + "\n").encode())
    _assert_nothing_stored(tmp_path, bad, "row 3", "10 fields, the header has 12", "row 8", "'Latitude'")


def test_missing_path_and_unnamed_lsoa_file(tmp_path: Path) -> None:
    with CrimeStore.in_data_dir(tmp_path) as store:
        with pytest.raises(CrimeError, match="no such file"):
            import_files(store, [tmp_path / "absent.csv"])
        renamed = tmp_path / "lsoa.csv"
        shutil.copy(LSOA_DIR / "london-2011-2021-major-robbery.csv", renamed)
        with pytest.raises(ImportFailedError, match="category comes from its name"):
            import_files(store, [renamed])


def test_nul_byte_huge_field_and_unicode_digits(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "b").mkdir()
    header = NEW_FILE.read_text(encoding="utf-8").splitlines()[0].split(",")[:4]
    bad = _bad(tmp_path, "nul.csv", (",".join(header) + "\nBURGLARY,X,Barnet,1\x00\n").encode())
    _assert_nothing_stored(tmp_path, bad, "nul.csv, row 2", "field '201004'", "'1\\x00'")
    huge = _bad(
        tmp_path / "h", "huge.csv", (",".join(header) + '\nBURGLARY,"' + "x" * 200_000 + '",Barnet,1\n').encode()
    )
    _assert_nothing_stored(tmp_path / "h", huge, "huge.csv, row 2", "not valid CSV")
    digits = _bad(tmp_path / "b", "digits.csv", (",".join(header) + "\nBURGLARY,X,Barnet,²\n").encode())
    _assert_nothing_stored(tmp_path / "b", digits, "digits.csv, row 2", "'²'")
