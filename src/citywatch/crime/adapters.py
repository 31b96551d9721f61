"""Where coverage gets its inputs: cameras from the main database or a file, crimes from the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from citywatch.crime.coverage import ANTI_SOCIAL, CrimePoint
from citywatch.crime.errors import CrimeError, NoDataError
from citywatch.crime.geometry import CameraView
from citywatch.crime.store import CrimeStore

__all__ = [
    "DEFAULT_RANGE_M",
    "camera_view",
    "cameras_from_database",
    "cameras_from_file",
    "lsoa_totals",
    "points_from_store",
]

DEFAULT_RANGE_M = 50.0  # a camera with no range recorded is assumed to see this far


def camera_view(name: str, lat: Any, lon: Any, bearing: Any, fov: Any, range_m: Any) -> CameraView | None:
    """A camera register row as a view; None without a position. Defaults as in :func:`cameras_from_database`."""
    if lat is None or lon is None or lat == "" or lon == "":
        return None
    all_round = bearing in (None, "") or fov in (None, "")
    return CameraView(
        name,
        float(lat),
        float(lon),
        0.0 if all_round else float(bearing),
        360.0 if all_round else float(fov),
        DEFAULT_RANGE_M if range_m in (None, "") else float(range_m),
    )


def cameras_from_database(database_url: str) -> tuple[list[CameraView], list[str]]:
    """Enabled cameras of the main database's ``cameras`` table, and notes on those left out.

    A camera without a bearing or field of view counts as seeing all round (a PTZ dome); one without
    a range as seeing :data:`DEFAULT_RANGE_M`; one without a position cannot count and is named.
    """
    from citywatch.store.db import make_engine
    from citywatch.store.models import Camera

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    Camera.name, Camera.latitude, Camera.longitude, Camera.bearing_deg, Camera.fov_deg, Camera.range_m
                )
                .where(Camera.enabled.is_(True))
                .order_by(Camera.name)
            ).all()
    except SQLAlchemyError as exc:
        raise CrimeError(f"cannot read cameras from the database: {exc}") from exc
    finally:
        engine.dispose()
    views: list[CameraView] = []
    notes: list[str] = []
    for row in rows:
        view = camera_view(*row)
        if view is None:
            notes.append(f"camera {row[0]!r} has no position and is left out")
        else:
            views.append(view)
    return views, notes


def cameras_from_file(path: Path) -> list[CameraView]:
    """Cameras from a CSV (``name, latitude, longitude, bearing_deg, fov_deg, range_m``) or JSON list."""
    keys = ("name", "latitude", "longitude", "bearing_deg", "fov_deg", "range_m")
    try:
        text = path.read_text(encoding="utf-8")
        is_json = path.suffix.lower() == ".json"
        records = json.loads(text) if is_json else list(csv.DictReader(text.splitlines()))
        views: list[CameraView] = []
        for i, rec in enumerate(records, start=1):
            view = camera_view(*(rec.get(k) for k in keys))
            if view is None:
                raise CrimeError(f"{path.name}, camera {i}: latitude and longitude are required")
            views.append(view)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise CrimeError(f"cannot read cameras from {path}: {exc}") from exc
    return views


def points_from_store(
    store: CrimeStore,
    months: tuple[int, int] | None = None,
    *,
    sha256s: list[str] | None = None,
    include_anti_social: bool = False,
) -> tuple[list[CrimePoint], int]:
    """Located street-level crimes and the number without a location; anti-social behaviour left out."""
    points: list[CrimePoint] = []
    unlocated = 0
    for crime_id, month, lon, lat, location, _lsoa, crime_type in store.street_points(months, sha256s):
        if crime_type == ANTI_SOCIAL and not include_anti_social:
            continue
        if lon is None or lat is None:
            unlocated += 1
        else:
            points.append(CrimePoint(lat, lon, crime_type, month, location or "", crime_id or ""))
    if not points:
        raise NoDataError("no located street-level crimes held: import data.police.uk street files first")
    return points, unlocated


def lsoa_totals(store: CrimeStore, year: int, codes: list[str], category: str | None = None) -> dict[str, float]:
    """Count per LSOA for one year: one category, or the sum of the ``major-*`` files (the ``minor-*``
    files are subsets of majors and would count twice)."""
    wanted = set(codes)
    totals: dict[str, float] = {}
    for lsoa, _name, cat, count in store.lsoa_counts(year):
        if lsoa in wanted and (cat == category if category else cat.startswith("major-")):
            totals[lsoa] = totals.get(lsoa, 0.0) + count
    if not totals:
        raise NoDataError(f"no LSOA counts for {year}{' in ' + category if category else ''} for these boundaries")
    return totals
