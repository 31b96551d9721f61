"""The evidence API end to end: a real server on 127.0.0.1, real footage, a real HTTP client."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from citywatch.api import create_app
from citywatch.evidence.verify import verify_bundle
from citywatch.timeutil import iso
from tests.api.auth import client
from tests.api.server import running
from tests.evidence.bundles import packets
from tests.playback_fixtures import Recorded


@pytest.fixture(scope="module")
def base_url(recorded: Recorded) -> Iterator[str]:
    with running(create_app(recorded.services)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with client(base_url) as c:
        yield c


def _wait_done(api: httpx.Client, export_id: str) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/exports/{export_id}").json()
        assert 0 <= job["progress"] <= 1
        if job["state"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"export {export_id} did not finish")


def _unzip(data: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(target)
    [folder] = list(target.iterdir())
    return folder


def test_case_hold_and_release_with_reason(api: httpx.Client, recorded: Recorded) -> None:
    r = api.post(
        "/api/v1/cases", json={"reference": "01/777/25", "owner": "DC Jones", "review": "2020-01-01T00:00:00Z"}
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["overdue"] is True
    hold = {"camera_id": 1, "start": iso(recorded.run1_start_us), "end": iso(recorded.run1_end_us),
            "reason": "robbery", "case_id": case["id"], "source": "alarm", "source_ref": "alarm 3"}  # fmt: skip
    r = api.post("/api/v1/evidence/holds", json=hold)
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["case_id"] == case["id"] and held["reference"] == "01/777/25" and held["source"] == "alarm"
    assert api.get(f"/api/v1/cases/{case['id']}").json()["hold_ids"] == [held["id"]]
    r = api.post(f"/api/v1/evidence/holds/{held['id']}/release", json={"reason": ""})
    assert r.status_code == 422
    r = api.post(f"/api/v1/evidence/holds/{held['id']}/release", json={"reason": "case closed"})
    assert r.status_code == 200 and r.json()["release_reason"] == "case closed"
    actions = [e["action"] for e in api.get("/api/v1/audit", params={"action": "hold"}).json()]
    assert "hold.create" in actions and "hold.release" in actions
    assert api.delete(f"/api/v1/cases/{case['id']}").status_code == 422, "a case with holds is closed, not deleted"
    assert api.get("/api/v1/cases/999999").status_code == 404


def test_export_job_download_delivery_and_disclosures(
    api: httpx.Client, base_url: str, recorded: Recorded, tmp_path: Path
) -> None:
    body = {"camera_ids": [1], "start": iso(recorded.run1_start_us + 2_000_000),
            "end": iso(recorded.run2_start_us + 5_000_000), "justification": "CAD 4411: assault",
            "reference": "01/12345/25"}  # fmt: skip
    r = api.post("/api/v1/exports", json=body)
    assert r.status_code == 202, r.text
    job = _wait_done(api, r.json()["id"])
    assert job["state"] == "done", job["error"]
    assert [e["kind"] for e in job["exhibits"]] == ["master", "master"], "two spans either side of the gap"
    assert any(j["id"] == job["id"] for j in api.get("/api/v1/exports").json())

    r = api.get(f"/api/v1/exports/{job['id']}/bundle")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    folder = _unzip(r.content, tmp_path / "own")
    report = verify_bundle(folder)
    assert report.ok, report.failures
    keys = api.get("/api/v1/evidence/keys").json()
    assert [k["key_id"] for k in keys if k["current"]] == [report.key_id], "the bundle's key is published"

    r = api.post(f"/api/v1/exports/{job['id']}/deliveries",
                 json={"recipient": "admin", "reason": "CPS file build", "expires_s": 3600})  # fmt: skip
    assert r.status_code == 201, r.text
    link = r.json()
    assert httpx.get(base_url + link["url"]).status_code == 401, "a delivery link still needs sign-in"
    r = api.get(link["url"])
    assert r.status_code == 200 and verify_bundle(_unzip(r.content, tmp_path / "delivered")).ok

    other = api.post(f"/api/v1/exports/{job['id']}/deliveries",
                     json={"recipient": "dc.jones", "reason": "x", "expires_s": 3600}).json()  # fmt: skip
    assert api.get(other["url"]).status_code == 403, "only the named recipient may use a link"
    expiring = api.post(f"/api/v1/exports/{job['id']}/deliveries",
                        json={"recipient": "admin", "reason": "x", "expires_s": 0.001}).json()  # fmt: skip
    time.sleep(0.01)
    r = api.get(expiring["url"])
    assert r.status_code == 403 and "expired" in r.json()["detail"]
    assert api.get("/api/v1/deliveries/not-a-token").status_code == 403

    disclosures = [d for d in api.get("/api/v1/disclosures").json() if d["export_id"] == job["id"]]
    assert sorted((d["recipient"], d["reason"], d["via_link"]) for d in disclosures) == [
        ("admin", "CAD 4411: assault", False),
        ("admin", "CPS file build", True),
    ]
    assert all(d["reference"] == "01/12345/25" for d in disclosures)

    audit = api.get("/api/v1/audit", params={"limit": 500}).json()
    mine = [e for e in audit if e["detail"].get("export_id") == job["id"]]
    assert {e["action"] for e in mine} >= {"export.create", "export.download", "delivery.create", "delivery.download"}
    created = next(e for e in mine if e["action"] == "export.create")
    assert created["camera_id"] == 1 and "CAD 4411" in created["justification"]


def test_export_requests_the_user_must_fix(api: httpx.Client, recorded: Recorded) -> None:
    body = {"camera_ids": [1], "start": iso(recorded.run1_start_us), "end": iso(recorded.run1_end_us)}
    assert api.post("/api/v1/exports", json=body | {"justification": ""}).status_code == 422
    assert api.post("/api/v1/exports", json=body | {"justification": "x", "camera_ids": [42]}).status_code == 422
    empty = {"camera_ids": [1], "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T00:10:00Z", "justification": "x"}
    job = _wait_done(api, api.post("/api/v1/exports", json=empty).json()["id"])
    assert job["state"] == "failed" and "nothing was recorded" in job["error"]
    assert api.get(f"/api/v1/exports/{job['id']}/bundle").status_code == 409


def test_working_copy_derived_after_the_fact_is_a_new_signed_exhibit(
    api: httpx.Client, recorded: Recorded, tmp_path: Path
) -> None:
    body = {"camera_ids": [1], "start": iso(recorded.run1_start_us + 2_000_000),
            "end": iso(recorded.run1_start_us + 6_000_000), "justification": "CAD 4411",
            "reference": "01/555/25"}  # fmt: skip
    source = _wait_done(api, api.post("/api/v1/exports", json=body).json()["id"])
    assert source["state"] == "done", source["error"]
    [master] = source["exhibits"]
    url = f"/api/v1/exports/{source['id']}/working-copies"
    box = {"x": 8, "y": 8, "width": 32, "height": 16}
    assert api.post(url, json={"exhibit_id": "nope", "justification": "x"}).status_code == 404
    assert api.post(url, json={"exhibit_id": master["id"], "justification": ""}).status_code == 422

    r = api.post(url, json={"exhibit_id": master["id"], "justification": "jury viewing", "redactions": [box]})
    assert r.status_code == 202, r.text
    job = _wait_done(api, r.json()["id"])
    assert job["state"] == "done", job["error"]
    assert job["id"] != source["id"] and job["reference"] == "01/555/25"
    [copy] = job["exhibits"]
    assert copy["kind"] == "working_copy" and copy["id"] != master["id"]
    assert copy["derived_from"] == master["sha256"]
    assert [s["step"] for s in copy["steps"]] == ["decode", "burn_in_time", "redact", "encode"]
    assert copy["steps"][2]["boxes_px"] == [box]

    folder = _unzip(api.get(f"/api/v1/exports/{job['id']}/bundle").content, tmp_path / "copy")
    report = verify_bundle(folder)
    assert report.ok, report.failures
    manifest = json.loads((folder / "manifest.json").read_text())
    origin = manifest["derived_from"]
    assert origin["export_id"] == source["id"] and origin["sha256"] == master["sha256"]
    assert origin["manifest_sha256"] == source["manifest_sha256"] and origin["file"] == master["path"]
    [entry] = [f for f in manifest["files"] if f["kind"] == "working_copy"]
    assert entry["derived_from"] == master["sha256"] and entry["sha256"] == copy["sha256"]
    assert len(packets(folder / entry["path"])) > 0

    audit = api.get("/api/v1/audit", params={"action": "exhibit.derive", "limit": 50}).json()
    [derived] = [e for e in audit if e["detail"].get("export_id") == job["id"]]
    assert derived["camera_id"] == 1 and derived["justification"] == "jury viewing"
    assert derived["detail"]["derived_from"] == master["sha256"]

    again = api.post(f"/api/v1/exports/{job['id']}/working-copies",
                     json={"exhibit_id": copy["id"], "justification": "x"})  # fmt: skip
    assert again.status_code == 422 and "derive working copies from a master" in again.json()["detail"]
