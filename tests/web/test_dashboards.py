"""The managers' crime dashboard in Chromium against a real ``citywatch serve`` holding the bundled crime data.

No recorder and no sim cameras: two registered cameras (never recorded) are enough for the coverage overlay.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from citywatch.crime.importer import import_files
from citywatch.crime.store import CrimeStore
from tests.web.stack import ADMIN_PASSWORD, ROOT, citywatch_bin, free_port, missing_prerequisites, sign_in

pytestmark = pytest.mark.slow

HF = "Hammersmith and Fulham"
CAMERAS = [  # Shepherd's Bush Green and Fulham Broadway, as in the demo story
    ("Shepherd's Bush Green", 51.5040, -0.2200, 180.0),
    ("Fulham Broadway", 51.4802, -0.1953, 60.0),
]


@pytest.fixture(scope="module")
def crime_server(tmp_path_factory: pytest.TempPathFactory, shots: Path) -> Iterator[str]:
    why = missing_prerequisites()
    if why:
        pytest.fail(f"browser tests need the real stack: {why} (make test installs it)")
    data_dir = tmp_path_factory.mktemp("crime-web")
    with CrimeStore.in_data_dir(data_dir) as store:
        # The borough file of the dashboard's year and the LSOA counts; the street files are not shown.
        crime = ROOT / "data" / "crime"
        import_files(store, [crime / "MPS Borough Level Crime (Historical).csv", crime / "london-data"])
    port = free_port()
    env = {**os.environ, "CITYWATCH_ADMIN_PASSWORD": ADMIN_PASSWORD, "CITYWATCH_ADMIN_MFA_EXEMPT": "true"}
    log = (shots / "logs").joinpath("serve-dashboards.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [citywatch_bin(), "serve", "--no-recorder", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        with httpx.Client(base_url=base, timeout=30) as c:
            r = c.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
            r.raise_for_status()
            c.headers["Authorization"] = f"Bearer {r.json()['token']}"
            for i, (name, lat, lon, bearing) in enumerate(CAMERAS):
                camera = {"name": name, "rtsp_url": f"rtsp://127.0.0.1:9/{i}", "latitude": lat, "longitude": lon}
                camera |= {"bearing_deg": bearing, "fov_deg": 50, "range_m": 150, "enabled": True}
                c.post("/api/v1/cameras", json=camera).raise_for_status()
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        if proc.poll() is not None:
            raise RuntimeError(f"citywatch serve exited with {proc.returncode}")
        time.sleep(0.2)
    raise TimeoutError("citywatch serve did not answer /api/v1/health")


def test_mopac7_table_choropleth_and_coverage(chromium: Any, crime_server: str, shots: Path) -> None:
    context = chromium.new_context(viewport={"width": 1500, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        started = time.monotonic()
        sign_in(page, crime_server)
        page.goto(f"{crime_server}/#/dashboards")
        page.get_by_label("Borough").select_option(HF)
        page.get_by_label("Financial year").select_option("2013/14")
        table = page.get_by_role("table", name=f"MOPAC 7 {HF} 2013/14")
        total = table.locator('tr[data-category="MOPAC 7 total"] td')
        total.nth(1).wait_for()
        assert total.nth(0).inner_text() == "8,844" and total.nth(1).inner_text() == "7,518"
        assert total.nth(2).inner_text() == "−15.0 %"
        assert "On target" in total.nth(3).inner_text()
        assert table.locator("tbody tr").count() == 8  # seven categories and the total

        expect(page.locator("path.dash-lsoa")).to_have_count(113)
        assert "Crimes per LSOA" in page.get_by_label("Map legend").inner_text()
        page.get_by_text("Apr 2012", exact=True).wait_for()  # the monthly chart's first month, in London

        page.get_by_label("Camera coverage of hotspots").check()
        expect(page.locator("path.dash-fov")).to_have_count(2)
        hotspots = page.get_by_role("table", name="Hotspots by crimes out of view")
        expect(hotspots.locator("tbody tr")).to_have_count(10)
        expect(page.locator("path.dash-hotspot")).to_have_count(10)

        href = page.get_by_role("link", name="CSV").get_attribute("href")
        assert href is not None and "/api/v1/crime/report" in href and "format=csv" in href
        report = page.request.get(href)
        assert report.status == 200 and "7518" in report.text()
        page.screenshot(path=str(shots / "dashboards.png"))
        page.locator("section.dash-map-panel").screenshot(path=str(shots / "dashboards-map.png"))
        print(f"dashboard checks took {time.monotonic() - started:.1f} s")
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
