"""The DuckDB adapter: schema, all-or-nothing loads with provenance, and the queries reports need.

One file, ``<data_dir>/crime.duckdb``, beside the main database. Rows are long: one row per
(area, category, month) for borough files, (LSOA, category, year) for LSOA files, one per crime for
street files. A re-imported identical file (same SHA-256) changes nothing; a different file with the
same keys replaces those rows, so that a revised release never counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np

from citywatch.crime.errors import CrimeError, NotImportedError, StoreBusyError
from citywatch.crime.formats import BOROUGH_NEW, BOROUGH_OLD, LSOA_ANNUAL, STREET, UNRELIABLE_LSOA_YEARS, ParsedFile

__all__ = ["SCHEME_OF_KIND", "CrimeStore", "SourceFile"]

SCHEME_OF_KIND = {BOROUGH_OLD: "old", BOROUGH_NEW: "new"}

_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS source_file_ids;
CREATE TABLE IF NOT EXISTS source_files (
    file_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL UNIQUE, kind VARCHAR NOT NULL, data_rows INTEGER NOT NULL,
    long_rows BIGINT NOT NULL, imported_at TIMESTAMP NOT NULL, warnings VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS borough_monthly (
    file_id INTEGER NOT NULL, scheme VARCHAR NOT NULL, area VARCHAR NOT NULL, major VARCHAR NOT NULL,
    minor VARCHAR NOT NULL, month INTEGER NOT NULL, count BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS lsoa_areas (
    lsoa VARCHAR PRIMARY KEY, lsoa_name VARCHAR, msoa VARCHAR, borough_code VARCHAR NOT NULL, borough VARCHAR);
CREATE TABLE IF NOT EXISTS lsoa_annual (
    file_id INTEGER NOT NULL, category VARCHAR NOT NULL, lsoa VARCHAR NOT NULL, year INTEGER NOT NULL,
    count DOUBLE NOT NULL, unreliable BOOLEAN NOT NULL);
CREATE TABLE IF NOT EXISTS street_crimes (
    file_id INTEGER NOT NULL, crime_id VARCHAR, month INTEGER NOT NULL, reported_by VARCHAR,
    falls_within VARCHAR, longitude DOUBLE, latitude DOUBLE, location VARCHAR, lsoa VARCHAR,
    lsoa_name VARCHAR, crime_type VARCHAR NOT NULL, outcome VARCHAR);
"""

# Rows of a new file replace rows of an older one with the same key (a revised release).
_REPLACE = {
    "borough_monthly": "t.scheme = s.scheme AND t.area = s.area AND t.major = s.major "
    "AND t.minor = s.minor AND t.month = s.month",
    "lsoa_annual": "t.category = s.category AND t.lsoa = s.lsoa AND t.year = s.year",
    "street_crimes": "t.month = s.month AND t.falls_within IS NOT DISTINCT FROM s.falls_within",
}
_TABLE_OF_KIND = {
    BOROUGH_OLD: "borough_monthly",
    BOROUGH_NEW: "borough_monthly",
    LSOA_ANNUAL: "lsoa_annual",
    STREET: "street_crimes",
}


_UNPIVOT = "(UNPIVOT staged ON COLUMNS('^p[0-9]+$') INTO NAME period VALUE value)"
_PERIOD = "CAST(substr(period, 2) AS INTEGER)"


def _long_select(parsed: ParsedFile, file_id: int) -> str:
    """SQL turning the registered ``staged`` columns into the table's long rows.

    Literals are safe to inline: the file id is an int, the scheme comes from a fixed table and the
    LSOA category matched ``[a-z0-9-]+``. (DuckDB cannot take parameters in a view definition.)
    """
    if parsed.kind in SCHEME_OF_KIND:
        return (
            f"SELECT {file_id} AS file_id, '{SCHEME_OF_KIND[parsed.kind]}' AS scheme, area, major, minor, "  # noqa: S608
            f"{_PERIOD} AS month, CAST(value AS BIGINT) AS count FROM {_UNPIVOT}"
        )
    if parsed.kind == LSOA_ANNUAL:
        years = ", ".join(str(y) for y in sorted(UNRELIABLE_LSOA_YEARS))
        return (
            f"SELECT {file_id} AS file_id, '{parsed.category}' AS category, lsoa, {_PERIOD} AS year, "  # noqa: S608
            f"CAST(value AS DOUBLE) AS count, {_PERIOD} IN ({years}) AS unreliable FROM {_UNPIVOT}"
        )
    # NaN marks a missing coordinate in the float arrays; the table stores NULL.
    return (
        f"SELECT {file_id} AS file_id, crime_id, month, reported_by, falls_within, "  # noqa: S608
        "CASE WHEN isnan(longitude) THEN NULL ELSE longitude END AS longitude, "
        "CASE WHEN isnan(latitude) THEN NULL ELSE latitude END AS latitude, "
        "location, lsoa, lsoa_name, crime_type, outcome FROM staged"
    )


@dataclass(frozen=True)
class SourceFile:
    file_id: int
    name: str
    path: str
    sha256: str
    kind: str
    data_rows: int
    long_rows: int
    imported_at: datetime
    warnings: str


class CrimeStore:
    """An open DuckDB database; use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(path), read_only=read_only)
            if not read_only:
                self.con.execute(_SCHEMA)
        except (duckdb.ConnectionException, duckdb.IOException) as exc:
            # Another process (or thread) writes the file: an import is running.
            if "lock" in str(exc).lower() or "different configuration" in str(exc).lower():
                raise StoreBusyError(
                    f"the crime database {path} is being written (an import is running); try again in a few seconds"
                ) from exc
            raise CrimeError(f"cannot open the crime database {path}: {exc}") from exc
        except (duckdb.Error, OSError) as exc:
            raise CrimeError(f"cannot open the crime database {path}: {exc}") from exc

    @classmethod
    def in_data_dir(cls, data_dir: Path, *, read_only: bool = False) -> CrimeStore:
        path = data_dir / "crime.duckdb"
        if read_only and not path.exists():
            raise NotImportedError(
                f"no crime data in {data_dir}: run `citywatch crime import data/crime --data-dir {data_dir}` first "
                "(`citywatch demo` imports the bundled files itself)"
            )
        return cls(path, read_only=read_only)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> CrimeStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- provenance and loading -------------------------------------------------------------------

    def source_files(self) -> list[SourceFile]:
        rows = self.con.execute(
            "SELECT file_id, name, path, sha256, kind, data_rows, long_rows, imported_at, warnings "
            "FROM source_files ORDER BY file_id"
        ).fetchall()
        return [SourceFile(*row) for row in rows]

    def known_hashes(self) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT sha256 FROM source_files").fetchall()}

    def load(self, files: list[ParsedFile]) -> None:
        """Store every file in one transaction: all of them or, on any error, none."""
        try:
            self.con.execute("BEGIN TRANSACTION")
            for parsed in files:
                self._load_one(parsed)
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise CrimeError(f"storing the import failed, nothing was stored: {exc}") from exc

    def _load_one(self, parsed: ParsedFile) -> None:
        row = self.con.execute("SELECT nextval('source_file_ids')").fetchone()
        assert row is not None
        file_id = int(row[0])
        self.con.execute(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                file_id,
                parsed.name,
                str(parsed.path),
                parsed.sha256,
                parsed.kind,
                parsed.data_rows,
                parsed.long_rows,
                datetime.now(UTC).replace(tzinfo=None),
                "\n".join(parsed.warnings),
            ],
        )
        if not parsed.long_rows:
            return
        if parsed.dimensions:
            self.con.register("dims", parsed.dimensions)
            try:
                self.con.execute(
                    # Names come from the first file naming an LSOA (2011 codes and names are fixed).
                    "INSERT INTO lsoa_areas SELECT d.lsoa, d.lsoa_name, d.msoa, d.borough_code, d.borough "
                    "FROM dims d ANTI JOIN lsoa_areas a USING (lsoa)"
                )
            finally:
                self.con.unregister("dims")
        table = _TABLE_OF_KIND[parsed.kind]
        self.con.register("staged", parsed.columns)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW long_staged AS {_long_select(parsed, file_id)}")
            if self._overlaps(table, parsed):
                self.con.execute(f"DELETE FROM {table} t USING long_staged s WHERE {_REPLACE[table]}")  # noqa: S608
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM long_staged")  # noqa: S608
        finally:
            self.con.execute("DROP VIEW IF EXISTS long_staged")
            self.con.unregister("staged")

    def _overlaps(self, table: str, parsed: ParsedFile) -> bool:
        """Whether rows already held may share keys with the staged ones (a cheap test before a join)."""
        values: list[object]
        if table == "borough_monthly":
            column, values = "scheme", [SCHEME_OF_KIND[parsed.kind]]
        elif table == "lsoa_annual":
            column, values = "category", [parsed.category]
        else:
            column, values = "month", [int(m) for m in sorted(set(parsed.columns["month"].tolist()))]
        sql = f"SELECT 1 FROM {table} WHERE list_contains(?, {column}) LIMIT 1"  # noqa: S608
        return self.con.execute(sql, [values]).fetchone() is not None

    # -- queries ----------------------------------------------------------------------------------

    def scheme_months(self, scheme: str) -> tuple[int, int] | None:
        row = self.con.execute(
            "SELECT min(month), max(month) FROM borough_monthly WHERE scheme = ?", [scheme]
        ).fetchone()
        return None if row is None or row[0] is None else (int(row[0]), int(row[1]))

    def areas(self, scheme: str) -> list[str]:
        rows = self.con.execute(
            "SELECT DISTINCT area FROM borough_monthly WHERE scheme = ? ORDER BY area", [scheme]
        ).fetchall()
        return [r[0] for r in rows]

    def category_pairs(self, scheme: str) -> list[tuple[str, str]]:
        rows = self.con.execute(
            "SELECT DISTINCT major, minor FROM borough_monthly WHERE scheme = ? ORDER BY 1, 2", [scheme]
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def sums_by_category(
        self,
        scheme: str,
        pairs: dict[tuple[str, str], str],
        first: int,
        last: int,
        areas: list[str],
        *,
        per_area: bool = True,
        by_fy: bool = False,
    ) -> list[tuple[str, str, int, int]]:
        """(area, category, bucket, count) summed over the pairs mapped to each category.

        ``bucket`` is the month, or with ``by_fy`` the first year of the financial year; without
        ``per_area`` all ``areas`` are summed into one, reported as area ``"*"``.
        """
        if not pairs or not areas:
            return []
        mapping = {
            "major": np.array([p[0] for p in pairs], dtype=object),
            "minor": np.array([p[1] for p in pairs], dtype=object),
            "category": np.array(list(pairs.values()), dtype=object),
        }
        area = "b.area" if per_area else "'*'"
        bucket = "CASE WHEN b.month % 100 >= 4 THEN b.month // 100 ELSE b.month // 100 - 1 END" if by_fy else "b.month"
        self.con.register("category_map", mapping)
        try:
            rows = self.con.execute(
                f"SELECT {area} AS area, m.category, {bucket} AS bucket, sum(b.count)::BIGINT "  # noqa: S608
                "FROM borough_monthly b JOIN category_map m ON b.major = m.major AND b.minor = m.minor "
                "WHERE b.scheme = ? AND b.month BETWEEN ? AND ? AND list_contains(?, b.area) "
                "GROUP BY ALL",
                [scheme, first, last, areas],
            ).fetchall()
        finally:
            self.con.unregister("category_map")
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def source_names(self, scheme: str, first: int, last: int) -> list[str]:
        rows = self.con.execute(
            "SELECT name FROM source_files WHERE file_id IN (SELECT DISTINCT file_id FROM borough_monthly "
            "WHERE scheme = ? AND month BETWEEN ? AND ?) ORDER BY name",
            [scheme, first, last],
        ).fetchall()
        return [r[0] for r in rows]

    def street_points(
        self, months: tuple[int, int] | None = None, sha256s: list[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """(crime_id, month, longitude, latitude, location, lsoa, crime_type); no location = NULL lon/lat."""
        sql = "SELECT crime_id, month, longitude, latitude, location, lsoa, crime_type FROM street_crimes WHERE true"
        params: list[object] = []
        if months is not None:
            sql += " AND month BETWEEN ? AND ?"
            params += [months[0], months[1]]
        if sha256s is not None:
            sql += " AND file_id IN (SELECT file_id FROM source_files WHERE list_contains(?, sha256))"
            params.append(sha256s)
        return self.con.execute(sql + " ORDER BY month, crime_type, crime_id", params).fetchall()

    def lsoa_counts(self, year: int, borough: str | None = None) -> list[tuple[str, str, str, float]]:
        """(lsoa, lsoa_name, category, count) for one calendar year; refuses a flagged year."""
        flagged = self.con.execute("SELECT count(*) FROM lsoa_annual WHERE year = ? AND unreliable", [year]).fetchone()
        if flagged is not None and flagged[0]:
            raise CrimeError(f"LSOA counts for {year} are flagged unreliable in the source and not reported")
        sql = (
            "SELECT c.lsoa, a.lsoa_name, c.category, c.count FROM lsoa_annual c "
            "JOIN lsoa_areas a USING (lsoa) WHERE year = ?"
        )
        params: list[object] = [year]
        if borough is not None:
            sql += " AND (lower(a.borough) = lower(?) OR a.borough_code = ?)"
            params += [borough, borough]
        return [(r[0], r[1], r[2], float(r[3])) for r in self.con.execute(sql + " ORDER BY 1, 3", params).fetchall()]

    def lsoa_summary(self) -> tuple[list[int], list[str], dict[str, str]]:
        """Years held (flagged ones left out), categories held, and borough name → GSS code."""
        years = self.con.execute(
            "SELECT DISTINCT year FROM lsoa_annual GROUP BY year HAVING NOT bool_or(unreliable) ORDER BY year"
        ).fetchall()
        cats = self.con.execute("SELECT DISTINCT category FROM lsoa_annual ORDER BY category").fetchall()
        codes = self.con.execute(
            "SELECT DISTINCT borough, borough_code FROM lsoa_areas WHERE borough IS NOT NULL ORDER BY 1"
        ).fetchall()
        return [int(r[0]) for r in years], [r[0] for r in cats], {r[0]: r[1] for r in codes}

    def lsoa_borough_totals(self, year: int, borough_code: str, category: str | None = None) -> dict[str, float]:
        """Count per LSOA of one borough for one year: one category, or the sum of the ``major-*`` files.

        Summed inside DuckDB (unlike :meth:`lsoa_counts`, which returns every row of London).
        """
        flagged = self.con.execute("SELECT count(*) FROM lsoa_annual WHERE year = ? AND unreliable", [year]).fetchone()
        if flagged is not None and flagged[0]:
            raise CrimeError(f"LSOA counts for {year} are flagged unreliable in the source and not reported")
        condition = "c.category = ?" if category else "c.category LIKE 'major-%'"
        params: list[object] = [year, borough_code] + ([category] if category else [])
        rows = self.con.execute(
            "SELECT c.lsoa, sum(c.count) FROM lsoa_annual c JOIN lsoa_areas a USING (lsoa) "  # noqa: S608
            f"WHERE c.year = ? AND a.borough_code = ? AND {condition} GROUP BY c.lsoa",
            params,
        ).fetchall()
        return {r[0]: float(r[1]) for r in rows}
