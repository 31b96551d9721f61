"""Sign-in, CSRF, cameras, timeline, alarms and holds through the real HTTP stack."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from citywatch.api import create_app
from citywatch.store.models import Alarm
from citywatch.timeutil import iso, now_us
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD, T0, Recorded


@pytest.fixture(scope="module")
def base_url(recorded: Recorded) -> Iterator[str]:
    with recorded.services.sessions.begin() as s:
        s.add(Alarm(kind="camera_offline", camera_id=1, raised_us=T0, message="camera 1 unreachable"))
    with running(create_app(recorded.services)) as url:
        yield url


def _login(base_url: str) -> httpx.Response:
    return httpx.post(f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})


def test_everything_but_health_and_login_needs_a_session(base_url: str) -> None:
    health = httpx.get(f"{base_url}/api/v1/health")
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "version": "0.1.0",
        "signin_notice": "",
        "oidc_label": None,
        "stale_nodes": 0,
    }
    for path in (
        "/api/v1/cameras",
        "/api/v1/cameras/1/timeline?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z",
        "/api/v1/recordings/1/media",
        "/api/v1/alarms",
        "/api/v1/holds",
        "/api/v1/auth/me",
    ):
        r = httpx.get(f"{base_url}{path}")
        assert r.status_code == 401, path
        assert "sign in" in r.json()["detail"]
    bad = httpx.get(f"{base_url}/api/v1/cameras", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    wrong = httpx.post(f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": "guess"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong username or password"


def test_login_gives_token_csrf_and_a_strict_cookie(base_url: str) -> None:
    r = _login(base_url)
    body = r.json()
    assert set(body) == {"token", "csrf_token", "user", "expires_at"}
    user = body["user"]
    assert (user["username"], user["role"], user["organisation"]) == ("admin", "admin", "Council CCTV control room")
    assert user["mfa_enrolment_required"] is False and "audit.view" in user["rights"]
    assert body["expires_at"].endswith("Z")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("cw_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" in cookie
    me = httpx.get(f"{base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["username"] == "admin"
    # Cookie-authenticated: reads pass, changes need the CSRF header.
    jar = {"Cookie": f"cw_session={body['token']}"}
    assert httpx.get(f"{base_url}/api/v1/holds", headers=jar).status_code == 200
    hold = {"camera_id": 1, "start": iso(T0), "end": iso(T0 + 60_000_000), "reason": "incident 42"}
    refused = httpx.post(f"{base_url}/api/v1/holds", headers=jar, json=hold)
    assert refused.status_code == 401 and "X-CSRF-Token" in refused.json()["detail"]
    ok = httpx.post(f"{base_url}/api/v1/holds", headers={**jar, "X-CSRF-Token": body["csrf_token"]}, json=hold)
    assert ok.status_code == 201
    out = httpx.post(f"{base_url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {body['token']}"})
    assert out.status_code == 204
    assert (
        httpx.get(f"{base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 401
    )


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    token = _login(base_url).json()["token"]
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def test_timeline_merges_files_into_spans_and_lists_gaps(api: httpx.Client, recorded: Recorded) -> None:
    day = 86_400_000_000
    r = api.get("/api/v1/cameras/1/timeline", params={"start": iso(T0 - day), "end": iso(T0 + day)})
    assert r.status_code == 200
    body = r.json()
    assert body["camera_id"] == 1 and body["start"] == iso(T0 - day)
    assert body["spans"] == [
        {"start": iso(recorded.run1_start_us), "end": iso(recorded.run1_end_us), "node": "local", "available": True},
        {"start": iso(recorded.run2_start_us), "end": iso(recorded.run2_end_us), "node": "local", "available": True},
    ]
    assert body["gaps"] == [
        {
            "start": iso(recorded.run1_end_us),
            "end": iso(recorded.run2_start_us),
            "reason": "camera_offline",
            "detail": "connection reset by camera",
        },
        {"start": iso(recorded.run2_end_us), "end": None, "reason": "recorder_stopped", "detail": "recorder stopped"},
    ]
    # Clipped to the range asked for; a month-long range is accepted.
    part = api.get(
        "/api/v1/cameras/1/timeline",
        params={"start": iso(recorded.run1_start_us + 5_000_000), "end": iso(recorded.run1_start_us + 6_000_000)},
    )
    assert part.json()["spans"] == [
        {
            "start": iso(recorded.run1_start_us + 5_000_000),
            "end": iso(recorded.run1_start_us + 6_000_000),
            "node": "local",
            "available": True,
        }
    ]
    month = api.get("/api/v1/cameras/1/timeline", params={"start": iso(T0 - 30 * day), "end": iso(T0 + day)})
    assert month.status_code == 200 and len(month.json()["spans"]) == 2
    reversed_ = api.get("/api/v1/cameras/1/timeline", params={"start": iso(T0), "end": iso(T0 - day)})
    assert reversed_.status_code == 400


def test_cameras_crud_keeps_the_agreed_shape(api: httpx.Client) -> None:
    listed = api.get("/api/v1/cameras").json()
    assert [c["id"] for c in listed] == [1]
    assert set(listed[0]) == {
        "id",
        "name",
        "rtsp_url",
        "onvif_url",
        "latitude",
        "longitude",
        "bearing_deg",
        "fov_deg",
        "range_m",
        "ptz",
        "enabled",
        "retention_days",
        "motion",
        "motion_min_area",
        "status",
        "organisation_id",
        "rights",
    }
    assert listed[0]["motion"] is True and listed[0]["motion_min_area"] is None
    new = {
        "name": "High St north",
        "rtsp_url": "rtsp://127.0.0.1:8554/cam/2",
        "username": "viewer",
        "password": "s3cret",
        "latitude": 51.5,
        "longitude": -0.12,
        "bearing_deg": 90.0,
        "enabled": False,
    }
    created = api.post("/api/v1/cameras", json=new)
    assert created.status_code == 201, created.text
    cam = created.json()
    assert "s3cret" not in created.text and "viewer" not in cam["rtsp_url"]
    assert cam["status"] is None and cam["bearing_deg"] == 90.0
    clash = api.post("/api/v1/cameras", json=new)
    assert clash.status_code == 422 and "already exists" in clash.json()["detail"]
    creds_in_url = api.post("/api/v1/cameras", json={**new, "name": "x", "rtsp_url": "rtsp://u:p@127.0.0.1/a"})
    assert creds_in_url.status_code == 422
    updated = api.put(f"/api/v1/cameras/{cam['id']}", json={**new, "name": "High St N"})
    assert updated.json()["name"] == "High St N"
    quiet = api.put(f"/api/v1/cameras/{cam['id']}", json={**new, "name": "High St N", "motion_min_area": 0.02})
    assert quiet.json()["motion_min_area"] == 0.02 and quiet.json()["motion"] is True
    off = api.put(f"/api/v1/cameras/{cam['id']}", json={**new, "name": "High St N", "motion": False})
    assert off.json()["motion"] is False and off.json()["motion_min_area"] is None
    too_much = api.put(f"/api/v1/cameras/{cam['id']}", json={**new, "name": "High St N", "motion_min_area": 1.5})
    assert too_much.status_code == 422
    assert api.get(f"/api/v1/cameras/{cam['id']}").json()["name"] == "High St N"
    assert api.delete(f"/api/v1/cameras/{cam['id']}").status_code == 204
    assert api.get(f"/api/v1/cameras/{cam['id']}").status_code == 404


def test_alarms_and_holds(api: httpx.Client) -> None:
    alarms = api.get("/api/v1/alarms", params={"open": "true"}).json()
    assert alarms == [
        {
            "id": 1,
            "kind": "camera_offline",
            "camera_id": 1,
            "raised": iso(T0),
            "cleared": None,
            "message": "camera 1 unreachable",
        }
    ]
    placed = api.post(
        "/api/v1/holds",
        json={
            "camera_id": 1,
            "start": iso(T0),
            "end": iso(T0 + 1_000_000),
            "reason": "police request",
            "reference": "MPS-123",
        },
    )
    hold = placed.json()
    assert placed.status_code == 201 and hold["created_by"] == "admin" and hold["released"] is None
    assert any(h["id"] == hold["id"] for h in api.get("/api/v1/holds").json())
    released = api.post(f"/api/v1/holds/{hold['id']}/release", json={"reason": "case closed"}).json()
    assert released["released_by"] == "admin" and released["release_reason"] == "case closed"
    again = api.post(f"/api/v1/holds/{hold['id']}/release", json={"reason": "again"})
    assert again.status_code == 422 and "already released" in again.json()["detail"]
    assert (
        api.post("/api/v1/holds", json={"camera_id": 1, "start": iso(T0), "end": iso(T0), "reason": "x"}).status_code
        == 422
    )


def test_openapi_is_served(base_url: str) -> None:
    assert httpx.get(f"{base_url}/api/openapi.json").status_code == 401
    token = _login(base_url).json()["token"]
    spec = httpx.get(f"{base_url}/api/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    assert "/api/v1/cameras/{camera_id}/playback.m3u8" in spec["paths"]
    assert now_us() > 0


def test_metrics_for_monitoring_in_prometheus_format(api: httpx.Client, base_url: str) -> None:
    r = api.get("/api/v1/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = r.text.splitlines()
    assert "# TYPE citywatch_media_bytes gauge" in lines
    free = [line for line in lines if line.startswith("citywatch_media_bytes{") and 'kind="free"' in line]
    assert free and float(free[0].rsplit(" ", 1)[1]) > 0
    seq = next(line for line in lines if line.startswith("citywatch_audit_entries "))
    assert float(seq.split()[1]) >= 1  # at least this client's sign-in
    assert httpx.get(f"{base_url}/api/v1/metrics").status_code == 401
