"""The dashboard use cases: status rule, caching until the database changes, boundary files, LSOA areas."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from citywatch.crime.boundaries import BUNDLED_GEO, LsoaBoundaries
from citywatch.crime.dashboard import CrimeDashboard, TargetSpec, rag_status
from citywatch.crime.errors import NoDataError
from citywatch.crime.fiscal import FinancialYear
from citywatch.crime.geometry import LocalFrame
from citywatch.crime.lsoa_coverage import LsoaArea

HF_CODE = "E09000013"


def test_status_against_the_targets_yearly_pace() -> None:
    pace = TargetSpec(FinancialYear(2011), reduction_pct=20, years=4).annual_cut_pct
    assert pace == 5.0
    assert [rag_status(p, pace) for p in (-15.0, -5.0, -4.99, 0.0, 0.01, None)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
        "none",
    ]


def test_answers_are_cached_until_the_database_file_changes(loaded_dir: Path) -> None:
    dash = CrimeDashboard(loaded_dir)
    first = dash.mopac7("Hammersmith and Fulham", FinancialYear(2013), None, TargetSpec(FinancialYear(2011)))
    assert first["total"]["current"] == 7518
    again = dash.mopac7("hammersmith & fulham", FinancialYear(2013), None, TargetSpec(FinancialYear(2011)))
    assert again is first  # same key once names are normalised: no second query
    path = loaded_dir / "crime.duckdb"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # as an import would
    fresh = dash.mopac7("Hammersmith and Fulham", FinancialYear(2013), None, TargetSpec(FinancialYear(2011)))
    assert fresh is not first and fresh == first


def _square(code: str, lat: float, lon: float, side_m: float, hole_m: float = 0.0) -> dict[str, object]:
    frame = LocalFrame(lat, lon)

    def ring(half: float) -> list[list[float]]:
        corners = [frame.to_latlon(x, y) for x, y in ((-half, -half), (half, -half), (half, half), (-half, half))]
        return [[lo, la] for la, lo in [*corners, corners[0]]]

    rings = [ring(side_m / 2)] + ([ring(hole_m / 2)] if hole_m else [])
    return {"type": "Feature", "properties": {"LSOA11CD": code}, "geometry": {"type": "Polygon", "coordinates": rings}}


def test_area_subtracts_holes() -> None:
    feature = _square("E01000001", 51.49, -0.22, 1000.0, hole_m=500.0)
    rings = [[(p[0], p[1]) for p in r] for r in feature["geometry"]["coordinates"]]  # type: ignore[index]
    assert LsoaArea("E01000001", "square", rings).area_km2 == pytest.approx(0.75, rel=1e-3)


def test_boundaries_in_the_data_dir_win_and_a_missing_borough_says_where_to_put_it(tmp_path: Path) -> None:
    folder = tmp_path / "geo" / "lsoa11"
    folder.mkdir(parents=True)
    collection = {"type": "FeatureCollection", "features": [_square("E01000001", 51.49, -0.22, 400.0)]}
    (folder / f"{HF_CODE}.geojson").write_text(json.dumps(collection), encoding="utf-8")
    boundaries = LsoaBoundaries.for_data_dir(tmp_path)
    assert [a.code for a in boundaries.areas(HF_CODE, "Hammersmith and Fulham")] == ["E01000001"]
    assert len(LsoaBoundaries([BUNDLED_GEO]).areas(HF_CODE, "Hammersmith and Fulham")) == 113
    with pytest.raises(NoDataError, match=r"no LSOA boundaries for Camden \(E09000007\).*E09000007\.geojson"):
        boundaries.areas("E09000007", "Camden")
