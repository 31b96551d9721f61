"""Demo beat 4 end to end: a sting car parked near Fulham Broadway is driven off; its Teltonika tracker reports
over TCP; within seconds the nearest ONVIF PTZ camera faces it (read back with GetStatus through the API), its
footage and that of a fixed camera over the spot are held, and every step is in the audit log as the system."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.ptz.callup import CameraPlacement, aim_at
from citywatch.sim.onvif import start_onvif_device
from citywatch.sim.tracker_clients import TeltonikaClient
from citywatch.store.models import Hold
from citywatch.timeutil import now_us
from citywatch.tracking.demo import FULHAM_BROADWAY, seed_demo
from citywatch.tracking.domain import utcnow
from citywatch.tracking.models import AlertRow
from citywatch.tracking.response import SYSTEM_USERNAME
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings
from citywatch.video.cameras import CameraInput
from citywatch.wiring import build_services
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD

CAR = "356307042441013"  # the demo's covert sting car (Teltonika)
CAM_PASSWORD = "cam-secret-1"
M_PER_DEG_LAT = 111_200.0
M_PER_DEG_LON = 69_280.0


def _wait_for(what: str, check: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


async def _drive_off(port: int) -> None:
    async with TeltonikaClient("127.0.0.1", port, CAR) as car:
        assert await car.login() == b"\x01"
        t0 = utcnow().replace(microsecond=0) - timedelta(seconds=60)
        parked = (t0, FULHAM_BROADWAY[0], FULHAM_BROADWAY[1], 0.0, {239: 0})
        driven = (t0 + timedelta(seconds=30), FULHAM_BROADWAY[0] + 120 / M_PER_DEG_LAT, FULHAM_BROADWAY[1], 30.0, {})
        assert await car.records([parked]) == 1
        assert await car.records([driven]) == 1


def test_a_sting_car_driven_off_swings_the_nearest_ptz_camera_and_holds_footage(tmp_path: Path) -> None:
    camera = start_onvif_device(username="onvif", password=CAM_PASSWORD)
    settings = Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD, admin_mfa_exempt=True, mfa_roles=[])
    services = build_services(settings)
    try:
        # A PTZ camera 150 m east of where the car is parked (pan 0 looks north); a fixed one south, looking north.
        ptz_lat, ptz_lon = FULHAM_BROADWAY[0], FULHAM_BROADWAY[1] + 150 / M_PER_DEG_LON
        ptz = services.cameras.add(CameraInput(
            name="Fulham Broadway PTZ", rtsp_url=camera.rtsp_url, username="onvif", password=CAM_PASSWORD,
            onvif_url=camera.url, latitude=ptz_lat, longitude=ptz_lon, bearing_deg=0.0, fov_deg=60.0,
            range_m=300.0, ptz=True))  # fmt: skip
        fixed = services.cameras.add(CameraInput(
            name="Fulham Broadway north", rtsp_url="rtsp://127.0.0.1:1/fixed", latitude=FULHAM_BROADWAY[0]
            - 40 / M_PER_DEG_LAT, longitude=FULHAM_BROADWAY[1], bearing_deg=0.0, fov_deg=60.0, range_m=250.0,
            enabled=True))  # fmt: skip
        with Session(services.engine) as s:
            seed_demo(s)
            s.commit()
        listen = TrackingSettings(osmand_port=0, gt06_port=0, watch_port=0, teltonika_port=0)
        with running(create_app(services)) as url:
            started_us = now_us()

            async def feed() -> None:
                async with TrackingRuntime(listen, services.engine) as rt:
                    await _drive_off(rt.ports["teltonika"])

            asyncio.run(feed())

            def sting_alert() -> AlertRow | None:
                with services.sessions() as s:
                    return s.scalar(select(AlertRow).where(AlertRow.kind == "sting_moved"))

            _wait_for("the sting alert", lambda: sting_alert() is not None)
            alert = sting_alert()
            assert alert is not None and alert.latitude is not None and alert.longitude is not None
            optics = CameraPlacement(ptz.id, ptz.name, ptz_lat, ptz_lon, 0.0, 300.0)
            expected = aim_at(optics, alert.latitude, alert.longitude)
            assert expected.bearing_deg == pytest.approx(305, abs=5)  # north-west of the camera

            r = httpx.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['token']}"}
            with httpx.Client(base_url=url, headers=headers, timeout=30) as api:

                def pan() -> float:
                    position = api.get(f"/api/v1/cameras/{ptz.id}/ptz").json()["position"]  # ONVIF GetStatus
                    return float(position["pan"]) if position else 9.0

                _wait_for("the PTZ camera to face the car", lambda: abs(pan() - expected.position.pan) < 0.01)
                control = api.get(f"/api/v1/cameras/{ptz.id}/ptz").json()["control"]
                assert control is None or (control["holder"], control["priority"]) == ("Alarm call-up", 75)

            def holds() -> list[Hold]:
                with services.sessions() as s:
                    return list(s.scalars(select(Hold).where(Hold.reference == f"tracking-alert-{alert.id}")))

            _wait_for("the holds", lambda: len(holds()) == 2)
            now = now_us()
            assert sorted(h.camera_id for h in holds()) == sorted([ptz.id, fixed.id])
            assert all(h.start_us < started_us and h.end_us > now + 1_700_000_000 for h in holds())
            audit = AuditLog(services.sessions)
            actions = [e.action for e in audit.search(AuditFilter(username=SYSTEM_USERNAME))]
            assert "ptz.absolute" in actions
            assert actions.count("hold.place") >= 2
            assert "tracking.alert.response" in actions
    finally:
        services.close()
        camera.close()
