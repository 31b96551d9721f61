"""The partners API through a real server on 127.0.0.1: sign-in, register, export, invoices, requests, forecast."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.demo import DEMO_CAMERAS
from citywatch.partners.demo import PLANS, seed_partners
from citywatch.partners.service import PartnersService
from citywatch.timeutil import now_us
from citywatch.wiring import Services, build_services
from tests.api.server import running
from tests.conftest import require_tool
from tests.database import installation_database
from tests.partners.conftest import ADMIN_PASSWORD, HOUR, Rows


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    services = build_services(
        Settings(
            data_dir=Path(tmp_path_factory.mktemp("partners-api")),
            admin_password=ADMIN_PASSWORD,
            database_url=installation_database(),
        )
    )
    rows = Rows(services)
    for demo_cam in DEMO_CAMERAS:
        rows.camera(demo_cam.name, None, demo_cam.latitude, demo_cam.longitude)
    first = seed_partners(services.sessions)
    again = seed_partners(services.sessions)
    assert first.plans == len(PLANS) and again.plans == 0 and again.prospects == 0 and again.footage_requests == 0
    assert set(first.partners) == set(again.partners) and first.registered == len(DEMO_CAMERAS)
    westfield = first.partners["Westfield London"]
    cam = PartnersService(services.sessions).directory.camera_ids(westfield)[0]
    start = now_us() - 48 * HOUR
    rows.recordings(cam, start, start + 24 * HOUR, HOUR, 5_000_000)
    yield services
    services.close()


@pytest.fixture(scope="module")
def base_url(seeded: Services) -> Iterator[str]:
    with running(create_app(seeded)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    r = httpx.post(f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=60) as c:
        yield c


def test_everything_needs_a_session_even_the_transparency_export(base_url: str) -> None:
    for path in (
        "/api/v1/transparency/cameras.geojson",
        "/api/v1/transparency/cameras.csv",
        "/api/v1/partners",
        "/api/v1/register",
        "/api/v1/forecast",
        "/api/v1/footage-requests",
        "/api/v1/plans",
    ):
        assert httpx.get(f"{base_url}{path}").status_code == 401, path


def test_partners_plans_and_the_portal(api: httpx.Client) -> None:
    partners = {p["name"]: p for p in api.get("/api/v1/partners").json()}
    assert {"Westfield London", "Queens Park Rangers FC", "Fulham FC", "Imperial College Healthcare NHS Trust"} <= set(
        partners
    )
    westfield = partners["Westfield London"]
    assert westfield["cameras"] == 1 and westfield["contracts"][0]["plan_code"] == "monitored"
    assert westfield["contacts"][0]["role"] == "security" and westfield["sites"][0]["name"] == "Westfield London"
    plans = {p["code"]: p for p in api.get("/api/v1/plans").json()}
    assert plans["monitored"]["monitoring_per_camera_hour_p"] == 42 and plans["nhs-nominal"]["tier"] == "nominal"
    month = f"{date.today():%Y-%m}"
    portal = api.get(f"/api/v1/partners/{westfield['id']}/portal", params={"month": month}).json()
    assert portal["usage"][0]["recorded_hours"] >= 0 and portal["availability"][0]["sla_uptime_pct"] == 99.5
    readings = api.get(f"/api/v1/partners/{westfield['id']}/meter-readings", params={"month": month}).json()
    assert {r["meter"] for r in readings} == {"contracted", "connected", "recorded", "wall", "storage", "ptz"}
    assert all(r["start"].endswith("Z") for r in readings)
    bad = api.put("/api/v1/plans/broken", json={"name": "x", "tier": "gold"})
    assert bad.status_code == 422 and "tier must be one of" in bad.json()["detail"]
    assert api.get("/api/v1/partners/9999").status_code == 404


def test_register_and_transparency_export(api: httpx.Client) -> None:
    entries = api.get("/api/v1/register").json()
    broadway = next(e for e in entries if e["name"] == "Hammersmith Broadway PTZ")
    assert broadway["funding_source"] == "section_106" and broadway["s106_obligation_no"] == "12"
    changed = api.put(f"/api/v1/register/{broadway['camera_id']}", json={"review_due_on": "2027-03-31"})
    assert changed.status_code == 200 and changed.json()["review_overdue"] is False
    covert = next(e for e in entries if e["name"] == "Claybrook Centre entrance")
    assert api.put(f"/api/v1/register/{covert['camera_id']}", json={"police_only": True}).status_code == 200
    geo = api.get("/api/v1/transparency/cameras.geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    names = {f["properties"]["name"] for f in geo.json()["features"]}
    assert "Hammersmith Broadway PTZ" in names and "Claybrook Centre entrance" not in names
    text = api.get("/api/v1/transparency/cameras.csv").text
    assert "rtsp" not in text and "rtsp" not in geo.text and "Claybrook" not in text
    assert api.put(f"/api/v1/register/{covert['camera_id']}", json={"or_level": "zoom"}).status_code == 422


def test_invoices_in_every_format(api: httpx.Client) -> None:
    require_tool("chromium")
    westfield = next(p for p in api.get("/api/v1/partners").json() if p["name"] == "Westfield London")
    month = f"{date.today():%Y-%m}"
    url = f"/api/v1/partners/{westfield['id']}/invoices/{month}"
    inv = api.get(url).json()
    assert inv["net_p"] == sum(line["amount_p"] for line in inv["lines"])
    assert inv["total_p"] == inv["net_p"] + inv["vat_p"]
    html = api.get(url, params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html") and inv["number"] in html.text
    table = list(csv.DictReader(io.StringIO(api.get(url, params={"format": "csv"}).text)))
    assert int(next(r for r in table if r["code"] == "total")["amount_p"]) == inv["total_p"]
    pdf = api.get(url, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    everyone = api.get("/api/v1/invoices", params={"month": month}).json()
    assert {i["organisation"] for i in everyone} >= {"Westfield London", "Fulham FC"}
    finance = api.get("/api/v1/invoices", params={"month": month, "format": "csv"})
    assert finance.headers["content-disposition"].endswith(f'invoices-{month}.csv"')
    assert api.get(url.replace(month, "2026-13")).status_code == 422


def test_footage_requests_workflow(api: httpx.Client) -> None:
    listed = api.get("/api/v1/footage-requests").json()
    assert {r["requester_kind"] for r in listed} == {"subject_access", "solicitor", "insurer", "police"}
    sar = next(r for r in listed if r["requester_kind"] == "subject_access")
    assert sar["overdue"] is True and sar["search_fee_p"] == 0
    body = {
        "requester_kind": "insurer",
        "requester_name": "Direct Line",
        "latitude": 51.4920,
        "longitude": -0.2236,
        "radius_m": 100,
        "start": "2026-11-20T21:00:00Z",
        "end": "2026-11-20T21:30:00Z",
    }
    created = api.post("/api/v1/footage-requests", json=body)
    assert created.status_code == 201 and created.json()["search_fee_p"] == 44_000
    rid = created.json()["id"]
    detail = api.get(f"/api/v1/footage-requests/{rid}").json()
    assert [c["name"] for c in detail["cameras"]] == ["Hammersmith Broadway PTZ"]
    assert api.post(f"/api/v1/footage-requests/{rid}/extend", json={"months": 1, "reason": "x"}).status_code == 422
    done = api.post(f"/api/v1/footage-requests/{rid}/fulfil", json={})  # nothing recorded then: nothing to export
    assert done.status_code == 200 and done.json()["status"] == "fulfilled" and done.json()["closed"].endswith("Z")
    assert done.json()["footage_found"] is False and done.json()["supply_fee_p"] == 0


def test_forecast_against_the_target(api: httpx.Client) -> None:
    f = api.get("/api/v1/forecast").json()
    assert f["target_p"] == 1_200_000_000 and len(f["scenarios"]) == 3
    expected = f["scenarios"][1]
    assert len(expected["years"]) == 5 and expected["total_p"] == expected["years"][-1]["cumulative_p"]
    assert expected["gap_p"] == f["target_p"] - expected["total_p"]
    assert {s["kind"] for s in f["streams"]} == {"contract", "prospect"}
    small = api.get("/api/v1/forecast", params={"target_p": 100}).json()
    assert all(s["meets_target"] for s in small["scenarios"])
    report = api.get("/api/v1/forecast", params={"format": "csv"}).text
    assert report.splitlines()[0].startswith("scenario,year")


def test_a_partner_user_sees_only_their_own_organisation(seeded: Services, base_url: str) -> None:
    from citywatch.access.users import UserInput, UserService

    users = UserService(seeded.sessions, seeded.secrets)
    orgs = {p.name: p.id for p in PartnersService(seeded.sessions).directory.partners()}
    users.add(
        UserInput(
            "wf.security",
            "Westfield security",
            orgs["Westfield London"],
            "partner_security",
            password="a long enough password 42",
        )
    )
    r = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"username": "wf.security", "password": "a long enough password 42"}
    )
    assert r.status_code == 200, r.text
    month = f"{date.today():%Y-%m}"
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=60) as c:
        own = c.get(f"/api/v1/partners/{orgs['Westfield London']}/portal", params={"month": month})
        assert own.status_code == 200 and own.json()["partner"]["name"] == "Westfield London"
        assert c.get(f"/api/v1/partners/{orgs['Westfield London']}/invoices/{month}").status_code == 200
        for path in (
            f"/api/v1/partners/{orgs['Fulham FC']}/portal?month={month}",
            f"/api/v1/partners/{orgs['Fulham FC']}/invoices/{month}",
            "/api/v1/partners",
            "/api/v1/forecast",
            "/api/v1/footage-requests",
            f"/api/v1/invoices?month={month}",
        ):
            assert c.get(path).status_code == 403, path
        visible = {e["name"] for e in c.get("/api/v1/register").json()}
        assert "Hammersmith Broadway PTZ" not in visible
        assert c.put("/api/v1/plans/monitored", json={"name": "cheap", "tier": "monitored"}).status_code == 403
