"""The tracking screen in Chromium: a GT06 wristband reports over TCP to the real listeners, writing to the
served installation's database; its wearer leaves a safe zone and walks into a camera's view. The control room
sees the device and the alert, one click on the camera pass opens that camera at the moment of the pass, and
the police hand-off link opens a read-only view of the trail."""

from __future__ import annotations

import asyncio
import math
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from citywatch.sim.tracker_clients import Gt06Client
from citywatch.store.db import make_engine
from citywatch.tracking import services
from citywatch.tracking.domain import utcnow
from citywatch.tracking.geo import Projection
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings
from tests.web.stack import PLACES, Stack

pytestmark = pytest.mark.slow

IMEI = "864717009999991"
NAME = "Walker W (browser test)"


def _walk_into_view(stack: Stack) -> int:
    """Register the wristband and a safe zone 180 m in front of the first camera, then walk from the zone's
    centre towards the camera at 3 m/s, a fix every 2 s, ending now. Returns the camera id."""
    name, cam_lat, cam_lon, bearing = PLACES[0]
    proj = Projection(cam_lat, cam_lon)
    b = math.radians(bearing)

    def ahead(d_m: float) -> tuple[float, float]:
        return proj.latlon(d_m * math.sin(b), d_m * math.cos(b))

    engine = make_engine(f"sqlite:///{stack.data_dir / 'data' / 'citywatch.db'}")
    try:
        with Session(engine) as s:
            device = services.register_device(s, IMEI, "gt06", NAME, expected_interval_s=10)
            lat, lon = ahead(180)
            geometry = {"type": "Point", "coordinates": [lon, lat]}
            services.create_zone(s, "Browser-test garden", "campus", geometry, radius_m=50, device_id=device.id)
        now = utcnow().replace(microsecond=0)
        fixes = [(now - timedelta(seconds=2 * (59 - i)), *ahead(180 - 6 * i)) for i in range(60)]
        listen = TrackingSettings(osmand_port=0, gt06_port=0, watch_port=0, teltonika_port=0, allow_unregistered=False)

        async def report() -> None:
            async with TrackingRuntime(listen, engine) as rt, Gt06Client("127.0.0.1", rt.ports["gt06"], IMEI) as gt06:
                await gt06.login()
                for at, la, lo in fixes:
                    await gt06.location(at, la, lo, speed_kmh=10.8)

        # Playwright's sync API owns this thread's event loop; the listeners get a thread of their own.
        # Leaving the runtime commits the trail and the alert.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, report()).result(timeout=60)
    finally:
        engine.dispose()
    (camera,) = [c for c in stack.cameras() if c["name"] == name]
    return int(camera["id"])


def test_tracking_screen_shows_the_alert_and_links_to_footage_of_the_pass(page: Any, stack: Stack, shots: Any) -> None:
    page.goto(f"{stack.base_url}/#/tracking")
    page.locator('[data-live="push"]').wait_for()  # the live-alert WebSocket is up
    # From here the polled alert list answers "none": the alert can only arrive by being pushed.
    polled_alerts = re.compile(r"/api/v1/alerts(\?.*)?$")
    page.route(polled_alerts, lambda route: route.fulfill(status=200, content_type="application/json", body="[]"))
    camera_id = _walk_into_view(stack)
    alerts = page.get_by_role("list", name="Tracking alerts")
    alert = alerts.locator("li", has_text=NAME).filter(has_text="Left safe zone")
    alert.wait_for()
    page.unroute(polled_alerts)
    devices = page.get_by_role("list", name="Tracked devices")
    devices.get_by_role("button", name=re.compile(re.escape(NAME))).wait_for()
    assert "P1" in alert.inner_text()
    alert.get_by_role("button", name=re.compile("Left safe zone")).click()
    link = page.get_by_role("list", name="Camera passes").get_by_role("link", name=re.compile(PLACES[0][0]))
    link.wait_for()
    page.locator(".trk-trail").wait_for()  # the trail is drawn on the map
    page.screenshot(path=str(shots / "tracking.png"))
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"#/camera/{camera_id}?t=")
    alert.get_by_role("button", name="Share with police").click()
    shared = page.get_by_label("Hand-off link").input_value()
    assert "#/tracking/shared/" in shared
    link.click()
    page.wait_for_url(re.compile(rf"#/camera/{camera_id}\?t="))
    assert page.get_by_role("combobox", name="Camera", exact=True).input_value() == str(camera_id)
    page.locator(f'.tile[data-camera-id="{camera_id}"][data-mode="playback"]').wait_for()  # footage, not live
    # The police hand-off link opens a read-only view of the same trail and passes.
    page.goto(shared)
    page.get_by_role("region", name="Police hand-off (read-only)").wait_for()
    page.get_by_role("list", name="Camera passes").get_by_role("link", name=re.compile(PLACES[0][0])).wait_for()
    assert page.get_by_role("button", name="Acknowledge").count() == 0
