"""Tracking through the real HTTP stack: a GT06 wristband and a Teltonika sting car report over TCP to the
real listeners; the API then serves devices, trails, zones, alerts, camera passes, profiles and hand-offs."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy.orm import Session
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.access.principal import Principal
from citywatch.access.users import UserInput, UserService
from citywatch.api import create_app
from citywatch.api.routes_tracking import sees_sensitive
from citywatch.config import Settings
from citywatch.sim.tracker_clients import Gt06Client, TeltonikaClient
from citywatch.store.models import Camera
from citywatch.tracking.demo import CAMPUS, FULHAM_BROADWAY, seed_demo
from citywatch.tracking.domain import utcnow
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings
from citywatch.wiring import Services, build_services
from tests.api.auth import client, login
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD

WALKER = "864717003283581"  # GT06 wristband of the demo
CAR = "356307042441013"  # the covert sting car (Teltonika)
USER_PASSWORD = "a long enough test password 1"
LAT = CAMPUS[0]
M_PER_DEG_LON = 69_280.0  # at 51.49° N


@dataclass(frozen=True)
class World:
    base_url: str
    services: Services
    walk_start: datetime
    walk_end: datetime
    data_dir: Path


def _walk(start: datetime) -> list[tuple[datetime, float, float]]:
    """From the middle of the campus west along its latitude, 1.4 m/s, a fix every 10 s, to 300 m out."""
    out = []
    lon = CAMPUS[1]
    for i in range(28):
        out.append((start + timedelta(seconds=10 * i), LAT, lon))
        lon -= 14.0 / M_PER_DEG_LON
    return out


async def _report(ports: dict[str, int], walk: list[tuple[datetime, float, float]]) -> None:
    async with Gt06Client("127.0.0.1", ports["gt06"], WALKER) as gt06:
        assert (await gt06.login()).startswith(b"\x78\x78\x05\x01")
        for at, lat, lon in walk:
            assert len(await gt06.location(at, lat, lon, speed_kmh=5.0)) == 10
    async with TeltonikaClient("127.0.0.1", ports["teltonika"], CAR) as car:
        assert await car.login() == b"\x01"
        t0 = walk[0][0]
        parked = (t0, FULHAM_BROADWAY[0], FULHAM_BROADWAY[1], 0.0, {239: 0})
        driven = (t0 + timedelta(seconds=60), FULHAM_BROADWAY[0] + 0.002, FULHAM_BROADWAY[1], 30.0, {239: 1})
        assert await car.records([parked]) == 1
        assert await car.records([driven]) == 1


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("tracking-api")
    settings = Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, admin_mfa_exempt=True, mfa_roles=[])
    services = build_services(settings)
    users = UserService(services.sessions, services.secrets)
    council = users.add_organisation("LBHF control room", "council")
    police = users.add_organisation("Met Police", "police")
    users.add(UserInput("ops1", "Operator One", council.id, "operator", USER_PASSWORD))
    users.add(UserInput("pc1", "PC One", police.id, "police_emergency", USER_PASSWORD))
    with services.sessions.begin() as s:
        # Looks north-east over Fulham Palace Road, 100 m west of the campus edge, from 55 m south of the walk.
        west_lon = CAMPUS[1] - 200 / M_PER_DEG_LON
        s.add(Camera(id=5, name="Fulham Palace Road", rtsp_url="rtsp://127.0.0.1:1/x", latitude=LAT - 0.0005,
                     longitude=west_lon, bearing_deg=0, fov_deg=90, range_m=80, enabled=False, created_us=0,
                     updated_us=0))  # fmt: skip
        s.add(Camera(id=6, name="Craven Cottage", rtsp_url="rtsp://127.0.0.1:1/y", latitude=51.4749,
                     longitude=-0.2217, bearing_deg=300, fov_deg=60, range_m=80, enabled=False, created_us=0,
                     updated_us=0))  # fmt: skip
        s.add(Camera(id=7, name="No geometry", rtsp_url="rtsp://127.0.0.1:1/z", enabled=False, created_us=0,
                     updated_us=0))  # fmt: skip
    with Session(services.engine) as s:
        seed_demo(s)
    start = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    walk = _walk(start)
    listen = TrackingSettings(osmand_port=0, gt06_port=0, watch_port=0, teltonika_port=0, allow_unregistered=False)

    async def feed() -> None:
        async with TrackingRuntime(listen, services.engine) as rt:
            await _report(rt.ports, walk)
        # Leaving the context drains the batch writer: every row and alert is committed.

    asyncio.run(feed())
    try:
        with running(create_app(services)) as url:
            yield World(url, services, start, walk[-1][0], data_dir)
    finally:
        services.close()


@pytest.fixture(scope="module")
def api(world: World) -> Iterator[httpx.Client]:
    with client(world.base_url) as c:
        yield c


def _device(api: httpx.Client, identifier: str) -> dict[str, object]:
    (d,) = [d for d in api.get("/api/v1/devices").json() if d["identifier"] == identifier]
    return dict(d)


def test_every_tracking_route_needs_a_session(world: World) -> None:
    for path in ("/api/v1/devices", "/api/v1/alerts", "/api/v1/zones", "/api/v1/devices/1/positions"):
        assert httpx.get(f"{world.base_url}{path}").status_code == 401, path


def test_devices_with_last_position_status_and_covert_flag(api: httpx.Client, world: World) -> None:
    r = api.get("/api/v1/devices")
    assert r.status_code == 200, r.text
    devices = {d["identifier"]: d for d in r.json()}
    walker, car = devices[WALKER], devices[CAR]
    assert walker["profile"] == "person" and not walker["covert"] and walker["protocol"] == "gt06"
    assert car["profile"] == "vehicle" and car["covert"]  # the administrator sees covert assets
    last = walker["last_position"]
    assert last["fix_time"] == world.walk_end.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert last["latitude"] == pytest.approx(LAT, abs=1e-5)
    assert walker["open_alerts"] >= 1 and walker["status"] in ("reporting", "silent")
    assert devices["8800000015"]["status"] == "never_seen" and devices["8800000015"]["last_position"] is None


def test_trail_by_fix_time(api: httpx.Client, world: World) -> None:
    walker = _device(api, WALKER)
    start = world.walk_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (world.walk_end + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    trail = api.get(f"/api/v1/devices/{walker['id']}/positions", params={"start": start, "end": end}).json()
    assert len(trail) == 28
    assert trail[0]["fix_time"].startswith(start[:-1]) and trail[0]["fix_time"].endswith("Z")
    assert [p["longitude"] for p in trail] == sorted((p["longitude"] for p in trail), reverse=True)  # westwards
    assert trail[0]["speed_kmh"] == pytest.approx(5.0, abs=1)
    part = api.get(f"/api/v1/devices/{walker['id']}/positions", params={"start": start, "end": start}).json()
    assert "before end" in part["detail"]
    bad = api.get(f"/api/v1/devices/{walker['id']}/positions", params={"start": "yesterday"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["detail"]
    assert api.get("/api/v1/devices/999/positions").status_code == 404


def test_zones(api: httpx.Client) -> None:
    zones = {z["name"]: z for z in api.get("/api/v1/zones").json()}
    assert zones["Charing Cross Hospital campus"]["tier"] == "campus"
    assert zones["Claybrook Centre"]["schedule"]["tz"] == "Europe/London"
    assert zones["Claybrook Centre"]["geometry"]["type"] == "Polygon"


def test_alerts_left_zone_and_sting_then_acknowledge(api: httpx.Client) -> None:
    alerts = api.get("/api/v1/alerts").json()
    kinds = {(a["device_name"], a["kind"]) for a in alerts}
    assert ("Walker A (GT06 wristband)", "left_zone") in kinds
    assert ("Sting car FB-1", "sting_moved") in kinds and ("Sting car FB-1", "sting_ignition") in kinds
    assert [a["priority"] for a in alerts] == sorted(a["priority"] for a in alerts)  # most urgent first
    left = next(a for a in alerts if a["kind"] == "left_zone" and "campus" in a["message"])
    assert left["priority"] == 1 and left["state"] == "new" and left["raised"].endswith("Z")
    assert left["longitude"] < CAMPUS[1]
    ack = api.post(f"/api/v1/alerts/{left['id']}/acknowledge", json={"note": "CCTV operator on it"})
    assert ack.status_code == 200, ack.text
    body = ack.json()
    assert body["state"] == "acknowledged" and body["notes"][-1]["by"] == "admin"
    assert body["notes"][-1]["text"] == "CCTV operator on it" and body["notes"][-1]["at"].endswith("Z")
    again = api.post(f"/api/v1/alerts/{left['id']}/acknowledge")
    assert again.status_code == 409 and "acknowledged" in again.json()["detail"]
    assert api.post("/api/v1/alerts/99999/acknowledge").status_code == 404


def test_camera_passes_of_the_trail_and_of_the_alert(api: httpx.Client, world: World) -> None:
    walker = _device(api, WALKER)
    params = {
        "start": world.walk_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (world.walk_end + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    passes = api.get(f"/api/v1/devices/{walker['id']}/camera-passes", params=params).json()
    assert [p["camera_id"] for p in passes] == [5]  # not Craven Cottage, not the camera with no geometry
    (p,) = passes
    start, end = (datetime.fromisoformat(p[k].replace("Z", "+00:00")) for k in ("start", "end"))
    # The view spans 55.6 m either side of the camera at 55.6 m north of it; the walker passes at 1.4 m/s,
    # the camera's x is 200 m west of the start: in view from ~103 s to ~183 s.
    assert abs((start - world.walk_start).total_seconds() - 103) < 3
    assert abs((end - world.walk_start).total_seconds() - 183) < 3
    assert p["camera_name"] == "Fulham Palace Road" and p["closest_m"] == pytest.approx(55.6, abs=1)
    route, t = p["link"].split("?t=")
    assert route == "#/camera/5"
    assert (start - datetime.fromisoformat(unquote(t).replace("Z", "+00:00"))).total_seconds() == 5
    left = next(a for a in api.get("/api/v1/alerts").json() if a["kind"] == "left_zone")
    by_alert = api.get(f"/api/v1/alerts/{left['id']}/camera-passes").json()
    assert [x["camera_id"] for x in by_alert] == [5]


def test_missing_person_profile_round_trip(api: httpx.Client, world: World) -> None:
    walker = _device(api, WALKER)
    url = f"/api/v1/devices/{walker['id']}/profile"
    assert api.get(url).status_code == 404
    form = {
        "preferred_name": "Peggy",
        "description": "5 ft 2, slight build, white hair, usually a red coat",
        "photo_ref": "evidence:photo-2026-11-01",
        "conditions": "Alzheimer's disease",
        "medication": "donepezil 10 mg at night",
        "routines": "walks to the river most afternoons",
        "places": [{"name": "Former home, Lillie Road", "latitude": 51.4830, "longitude": -0.2140}],
        "contacts": [{"name": "Jane Doe", "relationship": "daughter", "phone": "07700 900123"}],
    }
    put = api.put(url, json=form)
    assert put.status_code == 200, put.text
    got = api.get(url).json()
    assert got["preferred_name"] == "Peggy" and got["places"][0]["latitude"] == 51.4830
    assert got["contacts"][0]["relationship"] == "daughter" and got["updated_by"] == "admin"
    assert got["updated"].endswith("Z")
    # Stored encrypted: the name is nowhere in the file.
    (stored,) = (world.data_dir / "tracking" / "profiles").iterdir()
    assert b"Peggy" not in stored.read_bytes()
    half = api.put(url, json={"places": [{"name": "Church", "latitude": 51.48}]})
    assert half.status_code == 422 and "both latitude and longitude" in half.json()["detail"]
    car = _device(api, "356307042441013")
    assert api.put(f"/api/v1/devices/{car['id']}/profile", json=form).status_code == 422


def test_share_with_police_gives_an_expiring_read_only_view(api: httpx.Client) -> None:
    left = next(a for a in api.get("/api/v1/alerts").json() if a["kind"] == "left_zone")
    r = api.post(f"/api/v1/alerts/{left['id']}/share", json={"ttl_h": 2})
    assert r.status_code == 201, r.text
    share = r.json()
    assert share["url"].startswith("#/tracking/shared/") and share["expires"].endswith("Z")
    view = api.get(share["api_url"])
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["alert"]["id"] == left["id"] and body["device"]["identifier"] == WALKER
    assert len(body["trail"]) == 28 and [p["camera_id"] for p in body["camera_passes"]] == [5]
    assert body["issued_by"] == "admin"
    notes = next(a for a in api.get("/api/v1/alerts").json() if a["id"] == left["id"])["notes"]
    assert notes[-1]["action"] == "shared"
    token = share["token"]
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    assert api.get(f"/api/v1/shared/tracking/{forged}").status_code == 404
    assert api.post(f"/api/v1/alerts/{left['id']}/share", json={"ttl_h": 500}).status_code == 422


def test_covert_assets_and_profiles_only_for_police_and_tracking_managers() -> None:
    def who(role: str) -> Principal:
        return Principal(username=f"user-{role}", role=role, organisation="LBHF")

    assert sees_sensitive(who("admin"))
    assert sees_sensitive(who("police_emergency")) and sees_sensitive(who("police_investigator"))
    assert not sees_sensitive(who("operator")) and not sees_sensitive(who("partner_security"))


def _signed_in(world: World, username: str) -> httpx.Client:
    r = httpx.post(f"{world.base_url}/api/v1/auth/login", json={"username": username, "password": USER_PASSWORD})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=world.base_url, headers={"Authorization": f"Bearer {r.json()['token']}"})


def test_an_operator_sees_patients_but_not_sting_assets_or_profiles(world: World, api: httpx.Client) -> None:
    car, walker = _device(api, CAR), _device(api, WALKER)
    with _signed_in(world, "ops1") as ops:
        identifiers = {d["identifier"] for d in ops.get("/api/v1/devices").json()}
        assert WALKER in identifiers and CAR not in identifiers
        assert {a["device_name"] for a in ops.get("/api/v1/alerts").json()} == {"Walker A (GT06 wristband)"}
        assert ops.get(f"/api/v1/devices/{car['id']}/positions").status_code == 404
        denied = ops.get(f"/api/v1/devices/{walker['id']}/profile")
        assert denied.status_code == 403 and "police roles" in denied.json()["detail"]
        assert ops.put(f"/api/v1/devices/{walker['id']}/profile", json={}).status_code == 403
    with _signed_in(world, "pc1") as pc:
        assert CAR in {d["identifier"] for d in pc.get("/api/v1/devices").json()}
        assert pc.get(f"/api/v1/devices/{walker['id']}/profile").status_code in (200, 404)
    entries = AuditLog(world.services.sessions).search(AuditFilter(action="tracking.profile.view"))
    assert {e.username for e in entries} >= {"pc1"}


def test_assign_escalate_and_close_an_alert(api: httpx.Client, world: World) -> None:
    alerts = api.get("/api/v1/alerts").json()
    ignition = next(a for a in alerts if a["kind"] == "sting_ignition")
    path = f"/api/v1/alerts/{ignition['id']}"
    with _signed_in(world, "ops1") as ops:  # a covert asset's alert does not exist for an operator
        assert ops.post(f"{path}/assign", json={"to": "ops1"}).status_code == 404
    r = api.post(f"{path}/assign", json={"to": "Night team", "note": "Fulham Broadway"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "assigned" and r.json()["assigned_to"] == "Night team"
    r = api.post(f"{path}/escalate", json={"reason": "passed to police, CAD 4411"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "escalated" and r.json()["priority"] == 1  # already the most urgent
    assert api.post(f"{path}/close", json={"outcome": ""}).status_code == 422
    r = api.post(f"{path}/close", json={"outcome": "car recovered, two arrested"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "closed" and body["outcome"] == "car recovered, two arrested"
    assert [n["action"] for n in body["notes"]] == ["assigned", "escalated", "closed"]
    again = api.post(f"{path}/escalate", json={"reason": "again"})
    assert again.status_code == 409 and "closed" in again.json()["detail"]
    audit = AuditLog(world.services.sessions)
    for action in ("tracking.alert.assign", "tracking.alert.escalate", "tracking.alert.close"):
        (entry,) = audit.search(AuditFilter(action=action))
        assert entry.username == "admin" and entry.detail["alert_id"] == ignition["id"]


def test_new_alerts_are_pushed_over_the_websocket_covert_ones_only_to_those_allowed(world: World) -> None:
    url = world.base_url.replace("http://", "ws://") + "/api/v1/alerts/ws"
    admin_token = login(world.base_url)
    r = httpx.post(f"{world.base_url}/api/v1/auth/login", json={"username": "ops1", "password": USER_PASSWORD})
    ops_token = r.json()["token"]
    listen = TrackingSettings(osmand_port=0, gt06_port=0, watch_port=0, teltonika_port=0, allow_unregistered=False)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with (
            connect(url, additional_headers={"Authorization": f"Bearer {admin_token}"}) as admin,
            connect(url, additional_headers={"Authorization": f"Bearer {ops_token}"}) as ops,
        ):
            assert json.loads(await admin.recv()) == {"type": "ready"}
            assert json.loads(await ops.recv()) == {"type": "ready"}
            async with TrackingRuntime(listen, world.services.engine) as rt:
                async with TeltonikaClient("127.0.0.1", rt.ports["teltonika"], CAR) as car:
                    await car.login()
                    t = utcnow().replace(microsecond=0)
                    off = (t - timedelta(seconds=2), FULHAM_BROADWAY[0], FULHAM_BROADWAY[1], 0.0, {239: 0})
                    on = (t, FULHAM_BROADWAY[0], FULHAM_BROADWAY[1], 0.0, {239: 1})
                    assert await car.records([off]) == 1 and await car.records([on]) == 1
                async with Gt06Client("127.0.0.1", rt.ports["gt06"], WALKER) as gt06:
                    await gt06.login()
                    await gt06.alarm(utcnow(), LAT, CAMPUS[1] - 0.004, alarm=0x01)
            return await _received(admin), await _received(ops)

    got_admin, got_ops = asyncio.run(scenario())
    assert all(m["type"] == "alert" for m in got_admin + got_ops)
    assert {"sting_ignition", "sos"} <= {m["alert"]["kind"] for m in got_admin}
    assert "sos" in {m["alert"]["kind"] for m in got_ops}
    assert not any(m["alert"]["covert"] for m in got_ops)  # the sting car's alert never reaches the operator
    entries = AuditLog(world.services.sessions).search(AuditFilter(action="tracking.alert.stream"))
    assert {e.username for e in entries} >= {"admin", "ops1"}
    with pytest.raises(InvalidStatus):
        asyncio.run(_connect_anonymously(url))


async def _received(ws: ClientConnection, quiet_s: float = 2.5) -> list[dict[str, Any]]:
    """Messages until none has come for ``quiet_s`` (alerts reach the socket within ~1.1 s of being stored)."""
    out = []
    with contextlib.suppress(TimeoutError):
        while True:
            out.append(json.loads(await asyncio.wait_for(ws.recv(), quiet_s)))
    return out


async def _connect_anonymously(url: str) -> None:
    async with connect(url) as ws:
        await ws.recv()
