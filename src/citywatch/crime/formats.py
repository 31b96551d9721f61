"""Detect and parse the four crime file layouts into validated long columns, ready for the store.

Parsing never skips a row: every malformed row becomes a :class:`RowProblem` and the file is
rejected as a whole. Row numbers are 1-based with the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.crime.errors import ImportFailedError, RowProblem

__all__ = [
    "BOROUGH_NEW",
    "BOROUGH_OLD",
    "LSOA_ANNUAL",
    "STREET",
    "STREET_HEADER",
    "UNRELIABLE_LSOA_YEARS",
    "ParsedFile",
    "parse_file",
]

BOROUGH_OLD = "mps-borough-old"
BOROUGH_NEW = "mps-borough-new"
LSOA_ANNUAL = "lsoa-annual"
STREET = "police-uk-street"

_OLD_KEYS = ["Borough", "Major Category", "Minor Category"]
_NEW_KEYS = ["MajorText", "MinorText", "BoroughName"]
_LSOA_KEYS = ["LSOA11CD", "LSOA11NM", "MSOA11CD", "MSOA11NM", "LAD11CD", "LAD11NM"]
STREET_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
# The source notebook of the LSOA files added the historical half-year of 2020 to itself.
UNRELIABLE_LSOA_YEARS = frozenset({2020})
_LSOA_NAME = re.compile(r"^london-\d{4}-\d{4}-(major|minor)-([a-z0-9-]+)\.csv$", re.IGNORECASE)
_MONTH_COL = re.compile(r"^(\d{4})(\d{2})$")
_STREET_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MAX_PROBLEMS = 200


@dataclass
class ParsedFile:
    """A validated file: its identity and its rows, ready for the store.

    Street files come as long columns. Borough and LSOA files come wide, as the store unpivots them
    itself: key columns plus one value column ``p<period>`` per month or year in ``periods``.
    """

    path: Path
    sha256: str
    kind: str
    data_rows: int
    columns: dict[str, np.ndarray[Any, Any]]
    warnings: list[str] = field(default_factory=list)
    dimensions: dict[str, np.ndarray[Any, Any]] = field(default_factory=dict)  # one row per LSOA
    periods: list[int] = field(default_factory=list)
    category: str = ""  # of an LSOA file, from its name

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def long_rows(self) -> int:
        rows = len(next(iter(self.columns.values()))) if self.columns else 0
        return rows * len(self.periods) if self.periods else rows


class _Problems:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[RowProblem] = []

    def add(self, row: int | None, column: str | None, reason: str) -> None:
        self.items.append(RowProblem(self.name, row, column, reason))

    @property
    def full(self) -> bool:
        return len(self.items) >= _MAX_PROBLEMS


def _decode(name: str, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        reason = f"not UTF-8 text (byte 0x{bad} at offset {exc.start}); re-save the file as UTF-8"
        raise ImportFailedError([RowProblem(name, row, None, reason)]) from exc


def _rows(name: str, text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if row:  # a blank line carries no data
                yield reader.line_num, row
    except csv.Error as exc:
        raise ImportFailedError([RowProblem(name, reader.line_num, None, f"not valid CSV: {exc}")]) from exc


def _month_columns(header: list[str], start: int, problems: _Problems) -> list[int]:
    months: list[int] = []
    for text in header[start:]:
        match = _MONTH_COL.match(text.strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            problems.add(1, text, "expected a month column such as 201304 (YYYYMM)")
            months.append(0)
        else:
            months.append(int(text.strip()))
    if len(set(months)) != len(months):
        problems.add(1, None, "a month column appears twice")
    return months


def _wide(
    keys: dict[str, list[str]], periods: list[int], values: list[list[Any]], dtype: type
) -> dict[str, np.ndarray[Any, Any]]:
    """Key columns and one contiguous value column per period, named ``p<period>``."""
    cols: dict[str, np.ndarray[Any, Any]] = {k: np.array(v, dtype=object) for k, v in keys.items()}
    matrix: np.ndarray[Any, Any] = np.array(values, dtype=dtype)
    for j, period in enumerate(periods):
        cols[f"p{period}"] = np.ascontiguousarray(matrix[:, j])
    return cols


def _parse_borough(
    rows: Iterator[tuple[int, list[str]]], header: list[str], kind: str, problems: _Problems
) -> tuple[int, dict[str, np.ndarray[Any, Any]]]:
    months = _month_columns(header, 3, problems)
    area_i, major_i, minor_i = (0, 1, 2) if kind == BOROUGH_OLD else (2, 0, 1)
    width = len(header)
    keys: dict[str, list[str]] = {"area": [], "major": [], "minor": []}
    values: list[list[object]] = []
    seen: dict[tuple[str, str, str], int] = {}
    data_rows = 0
    for line, row in rows:
        data_rows += 1
        if problems.full:
            break
        if len(row) != width:
            problems.add(line, None, f"{len(row)} fields, the header has {width}")
            continue
        key = (row[area_i].strip(), row[major_i].strip(), row[minor_i].strip())
        if not all(key):
            problems.add(line, header[[area_i, major_i, minor_i][key.index("")]], "empty")
            continue
        if key in seen:
            problems.add(line, None, f"repeats row {seen[key]} ({' / '.join(key)})")
            continue
        seen[key] = line
        texts = list(map(str.strip, row[3:]))
        if not all(t.isdecimal() for t in texts):
            for column, text in zip(header[3:], texts, strict=True):
                if not text.isdecimal():
                    problems.add(line, column, f"count {text!r} is not a non-negative whole number")
            continue
        keys["area"].append(key[0])
        keys["major"].append(key[1])
        keys["minor"].append(key[2])
        values.append(list(map(int, texts)))
    if not values:
        return data_rows, {}
    return data_rows, _wide(keys, months, values, np.int64)


def _float_row(texts: list[str]) -> list[float] | None:
    try:
        return list(map(float, texts))
    except ValueError:
        return None


_LSOA_IDENT = ("lsoa", "lsoa_name", "msoa", "msoa_name", "borough_code", "borough")


def _lsoa_category(path: Path, header: list[str], problems: _Problems) -> tuple[str, list[int]]:
    named = _LSOA_NAME.match(path.name)
    if named is None:
        problems.add(
            None, None, "an LSOA file's category comes from its name, e.g. london-2011-2021-major-burglary.csv"
        )
        return "", []
    years: list[int] = []
    for text in header[6:]:
        if not re.fullmatch(r"\d{4}", text.strip()):
            problems.add(1, text, "expected a year column such as 2013")
        years.append(int(text) if text.strip().isdigit() else 0)
    return f"{named.group(1).lower()}-{named.group(2).lower()}", years


def _parse_lsoa(
    path: Path, rows: Iterator[tuple[int, list[str]]], header: list[str], problems: _Problems
) -> tuple[int, dict[str, np.ndarray[Any, Any]], dict[str, np.ndarray[Any, Any]]]:
    """Long counts (category, lsoa, year, count, unreliable) and one row of names per LSOA."""
    category, years = _lsoa_category(path, header, problems)
    if not category:
        return 0, {}, {}
    idents: list[list[str]] = []
    values: list[list[float]] = []
    lines: list[int] = []
    width, data_rows = len(header), 0
    seen: dict[str, int] = {}
    for line, row in rows:
        data_rows += 1
        if problems.full:
            break
        if len(row) != width:
            problems.add(line, None, f"{len(row)} fields, the header has {width}")
            continue
        ident = list(map(str.strip, row[:6]))
        if not ident[0] or not ident[4]:
            problems.add(line, "LSOA11CD" if not ident[0] else "LAD11CD", "empty")
            continue
        if ident[0] in seen:
            problems.add(line, "LSOA11CD", f"{ident[0]} repeats row {seen[ident[0]]}")
            continue
        seen[ident[0]] = line
        counts = _float_row(row[6:])
        if counts is None:
            for column, text in zip(header[6:], row[6:], strict=True):
                if _float_row([text]) is None:
                    problems.add(line, column, f"count {text!r} is not a number")
            continue
        idents.append(ident)
        values.append(counts)
        lines.append(line)
    if not values:
        return data_rows, {}, {}
    matrix = np.array(values, dtype=np.float64)
    for i, j in zip(*np.nonzero(~np.isfinite(matrix) | (matrix < 0)), strict=True):
        problems.add(lines[i], header[6 + j], f"count {matrix[i, j]!r} is not a non-negative number")
    cols = _wide({"lsoa": [r[0] for r in idents]}, years, values, np.float64)
    dims = {k: np.array([r[i] for r in idents], dtype=object) for i, k in enumerate(_LSOA_IDENT) if k != "msoa_name"}
    return data_rows, cols, dims


def _coordinate(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _parse_street(
    path: Path, rows: Iterator[tuple[int, list[str]]], problems: _Problems, warnings: list[str]
) -> tuple[int, dict[str, np.ndarray[Any, Any]]]:
    names = (
        "crime_id",
        "month",
        "reported_by",
        "falls_within",
        "longitude",
        "latitude",
        "location",
        "lsoa",
        "lsoa_name",
        "crime_type",
        "outcome",
    )
    cols: dict[str, list[object]] = {k: [] for k in names}
    data_rows, unlocated, months = 0, 0, set()
    for line, row in rows:
        data_rows += 1
        if problems.full:
            break
        if len(row) != len(STREET_HEADER):
            problems.add(line, None, f"{len(row)} fields, the header has {len(STREET_HEADER)}")
            continue
        month = _STREET_MONTH.match(row[1].strip())
        if month is None or not 1 <= int(month.group(2)) <= 12:
            problems.add(line, "Month", f"{row[1]!r} is not a month (YYYY-MM)")
            continue
        if not row[9].strip():
            problems.add(line, "Crime type", "empty")
            continue
        lon_text, lat_text = row[4].strip(), row[5].strip()
        lon: float | None = None
        lat: float | None = None
        if lon_text or lat_text:
            lon, lat = _coordinate(lon_text, -180, 180), _coordinate(lat_text, -90, 90)
            if lon is None or lat is None:
                bad = "Longitude" if lon is None else "Latitude"
                problems.add(line, bad, f"{row[4 if lon is None else 5]!r} is not a valid coordinate")
                continue
        else:
            unlocated += 1
        month_value = int(month.group(1)) * 100 + int(month.group(2))
        months.add(month_value)
        values: list[object] = [
            row[0].strip(),
            month_value,
            row[2],
            row[3],
            lon,
            lat,
            row[6],
            row[7].strip(),
            row[8],
            row[9].strip(),
            row[10],
        ]
        for key, value in zip(names, values, strict=True):
            cols[key].append(value)
    if unlocated:
        warnings.append(f"{unlocated} row(s) have no location: stored, left out of camera coverage")
    if len(months) > 1:
        warnings.append(f"rows span {len(months)} months; a police.uk file normally holds one")
    if not cols["month"]:
        return data_rows, {}
    arrays = {k: np.array(v, dtype=object) for k, v in cols.items()}
    arrays["month"] = np.array(cols["month"], dtype=np.int64)
    for k in ("longitude", "latitude"):
        arrays[k] = np.array([np.nan if v is None else v for v in cols[k]], dtype=np.float64)
    return data_rows, arrays


def parse_file(path: Path, raw: bytes | None = None) -> ParsedFile:
    """Detect the layout of ``path`` (or of its bytes ``raw``) from its header and parse it.

    Raises ImportFailedError listing every problem found.
    """
    name = path.name
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ImportFailedError([RowProblem(name, None, None, f"cannot read: {exc.strerror}")]) from exc
    digest = hashlib.sha256(raw).hexdigest()
    rows = _rows(name, _decode(name, raw))
    first = next(rows, None)
    if first is None:
        raise ImportFailedError([RowProblem(name, None, None, "empty file (no header)")])
    header = [h.strip() for h in first[1]]
    problems, warnings = _Problems(name), []
    dims: dict[str, np.ndarray[Any, Any]] = {}
    periods: list[int] = []
    category = ""
    if header[:3] in (_OLD_KEYS, _NEW_KEYS):
        kind = BOROUGH_OLD if header[:3] == _OLD_KEYS else BOROUGH_NEW
        data_rows, cols = _parse_borough(rows, header, kind, problems)
        periods = [int(h) for h in header[3:] if h.strip().isdigit()]
    elif header[:6] == _LSOA_KEYS:
        kind = LSOA_ANNUAL
        data_rows, cols, dims = _parse_lsoa(path, rows, header, problems)
        category = _lsoa_category(path, header, _Problems(name))[0]
        periods = [int(h) for h in header[6:] if h.strip().isdigit()]
        if any(int(h) in UNRELIABLE_LSOA_YEARS for h in header[6:] if h.isdigit()):
            warnings.append(
                "column 2020 is unreliable in the source (a half-year added to itself): "
                "stored flagged, left out of reports"
            )
    elif header == STREET_HEADER:
        kind = STREET
        data_rows, cols = _parse_street(path, rows, problems, warnings)
    else:
        shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
        raise ImportFailedError(
            [
                RowProblem(
                    name,
                    1,
                    None,
                    f"unrecognised header ({shown}); expected an MPS "
                    "borough file, an LSOA annual file or a police.uk street file",
                )
            ]
        )
    if problems.items:
        raise ImportFailedError(problems.items)
    if data_rows == 0:
        warnings.append("no data rows")
    return ParsedFile(path, digest, kind, data_rows, cols, warnings, dims, periods, category)
