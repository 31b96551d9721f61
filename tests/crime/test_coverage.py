"""Camera views and coverage on the bundled City of London street files, checked by independent counts."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from citywatch.crime.adapters import cameras_from_database, points_from_store
from citywatch.crime.coverage import CrimePoint, coverage_report
from citywatch.crime.geometry import CameraView, in_view
from citywatch.crime.store import CrimeStore

from .conftest import STREET_DIR, read_rows

LAT, LON = 51.5155, -0.0922  # near Guildhall
METRES_PER_DEG_LAT = 111_195.0


def north_of(metres: float, east: float = 0.0) -> CrimePoint:
    lon = LON + east / (METRES_PER_DEG_LAT * math.cos(math.radians(LAT)))
    return CrimePoint(LAT + metres / METRES_PER_DEG_LAT, lon, "x")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def test_in_view_sector() -> None:
    north = CameraView("n", LAT, LON, bearing_deg=0, fov_deg=90, range_m=100)
    assert in_view(north, north_of(50))
    assert not in_view(north, north_of(-50))  # behind
    assert not in_view(north, north_of(120))  # beyond range
    assert in_view(north, north_of(50, east=45))  # 42° off axis, inside ±45°
    assert not in_view(north, north_of(50, east=55))  # 48° off axis
    assert in_view(north, CrimePoint(LAT, LON, "x"))  # the camera's own spot
    wrap = CameraView("w", LAT, LON, bearing_deg=350, fov_deg=40, range_m=100)
    assert in_view(wrap, north_of(50, east=5))  # bearing 6°: 16° from 350°, across north
    assert not in_view(wrap, north_of(50, east=10))  # bearing 11°: 21° from 350°
    dome = CameraView("d", LAT, LON, bearing_deg=0, fov_deg=360, range_m=100)
    assert in_view(dome, north_of(-99))


def located_crimes() -> list[dict[str, str]]:
    rows = [r for f in sorted(STREET_DIR.glob("*.csv")) for r in read_rows(f)]
    return [r for r in rows if r["Longitude"] and r["Crime type"] != "Anti-social behaviour"]


def test_coverage_share_matches_independent_count(loaded_dir: Path) -> None:
    raw = located_crimes()
    busiest = [place for place, _ in Counter((r["Latitude"], r["Longitude"]) for r in raw).most_common(3)]
    cameras = [CameraView(f"c{i}", float(lat), float(lon), 0, 360, 60.0) for i, (lat, lon) in enumerate(busiest)]
    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store:
        points, unlocated = points_from_store(store)
    report = coverage_report(points, cameras, cell_m=250, sites=3)

    def seen(r: dict[str, str]) -> bool:
        lat, lon = float(r["Latitude"]), float(r["Longitude"])
        return any(haversine_m(c.latitude, c.longitude, lat, lon) <= c.range_m for c in cameras)

    expected = Counter(r["Crime type"] for r in raw if seen(r))
    totals = Counter(r["Crime type"] for r in raw)
    assert report.total.crimes == len(raw) and unlocated > 0
    assert report.total.covered == sum(expected.values()) > 0
    for cat in report.categories:
        assert (cat.crimes, cat.covered) == (totals[cat.category], expected[cat.category]), cat.category
    assert sum(h.uncovered for h in report.hotspots) <= len(raw) - report.total.covered
    assert [h.uncovered for h in report.hotspots] == sorted((h.uncovered for h in report.hotspots), reverse=True)
    sites = report.candidates
    assert len(sites) == 3 and sites[0].newly_covered >= sites[1].newly_covered
    assert sites[-1].cumulative_covered == sum(s.newly_covered for s in sites)
    # A proposed site covers exactly the uncovered crimes within its range.
    first = sites[0]

    def near_first(r: dict[str, str]) -> bool:
        return haversine_m(first.latitude, first.longitude, float(r["Latitude"]), float(r["Longitude"])) <= 100

    near = [r for r in raw if not seen(r) and near_first(r)]
    assert first.newly_covered == len(near)
    geo = report.to_geojson()
    assert geo["type"] == "FeatureCollection" and geo["features"][0]["geometry"]["type"] == "Point"


def test_cameras_from_the_main_database(tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from citywatch.store.db import make_engine
    from citywatch.store.models import Base, Camera

    url = f"sqlite:///{tmp_path / 'citywatch.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    common = {"rtsp_url": "rtsp://127.0.0.1/x", "created_us": 0, "updated_us": 0}
    with Session(engine) as session:
        session.add_all(
            [
                Camera(name="fixed", latitude=LAT, longitude=LON, bearing_deg=90, fov_deg=60, range_m=80, **common),
                Camera(name="dome", latitude=LAT, longitude=LON, **common),
                Camera(name="nowhere", **common),
            ]
        )
        session.commit()
    engine.dispose()
    views, notes = cameras_from_database(url)
    by_name = {v.name: v for v in views}
    assert set(by_name) == {"fixed", "dome"}
    assert by_name["fixed"].bearing_deg == 90 and by_name["fixed"].range_m == 80
    assert by_name["dome"].fov_deg == 360 and by_name["dome"].range_m == 50
    assert any("nowhere" in n for n in notes)


def test_empty_inputs() -> None:
    report = coverage_report([], [])
    assert report.total.crimes == 0 and report.total.share_pct is None and not report.candidates
    with pytest.raises(ValueError, match="positive"):
        coverage_report([], [], cell_m=0)


def test_vectorised_mask_agrees_with_in_view(loaded_dir: Path) -> None:
    from citywatch.crime.coverage import covered_mask

    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store:
        points, _ = points_from_store(store)
    sample = points[::7]
    cameras = [
        CameraView(f"c{i}", p.latitude, p.longitude, (i * 53) % 360, 30 + i % 90, 40 + i % 120)
        for i, p in enumerate(points[::500])
    ]
    mask = covered_mask(sample, cameras)
    expected = [any(in_view(c, p) for c in cameras) for p in sample]
    assert mask.tolist() == expected and 0 < sum(expected) < len(sample)
