"""LSOA-level coverage: counts from the raw LSOA files, seen ground checked against plane geometry."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from citywatch.crime.adapters import lsoa_totals
from citywatch.crime.cli import app
from citywatch.crime.errors import CrimeError
from citywatch.crime.geometry import CameraView, LocalFrame
from citywatch.crime.lsoa_coverage import inside_mask, load_lsoa_areas, lsoa_coverage
from citywatch.crime.store import CrimeStore

from .conftest import LSOA_DIR, REPO, read_rows

BOUNDARIES = REPO / "data" / "geo" / "hf" / "lsoa11" / "E09000013.geojson"


def shoelace_m2(ring: list[tuple[float, float]]) -> float:
    frame = LocalFrame(ring[0][1], ring[0][0])
    xy = [frame.to_xy(lat, lon) for lon, lat in ring]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True))) / 2


def test_point_in_polygon_with_a_hole() -> None:
    outer = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]
    hole = [(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0)]
    lon, lat = np.array([0.5, 2.0, 5.0]), np.array([0.5, 2.0, 2.0])
    assert inside_mask([outer, hole], lon, lat).tolist() == [True, False, False]


def test_counts_are_the_sum_of_major_files(loaded_dir: Path) -> None:
    areas = load_lsoa_areas(BOUNDARIES)
    assert len(areas) == 113
    with CrimeStore.in_data_dir(loaded_dir, read_only=True) as store:
        totals = lsoa_totals(store, 2019, [a.code for a in areas])
        with pytest.raises(CrimeError, match="unreliable"):
            lsoa_totals(store, 2020, [a.code for a in areas])
    expected: dict[str, float] = {}
    for path in sorted(LSOA_DIR.glob("*-major-*.csv")):
        for row in read_rows(path):
            if row["LAD11NM"] == "Hammersmith and Fulham":
                expected[row["LSOA11CD"]] = expected.get(row["LSOA11CD"], 0.0) + float(row["2019"])
    assert totals.keys() == expected.keys()
    for code, value in expected.items():
        assert totals[code] == pytest.approx(value)


def test_seen_share_of_one_dome_camera() -> None:
    areas = load_lsoa_areas(BOUNDARIES)
    # The LSOA with the largest area, a 40 m dome at the middle of its bounding box if that lies inside it.
    area = max(areas, key=lambda a: shoelace_m2(a.rings[0]))
    west, south, east, north = area.bounds()
    lat, lon = (south + north) / 2, (west + east) / 2
    assert inside_mask(area.rings, np.array([lon]), np.array([lat]))[0]
    camera = CameraView("dome", lat, lon, 0, 360, 40.0)
    [result] = lsoa_coverage({area.code: 100.0}, [area], [camera], spacing_m=5.0)
    expected_pct = math.pi * 40.0**2 / shoelace_m2(area.rings[0]) * 100
    assert result.cameras_inside == 1
    assert result.seen_pct == pytest.approx(expected_pct, rel=0.1)
    assert result.uncovered == pytest.approx(100.0 * (1 - result.seen_pct / 100))


def test_cli_ranks_lsoas(loaded_dir: Path, tmp_path: Path) -> None:
    cams = tmp_path / "cams.json"
    cams.write_text(json.dumps([{"name": "a", "latitude": 51.49913, "longitude": -0.2186, "range_m": 100}]))
    result = CliRunner().invoke(
        app,
        [
            "coverage-lsoa",
            "--boundaries",
            str(BOUNDARIES),
            "--year",
            "2019",
            "--cameras",
            str(cams),
            "--format",
            "json",
            "--top",
            "5",
            "--data-dir",
            str(loaded_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    lsoas = data["lsoas"]
    assert len(lsoas) == 5 and data["cameras"] == 1
    assert [r["estimated_uncovered"] for r in lsoas] == sorted((r["estimated_uncovered"] for r in lsoas), reverse=True)
