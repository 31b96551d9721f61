"""The crime API through a real server, on the bundled files imported into a temporary data directory.

Figures are checked against sums computed here from the raw CSV rows (the csv module, not the importer).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import numpy as np
import pytest

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.crime.importer import import_files
from citywatch.crime.store import CrimeStore
from citywatch.demo import DEMO_CAMERAS
from citywatch.video.cameras import CameraInput
from citywatch.wiring import build_services
from tests.api.server import running
from tests.crime.conftest import DATA, LSOA_DIR, read_rows
from tests.crime.test_reports import independent_sums

ADMIN_PASSWORD = "crime-api-test-password"
HF = "Hammersmith and Fulham"
HF_CODE = "E09000013"
FAR_AWAY = "Croydon Clocktower"  # a camera in Croydon sees nothing of H&F


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("crime-api")
    with CrimeStore.in_data_dir(directory) as store:
        import_files(store, [DATA])
    return directory


@pytest.fixture(scope="module")
def base_url(data_dir: Path) -> Iterator[str]:
    services = build_services(Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, admin_mfa_exempt=True))
    for i, c in enumerate(DEMO_CAMERAS):
        services.cameras.add(
            CameraInput(
                name=c.name,
                rtsp_url=f"rtsp://127.0.0.1:9/{i}",
                latitude=c.latitude,
                longitude=c.longitude,
                bearing_deg=c.bearing_deg,
                fov_deg=c.fov_deg,
                range_m=c.range_m,
                enabled=i != 0,  # a disabled camera covers nothing
            )
        )
    services.cameras.add(CameraInput(name=FAR_AWAY, rtsp_url="rtsp://127.0.0.1:9/x", latitude=51.3721, longitude=-0.1))
    try:
        with running(create_app(services)) as url:
            yield url
    finally:
        services.close()


def _client(base_url: str) -> httpx.Client:
    r = httpx.post(f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=30)


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with _client(base_url) as c:
        yield c


def _ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


PATHS = [
    "/api/v1/crime/boroughs",
    f"/api/v1/crime/mopac7?area={HF}&fy=2013/14",
    f"/api/v1/crime/trend?area={HF}&fy=2013/14",
    "/api/v1/crime/ranking?fy=2013/14",
    f"/api/v1/crime/lsoa?area={HF}&year=2019",
    f"/api/v1/crime/coverage?area={HF}&year=2019",
    f"/api/v1/crime/report?area={HF}&fy=2013/14",
]


def test_every_route_needs_a_signed_in_principal(base_url: str) -> None:
    for path in PATHS:
        r = httpx.get(f"{base_url}{path}")
        assert r.status_code == 401, path
        assert "sign in" in r.json()["detail"]


def test_before_any_import_the_answer_names_the_import_command(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD, admin_mfa_exempt=True))
    try:
        with running(create_app(services)) as url, _client(url) as c:
            for path in PATHS:
                r = c.get(path)
                assert r.status_code == 409, path
                assert "citywatch crime import" in r.json()["detail"] and str(tmp_path) in r.json()["detail"]
    finally:
        services.close()


def test_boroughs_years_and_what_the_map_can_show(api: httpx.Client) -> None:
    body = _ok(api.get("/api/v1/crime/boroughs"))
    boroughs = body["boroughs"]
    assert len(boroughs) == 32 and HF in boroughs
    assert "Unknown" not in boroughs and "City of London" not in boroughs
    assert "2013/14" in body["financial_years"] and "2010/11" not in body["financial_years"][-3:]
    assert body["categories"][0] == "Burglary" and len(body["categories"]) == 7
    assert body["lsoa"]["boroughs"] == [HF]  # only H&F's LSOA boundaries are bundled
    assert 2019 in body["lsoa"]["years"] and 2020 not in body["lsoa"]["years"]


def test_mopac7_for_hammersmith_and_fulham_equals_the_raw_rows(api: httpx.Client) -> None:
    from citywatch.crime.fiscal import month_range

    body = _ok(
        api.get("/api/v1/crime/mopac7", params={"area": "hammersmith & fulham", "fy": "2013/14", "compare": "London"})
    )
    now = independent_sums("new", month_range(201304, 201403))
    before = independent_sums("new", month_range(201204, 201303))
    assert body["area"] == HF and body["fy"] == "2013/14" and body["previous_fy"] == "2012/13"
    assert body["total"]["current"] == sum(now[HF].values()) == 7518
    assert body["total"]["previous"] == sum(before[HF].values())
    for name, change in body["categories"].items():
        assert change["current"] == now[HF][name], name
        pct = round((change["current"] - change["previous"]) / change["previous"] * 100, 2)
        assert change["change_pct"] == pct
        # Target 20 % over four years: falling 5 %+ a year is green, falling less amber, rising red.
        expected = "green" if pct <= -5 else "amber" if pct <= 0 else "red"
        assert body["status"]["categories"][name] == expected, name
    assert body["status"]["total"] == "green"  # 8,844 → 7,518 is −15 %
    assert body["compare"]["area"] == "London" and body["status"]["compare"]["total"] in ("green", "amber", "red")
    target = body["target"]
    baseline = independent_sums("new", month_range(201104, 201203))[HF]
    assert target["baseline_fy"] == "2011/12" and target["baseline"] == sum(baseline.values())
    assert [y["fy"] for y in target["years"]] == ["2012/13", "2013/14"]
    assert target["years"][-1]["actual"] == 7518


def test_target_before_its_baseline_is_left_out_with_a_note(api: httpx.Client) -> None:
    body = _ok(api.get("/api/v1/crime/mopac7", params={"area": HF, "fy": "2011/12"}))
    assert body["target"] is None and any("baseline" in n for n in body["notes"])


def test_trend_is_24_months_that_sum_to_the_years(api: httpx.Client) -> None:
    body = _ok(api.get("/api/v1/crime/trend", params={"area": HF, "fy": "2013/14"}))
    months = body["months"]
    assert [m["month"] for m in months[:2]] == ["2012-04", "2012-05"] and months[-1]["month"] == "2014-03"
    assert len(months) == 24
    assert sum(m["total"] for m in months[12:]) == 7518
    burglary = sum(
        int(r["201306"])
        for r in read_rows(DATA / "MPS Borough Level Crime (Historical).csv")
        if r["BoroughName"] == HF and r["MajorText"] == "BURGLARY"
    )
    assert months[14]["categories"]["Burglary"] == burglary


def test_ranking_has_every_borough(api: httpx.Client) -> None:
    body = _ok(api.get("/api/v1/crime/ranking", params={"fy": "2013/14"}))
    assert len(body["boroughs"]) == 32
    hf = next(b for b in body["boroughs"] if b["area"] == HF)
    assert hf["current"] == 7518


def _lsoa_sum(year: int, category: str | None) -> dict[str, float]:
    """H&F counts per LSOA straight from the LSOA files (all majors, or one file)."""
    out: dict[str, float] = {}
    for path in sorted(LSOA_DIR.glob("london-2011-2021-*.csv")):
        name = path.stem.removeprefix("london-2011-2021-")
        if (category and name != category) or (not category and not name.startswith("major-")):
            continue
        for row in read_rows(path):
            if row["LAD11CD"] == HF_CODE:
                out[row["LSOA11CD"]] = out.get(row["LSOA11CD"], 0.0) + float(row[str(year)])
    return out


def test_lsoa_choropleth_is_113_polygons_with_the_raw_counts(api: httpx.Client) -> None:
    body = _ok(api.get("/api/v1/crime/lsoa", params={"area": HF, "year": 2019}))
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 113
    expected = _lsoa_sum(2019, None)
    got = {f["properties"]["lsoa"]: f["properties"]["count"] for f in body["features"]}
    assert got == expected
    assert body["total"] == sum(expected.values())
    area_km2 = sum(f["properties"]["area_km2"] for f in body["features"])
    assert 16.0 < area_km2 < 16.8  # H&F is 16.4 km²
    first = body["features"][0]
    assert first["geometry"]["type"] == "Polygon" and len(first["geometry"]["coordinates"][0][0]) == 2
    burglary = _ok(api.get("/api/v1/crime/lsoa", params={"area": HF, "year": 2019, "category": "major-burglary"}))
    assert burglary["total"] == sum(_lsoa_sum(2019, "major-burglary").values())


def test_lsoa_refuses_2020_and_boroughs_without_boundaries(api: httpx.Client) -> None:
    r = api.get("/api/v1/crime/lsoa", params={"area": HF, "year": 2020})
    assert r.status_code == 404 and "2020 is flagged" in r.json()["detail"]
    r = api.get("/api/v1/crime/lsoa", params={"area": "Camden", "year": 2019})
    assert r.status_code == 404 and "no LSOA boundaries for Camden" in r.json()["detail"]
    r = api.get("/api/v1/crime/lsoa", params={"area": HF, "year": 2019, "category": "major-nothing"})
    assert r.status_code == 404 and "major-burglary" in r.json()["detail"]


def _seen_share(ring: list[list[float]], lat0: float, lon0: float, bearing: float, fov: float, range_m: float) -> float:
    """Share (%) of a 10 m grid inside ``ring`` that the camera sees: point-in-polygon and the sector
    test written out here, in metres east and north of the camera."""
    m_lat = math.pi / 180 * 6_371_008.8
    m_lon = m_lat * math.cos(math.radians(lat0))
    xs = np.array([(p[0] - lon0) * m_lon for p in ring])
    ys = np.array([(p[1] - lat0) * m_lat for p in ring])
    gx, gy = np.meshgrid(np.arange(xs.min(), xs.max(), 10.0), np.arange(ys.min(), ys.max(), 10.0))
    x, y = gx.ravel(), gy.ravel()
    inside = np.zeros(x.shape, dtype=bool)
    for x1, y1, x2, y2 in zip(xs, ys, np.roll(xs, -1), np.roll(ys, -1), strict=True):
        if y1 != y2:
            inside ^= ((y1 > y) != (y2 > y)) & (x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    angle = np.abs((np.degrees(np.arctan2(x, y)) - bearing + 180) % 360 - 180)
    seen = inside & (np.hypot(x, y) <= range_m) & ((angle <= fov / 2) | (fov >= 360))
    return float(seen.sum() / max(inside.sum(), 1) * 100)


def test_coverage_names_the_cameras_that_see_each_hotspot(api: httpx.Client) -> None:
    body = _ok(api.get("/api/v1/crime/coverage", params={"area": HF, "year": 2019, "top": 113}))
    features = body["hotspots"]["features"]
    assert len(features) == 113 and body["summary"]["lsoas"] == 113
    uncovered = [f["properties"]["estimated_uncovered"] for f in features]
    assert uncovered == sorted(uncovered, reverse=True)
    names = {c["name"] for c in body["cameras"]}
    assert DEMO_CAMERAS[0].name not in names  # disabled
    assert FAR_AWAY in names  # no bearing: counted as a dome of 50 m
    by_camera = {c["name"]: set(c["hotspots"]) for c in body["cameras"]}
    assert by_camera[FAR_AWAY] == set()
    pairs = 0
    for f in features:
        covering = {c["camera"]: c["seen_pct"] for c in f["properties"]["covered_by"]}
        assert all(f["properties"]["lsoa"] in by_camera[n] for n in covering)
        for cam in DEMO_CAMERAS[1:]:
            share = _seen_share(
                f["geometry"]["coordinates"][0], cam.latitude, cam.longitude, cam.bearing_deg, cam.fov_deg, cam.range_m
            )
            if share >= 2.0:
                assert covering.get(cam.name, 0) == pytest.approx(share, abs=2.0), (f["properties"]["lsoa"], cam.name)
            pairs += cam.name in covering
            if covering.get(cam.name, 0) >= 2.0:  # below that, the two grids may sample differently
                assert share > 0, (f["properties"]["lsoa"], cam.name)
    assert pairs >= 10
    assert 0 < body["summary"]["seen_pct"] < 10


def test_report_downloads_as_csv_and_html(api: httpx.Client) -> None:
    r = api.get("/api/v1/crime/report", params={"area": HF, "fy": "2013/14", "compare": "London"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="mopac7-hammersmith-and-fulham-2013-14.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    total = next(x for x in rows if x["area"] == HF and x["category"] == "MOPAC 7 total")
    assert int(total["2013/14"]) == 7518
    assert any(x["area"] == "London" for x in rows)
    page = api.get("/api/v1/crime/report", params={"area": HF, "fy": "2013/14", "format": "html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and "7,518" in page.text
    assert api.get("/api/v1/crime/report", params={"area": HF, "fy": "2013/14", "format": "pdf"}).status_code == 422


def test_bad_input_gets_an_answer_that_says_what_to_do(api: httpx.Client) -> None:
    r = api.get("/api/v1/crime/mopac7", params={"area": "Nowhere", "fy": "2013/14"})
    assert r.status_code == 404 and HF in r.json()["detail"]
    r = api.get("/api/v1/crime/mopac7", params={"area": HF, "fy": "2013/15"})
    assert r.status_code == 400 and "financial year" in r.json()["detail"]
    r = api.get("/api/v1/crime/mopac7", params={"area": HF, "fy": "2030/31"})
    assert r.status_code == 404 and "held" in r.json()["detail"]


def test_an_import_in_progress_answers_503_then_recovers(api: httpx.Client, data_dir: Path) -> None:
    uncached = {"fy": "2015/16"}  # asked nowhere else: answered from the database, not the cache
    writer = duckdb.connect(str(data_dir / "crime.duckdb"))  # as an import holds it
    try:
        r = api.get("/api/v1/crime/ranking", params=uncached)
        assert r.status_code == 503 and "import is running" in r.json()["detail"]
        assert r.headers["retry-after"] == "5"
    finally:
        writer.close()
    assert api.get("/api/v1/crime/ranking", params=uncached).status_code == 200
