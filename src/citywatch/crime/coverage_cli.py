"""``citywatch crime coverage`` (street-level points) and ``coverage-lsoa`` (LSOA counts and boundaries)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from citywatch.crime.cli_common import CoverageFormat, DataDir, console, data_dir_of, errors, write
from citywatch.crime.geometry import CameraView
from citywatch.crime.render import Rows, rich_table, to_csv
from citywatch.crime.store import CrimeStore

__all__ = ["coverage", "coverage_lsoa"]

CamerasFile = Annotated[Path | None, typer.Option("--cameras", help="cameras CSV/JSON file")]
FromDb = Annotated[bool, typer.Option("--cameras-from-db", help="the main database's cameras")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="default: from the settings")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")]
FormatOpt = Annotated[CoverageFormat, typer.Option("--format")]


def _cameras(path: Path | None, from_db: bool, url: str | None, directory: Path) -> tuple[list[CameraView], list[str]]:
    from citywatch.crime.adapters import cameras_from_database, cameras_from_file

    views: list[CameraView] = []
    notes: list[str] = []
    if path is not None:
        views += cameras_from_file(path)
    if from_db:
        from citywatch.config import load_settings

        found, notes = cameras_from_database(url or load_settings(data_dir=directory).effective_database_url)
        views += found
    if not views:
        notes.append("no cameras given (--cameras FILE or --cameras-from-db): every crime counts as uncovered")
    return views, notes


def coverage(
    paths: Annotated[list[Path] | None, typer.Argument(help="police.uk street files (default: all held)")] = None,
    cameras: CamerasFile = None,
    cameras_from_db: FromDb = False,
    database_url: DatabaseUrl = None,
    cell_m: Annotated[float, typer.Option("--cell-m", help="hotspot grid cell, metres")] = 250.0,
    sites: Annotated[int, typer.Option("--sites", help="candidate sites to propose")] = 10,
    site_range_m: Annotated[float, typer.Option("--site-range-m", help="range of a proposed camera")] = 100.0,
    top: Annotated[int, typer.Option("--top", help="hotspots to list")] = 20,
    include_asb: Annotated[bool, typer.Option("--include-asb", help="count anti-social behaviour")] = False,
    fmt: FormatOpt = CoverageFormat.table,
    output: Output = None,
    data_dir: DataDir = None,
) -> None:
    """Share of street-level crimes inside some camera's view; hotspots and candidate camera sites."""
    from citywatch.crime.adapters import points_from_store
    from citywatch.crime.coverage import coverage_report
    from citywatch.crime.importer import import_files
    from citywatch.crime.render import coverage_rows

    with errors():
        directory = data_dir_of(data_dir)
        views, notes = _cameras(cameras, cameras_from_db, database_url, directory)
        with CrimeStore.in_data_dir(directory) as store:
            hashes = [o.sha256 for o in import_files(store, paths)] if paths else None
            points, unlocated = points_from_store(store, sha256s=hashes, include_anti_social=include_asb)
        result = coverage_report(
            points,
            views,
            cell_m=cell_m,
            top=top,
            sites=sites,
            site_range_m=site_range_m,
            unlocated=unlocated,
            notes=notes,
        )
        tables = coverage_rows(result)
        if fmt == CoverageFormat.table:
            for name, rows in tables.items():
                console.print(rich_table(rows, name))
            for line in [f"{unlocated:,} crime(s) without a location left out", *result.notes]:
                console.print(f"[dim]{line}[/dim]", highlight=False)
        elif fmt == CoverageFormat.csv:
            write(to_csv(tables["candidates"]), output)
        else:
            payload = result.to_geojson() if fmt == CoverageFormat.geojson else result.to_dict()
            write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output)


def coverage_lsoa(
    boundaries: Annotated[Path, typer.Option("--boundaries", help="LSOA polygons, WGS84 GeoJSON")],
    year: Annotated[int, typer.Option("--year", help="calendar year of the LSOA counts (not 2020)")],
    category: Annotated[
        str | None, typer.Option("--category", help="one LSOA file category, e.g. major-burglary (default: all majors)")
    ] = None,
    cameras: CamerasFile = None,
    cameras_from_db: FromDb = False,
    database_url: DatabaseUrl = None,
    spacing_m: Annotated[float, typer.Option("--spacing-m", help="ground grid for the seen share")] = 25.0,
    top: Annotated[int, typer.Option("--top", help="LSOAs to list")] = 20,
    fmt: FormatOpt = CoverageFormat.table,
    output: Output = None,
    data_dir: DataDir = None,
) -> None:
    """LSOAs ranked by crimes estimated to happen out of every camera's view (LSOA counts × unseen ground)."""
    from citywatch.crime.adapters import lsoa_totals
    from citywatch.crime.lsoa_coverage import load_lsoa_areas, lsoa_coverage

    with errors():
        directory = data_dir_of(data_dir)
        views, notes = _cameras(cameras, cameras_from_db, database_url, directory)
        areas = load_lsoa_areas(boundaries)
        with CrimeStore.in_data_dir(directory, read_only=True) as store:
            counts = lsoa_totals(store, year, [a.code for a in areas], category)
        ranked = lsoa_coverage(counts, areas, views, spacing_m=spacing_m)
        shown = ranked[:top]
        rows: Rows = (
            ["rank", "lsoa", "name", "crimes", "cameras inside", "seen %", "est. uncovered"],
            [
                [r.rank, r.area.code, r.area.name, r.crimes, r.cameras_inside, r.seen_pct, round(r.uncovered, 1)]
                for r in shown
            ],
        )
        if fmt == CoverageFormat.table:
            console.print(rich_table(rows, f"LSOAs by crimes out of view, {year} ({category or 'all majors'})"))
            for line in notes:
                console.print(f"[dim]{line}[/dim]", highlight=False)
        elif fmt == CoverageFormat.csv:
            write(to_csv(rows), output)
        elif fmt == CoverageFormat.geojson:
            features = [r.to_feature() for r in shown]
            write(json.dumps({"type": "FeatureCollection", "features": features}) + "\n", output)
        else:
            payload = {
                "year": year,
                "category": category or "all majors",
                "cameras": len(views),
                "lsoas": [r.to_dict() for r in shown],
                "notes": notes,
            }
            write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output)
