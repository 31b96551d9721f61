"""Sign-in, MFA, lock-out, isolation between organisations, justification and audit, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyotp
import pytest

from citywatch.timeutil import iso
from tests.access.borough import Borough, borough, totp_code


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Borough]:
    with borough(tmp_path_factory.mktemp("borough")) as b:
        yield b


def _playlist(client: httpx.Client, town: Borough, camera_id: int = 1) -> httpx.Response:
    start = iso(town.recorded.run1_start_us + 2_000_000)
    return client.get(f"/api/v1/cameras/{camera_id}/playback.m3u8", params={"start": start})


def test_partners_see_only_their_own_cameras_and_audit(town: Borough) -> None:
    westfield = town.client("westfield.security")
    qpr = town.client("qpr.security")
    operator = town.client("sam.operator")
    assert [c["id"] for c in westfield.get("/api/v1/cameras").json()] == [2]
    assert [c["id"] for c in qpr.get("/api/v1/cameras").json()] == [3]
    # The council's control room reaches its own cameras and those partners share with it.
    listed = {c["id"]: c for c in operator.get("/api/v1/cameras").json()}
    assert set(listed) == {1, 2, 3, 4}
    assert listed[3]["rights"] == ["live"]  # QPR shares live view only
    assert listed[1]["rtsp_url"] == ""  # addresses are for those who configure cameras
    # Another organisation's camera does not exist for a partner, and its footage is refused.
    assert westfield.get("/api/v1/cameras/3").status_code == 404
    day = {"start": iso(town.recorded.run1_start_us), "end": iso(town.recorded.run2_end_us)}
    assert westfield.get("/api/v1/cameras/3/timeline", params=day).status_code == 403
    assert westfield.get("/api/v1/cameras/1/timeline", params=day).status_code == 403
    assert qpr.get(f"/api/v1/cameras/3/snapshot.jpg?at={day['start']}").status_code == 404  # allowed; nothing recorded
    # The operator looks at Westfield's camera and at QPR's: each partner sees only the look at its own.
    assert operator.get("/api/v1/cameras/2/timeline", params=day).status_code == 200
    operator.post("/api/v1/holds", json={"camera_id": 2, "start": day["start"], "end": day["end"], "reason": "x"})
    assert operator.get("/api/v1/cameras/3/live.m3u8").status_code == 503  # allowed; the camera is not live
    seen_by_westfield = westfield.get("/api/v1/audit").json()
    assert any(e["camera_id"] == 2 and e["username"] == "sam.operator" for e in seen_by_westfield)
    assert all(e["camera_id"] in (2, None) for e in seen_by_westfield)
    seen_by_qpr = qpr.get("/api/v1/audit").json()
    assert any(e["camera_id"] == 3 and e["action"] == "live.hls" for e in seen_by_qpr)
    assert not any(e["camera_id"] == 2 for e in seen_by_qpr)
    # Partners never read another organisation's users or the permission rules.
    assert westfield.get("/api/v1/users").status_code == 403
    assert westfield.get("/api/v1/permissions").status_code == 403


def test_police_state_a_reason_before_recorded_footage_and_it_is_audited(town: Borough) -> None:
    police = town.client("pc.jones")
    refused = _playlist(police, town)
    assert refused.status_code == 403 and refused.json()["code"] == "justification_required"
    assert police.get("/api/v1/cameras/1/live.m3u8").status_code != 403  # live needs no reason
    r = police.post(
        "/api/v1/justifications", json={"camera_id": 1, "reason": "burglary suspect", "reference": "CAD 4521"}
    )
    assert r.status_code == 204, r.text
    assert _playlist(police, town).status_code == 200
    admin = town.client("admin")
    entries = admin.get("/api/v1/audit", params={"username": "pc.jones", "action": "playback"}).json()
    assert entries and entries[0]["justification"] == "burglary suspect [CAD 4521]"
    assert (
        entries[0]["organisation"] == "Metropolitan Police — Hammersmith"
        and entries[0]["role"] == "police_investigator"
    )
    # The partner cameras the police were not given are still refused.
    assert police.get("/api/v1/cameras/3/live.m3u8").status_code == 403


def test_police_need_their_authenticator_code(town: Borough) -> None:
    missing = town.login("sgt.khan", totp=False)
    assert missing.status_code == 401 and missing.json()["code"] == "totp_required"
    wrong = httpx.post(
        f"{town.url}/api/v1/auth/login",
        json={"username": "sgt.khan", "password": "citywatch-demo-2026", "totp": "000000"},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "totp_required"
    code = totp_code("sgt.khan")
    ok = httpx.post(
        f"{town.url}/api/v1/auth/login",
        json={"username": "sgt.khan", "password": "citywatch-demo-2026", "totp": code},
    )
    assert ok.status_code == 200
    replay = httpx.post(
        f"{town.url}/api/v1/auth/login",
        json={"username": "sgt.khan", "password": "citywatch-demo-2026", "totp": code},
    )
    assert replay.status_code == 401  # a code is good once


def test_a_new_police_user_enrols_an_authenticator_before_anything_else(town: Borough) -> None:
    admin = town.client("admin")
    orgs = {o["name"]: o["id"] for o in admin.get("/api/v1/organisations").json()}
    made = admin.post(
        "/api/v1/users",
        json={
            "username": "dc.new",
            "display_name": "DC New",
            "organisation_id": orgs["Metropolitan Police — Hammersmith"],
            "role": "police_investigator",
            "password": "a new officer's password",
        },
    )
    assert made.status_code == 201 and made.json()["mfa_required"] and not made.json()["mfa_enrolled"]
    first = httpx.post(
        f"{town.url}/api/v1/auth/login", json={"username": "dc.new", "password": "a new officer's password"}
    )
    assert first.status_code == 200 and first.json()["user"]["mfa_enrolment_required"] is True
    pending = httpx.Client(base_url=town.url, headers={"Authorization": f"Bearer {first.json()['token']}"})
    blocked = pending.get("/api/v1/cameras")
    assert blocked.status_code == 401 and blocked.json()["code"] == "mfa_enrolment_required"
    setup = pending.post("/api/v1/auth/mfa/setup").json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/citywatch:dc.new")
    assert pending.post("/api/v1/auth/mfa/confirm", json={"code": "123456"}).status_code == 422
    code = pyotp.TOTP(setup["secret"]).now()
    assert pending.post("/api/v1/auth/mfa/confirm", json={"code": code}).status_code == 204
    assert pending.get("/api/v1/cameras").status_code == 200
    again = httpx.post(
        f"{town.url}/api/v1/auth/login", json={"username": "dc.new", "password": "a new officer's password"}
    )
    assert again.status_code == 401 and again.json()["code"] == "totp_required"
    actions = [e["action"] for e in admin.get("/api/v1/audit", params={"username": "dc.new"}).json()]
    assert "auth.mfa_enrolled" in actions and "auth.mfa_setup" in actions


def test_repeated_failures_lock_the_account_and_are_audited(town: Borough) -> None:
    for _ in range(5):
        r = town.login("mo.manager", "not the password")
        assert r.status_code == 401
    locked = town.login("mo.manager")
    assert locked.status_code == 401 and locked.json()["code"] == "account_locked"
    admin = town.client("admin")
    entries = admin.get("/api/v1/audit", params={"username": "mo.manager"}).json()
    assert sum(e["action"] == "auth.login_failed" for e in entries) >= 6
    assert any(e["action"] == "auth.locked" for e in entries)
    users = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert users["mo.manager"]["locked_until"] is not None
    assert admin.post(f"/api/v1/users/{users['mo.manager']['id']}/unlock").status_code == 204
    assert town.login("mo.manager").status_code == 200


def test_cookie_sessions_need_csrf_and_every_answer_has_security_headers(town: Borough) -> None:
    r = town.login("priya.supervisor")
    cookie, csrf = r.cookies.get("cw_session"), r.json()["csrf_token"]
    assert cookie
    with httpx.Client(base_url=town.url, cookies={"cw_session": cookie}) as browser:
        assert browser.get("/api/v1/cameras").status_code == 200
        body = {"camera_id": 1, "reason": "vandalism", "reference": "CR 123"}
        refused = browser.post("/api/v1/justifications", json=body)
        assert refused.status_code == 401
        assert browser.post("/api/v1/justifications", json=body, headers={"X-CSRF-Token": csrf}).status_code == 204
    health = httpx.get(f"{town.url}/api/v1/health")
    assert "default-src 'self'" in health.headers["content-security-policy"]
    assert health.headers["x-content-type-options"] == "nosniff" and health.headers["x-frame-options"] == "DENY"
    assert health.headers["referrer-policy"] == "no-referrer"


def test_api_tokens_work_on_media_urls_until_revoked(town: Borough) -> None:
    supervisor = town.client("priya.supervisor")
    made = supervisor.post("/api/v1/auth/tokens", json={"name": "evidence script", "expires_days": 1})
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("cwt_")
    with httpx.Client(base_url=town.url, headers={"Authorization": f"Bearer {token}"}) as script:
        start = iso(town.recorded.run1_start_us + 1_000_000)
        end = iso(town.recorded.run1_start_us + 3_000_000)
        clip = script.get("/api/v1/cameras/1/clip.mp4", params={"start": start, "end": end})
        assert clip.status_code == 200 and clip.content[4:8] == b"ftyp"
        assert supervisor.delete(f"/api/v1/auth/tokens/{made.json()['id']}").status_code == 204
        assert script.get("/api/v1/cameras").status_code == 401
    listed = supervisor.get("/api/v1/auth/tokens").json()
    assert listed[0]["revoked"] is not None and listed[0].get("token") is None  # the token is shown once only


def test_audit_chain_verifies_over_the_api_and_reports_counts(town: Borough) -> None:
    admin = town.client("admin")
    assert admin.get("/api/v1/audit/verify").json()["ok"] is True
    report = admin.get(
        "/api/v1/audit/report", params={"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}
    ).json()
    assert report["counts"]["sign_ins"] >= 3 and report["counts"]["total"] >= report["counts"]["sign_ins"]
    csv_export = admin.get("/api/v1/audit/export", params={"format": "csv"})
    assert csv_export.status_code == 200 and csv_export.text.startswith("seq,at,action")
    assert town.client("sam.operator").get("/api/v1/audit/verify").status_code == 403


def test_police_exports_need_a_reference_or_a_stated_reason(town: Borough) -> None:
    police = town.client("sgt.khan")
    body = {
        "camera_ids": [1],
        "start": iso(town.recorded.run1_start_us + 1_000_000),
        "end": iso(town.recorded.run1_start_us + 3_000_000),
        "justification": "robbery on the Broadway",
    }
    refused = police.post("/api/v1/exports", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "justification_required"
    started = police.post("/api/v1/exports", json={**body, "reference": "CAD 7781"})
    assert started.status_code == 202, started.text
