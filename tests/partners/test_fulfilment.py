"""Fulfilling a footage request starts a real evidence export (real recordings, real server) and follows it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from citywatch.api import create_app
from citywatch.store.models import Camera
from citywatch.timeutil import iso
from tests.api.auth import client
from tests.api.server import running
from tests.partners.conftest import Rows
from tests.playback_fixtures import Recorded
from tests.playback_fixtures import recorded as recorded  # a fixture, found by pytest here

LAT, LON = 51.4920, -0.2236


@pytest.fixture(scope="module")
def api(recorded: Recorded) -> Iterator[httpx.Client]:
    with recorded.services.sessions.begin() as s:
        s.execute(update(Camera).where(Camera.id == recorded.camera_id).values(latitude=LAT, longitude=LON))
    with running(create_app(recorded.services)) as url, client(url) as c:
        yield c


def _request(api: httpx.Client, kind: str, start_us: int, end_us: int, **extra: Any) -> dict[str, Any]:
    body = {"requester_kind": kind, "requester_name": "A. Requester", "latitude": LAT, "longitude": LON + 0.0005,
            "radius_m": 100, "start": iso(start_us), "end": iso(end_us)} | extra  # fmt: skip
    r = api.post("/api/v1/footage-requests", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _settled(api: httpx.Client, request_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        item: dict[str, Any] = api.get(f"/api/v1/footage-requests/{request_id}").json()
        if item["status"] != "exporting":
            return item
        time.sleep(0.05)
    raise AssertionError(f"footage request {request_id} is still exporting")


def test_fulfilment_exports_the_cameras_in_the_radius_and_follows_the_job(
    api: httpx.Client, recorded: Recorded
) -> None:
    police = _request(api, "police", recorded.run1_start_us + 2_000_000, recorded.run1_start_us + 8_000_000)
    assert police["search_fee_p"] == 0 and police["supply_fee_p"] == 0  # police: free
    started = api.post(f"/api/v1/footage-requests/{police['id']}/fulfil", json={})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "exporting" and started.json()["overdue"] is False
    export_id = started.json()["export_id"]
    job = api.get(f"/api/v1/exports/{export_id}").json()
    assert job["camera_ids"] == [recorded.camera_id] and job["reference"] == f"FR-{police['id']}"
    assert f"Footage request {police['id']}" in job["justification"]
    done = _settled(api, police["id"])
    assert done["status"] == "fulfilled" and done["footage_found"] is True and done["fulfilment_ref"] == export_id
    assert api.get(f"/api/v1/exports/{export_id}").json()["state"] == "done"
    assert done["closed"] == api.get(f"/api/v1/exports/{export_id}").json()["finished"]
    again = api.post(f"/api/v1/footage-requests/{police['id']}/fulfil", json={})
    assert again.status_code == 422 and "already fulfilled" in again.json()["detail"]


def test_no_footage_in_the_period_fulfils_at_once_without_the_supply_fee(api: httpx.Client) -> None:
    solicitor = _request(api, "solicitor", 1_600_000_000_000_000, 1_600_000_000_000_000 + 1_800_000_000)
    assert solicitor["search_fee_p"] == 44_000 and solicitor["supply_fee_p"] == 21_000  # the band up to an hour
    r = api.post(f"/api/v1/footage-requests/{solicitor['id']}/fulfil", json={})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["status"], out["footage_found"], out["export_id"], out["supply_fee_p"]) == ("fulfilled", False, None, 0)
    assert out["search_fee_p"] == 44_000  # the search was made


def test_a_failed_export_leaves_the_request_open_with_the_reason(api: httpx.Client, recorded: Recorded) -> None:
    lost = recorded.run2_end_us + 3_600_000_000
    Rows(recorded.services).recording(recorded.camera_id, lost, lost + 10_000_000)  # indexed, file missing
    insurer = _request(api, "insurer", lost, lost + 10_000_000)
    started = api.post(f"/api/v1/footage-requests/{insurer['id']}/fulfil", json={})
    # The job may fail before the answer is written (the file is missing), so either state is right here.
    assert started.status_code == 200 and started.json()["status"] in ("exporting", "open")
    after = _settled(api, insurer["id"])
    assert after["status"] == "open" and after["export_id"] is None
    assert after["fulfilment_ref"].startswith("export ") and " failed" in after["fulfilment_ref"]
    if started.json()["export_id"]:  # still running when answered: the failure names that job
        assert after["fulfilment_ref"].startswith(f"export {started.json()['export_id']} failed")


def test_what_cannot_be_fulfilled_says_why(api: httpx.Client, recorded: Recorded) -> None:
    span = (recorded.run1_start_us, recorded.run1_end_us)
    sar = _request(api, "subject_access", *span)
    r = api.post(f"/api/v1/footage-requests/{sar['id']}/fulfil", json={})
    assert r.status_code == 422 and "identity" in r.json()["detail"]
    assert api.get(f"/api/v1/footage-requests/{sar['id']}").json()["status"] == "open"
    other = _request(api, "insurer", *span)
    r = api.post(f"/api/v1/footage-requests/{other['id']}/fulfil", json={"camera_ids": [99]})
    assert r.status_code == 422 and "radius" in r.json()["detail"]
    assert api.post("/api/v1/footage-requests/999999/fulfil", json={}).status_code == 404
