"""Bookmarks and alarms on the timeline: real HTTP against uvicorn, rows in the real database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import insert

from citywatch.api import create_app
from citywatch.store.models import Alarm
from citywatch.timeutil import iso, parse_iso
from tests.api.auth import client as signed_in_client
from tests.api.server import running
from tests.playback_fixtures import Recorded

BOOKMARKS = "/api/v1/cameras/1/bookmarks"
TIMELINE = "/api/v1/cameras/1/timeline"
S = 1_000_000


@pytest.fixture(scope="module")
def api(recorded: Recorded) -> Iterator[httpx.Client]:
    with running(create_app(recorded.services)) as url, signed_in_client(url) as c:
        yield c


def test_bookmarks_are_made_listed_shown_on_the_timeline_and_removed(api: httpx.Client, recorded: Recorded) -> None:
    t0 = recorded.run1_start_us
    instant = api.post(BOOKMARKS, json={"start": iso(t0 + 5 * S), "name": "  Red van  ", "note": "plate AB12 CDE"})
    assert instant.status_code == 201, instant.text
    assert instant.json()["name"] == "Red van" and instant.json()["end"] is None
    assert instant.json()["created_by"] == "admin"
    span = api.post(BOOKMARKS, json={"start": iso(t0 + 20 * S), "end": iso(t0 + 25 * S), "name": "Fight"})
    assert span.status_code == 201, span.text
    later = api.post(BOOKMARKS, json={"start": iso(t0 + 3600 * S), "name": "Next hour"})
    assert later.status_code == 201

    window = {"start": iso(t0), "end": iso(t0 + 60 * S)}
    listed = api.get(BOOKMARKS, params=window).json()
    assert [b["name"] for b in listed] == ["Red van", "Fight"]
    assert parse_iso(listed[0]["start"]) == t0 + 5 * S and listed[0]["note"] == "plate AB12 CDE"
    # A range reaching into the window from before it is listed; an instant before it is not.
    inside = api.get(BOOKMARKS, params={"start": iso(t0 + 22 * S), "end": iso(t0 + 60 * S)}).json()
    assert [b["name"] for b in inside] == ["Fight"]

    timeline = api.get(TIMELINE, params=window).json()
    assert [b["id"] for b in timeline["bookmarks"]] == [instant.json()["id"], span.json()["id"]]
    assert parse_iso(timeline["bookmarks"][1]["end"]) == t0 + 25 * S

    gone = api.delete(f"{BOOKMARKS}/{span.json()['id']}")
    assert gone.status_code == 204
    assert api.delete(f"{BOOKMARKS}/{span.json()['id']}").status_code == 404
    assert api.delete(f"/api/v1/cameras/2/bookmarks/{instant.json()['id']}").status_code == 404  # not that camera's
    assert [b["name"] for b in api.get(BOOKMARKS, params=window).json()] == ["Red van"]

    audit = api.get("/api/v1/audit", params={"action": "bookmark"}).json()
    actions = [(e["action"], e["detail"]["name"]) for e in audit]
    assert ("bookmark.create", "Red van") in actions and ("bookmark.delete", "Fight") in actions


def test_bad_bookmarks_are_explained(api: httpx.Client, recorded: Recorded) -> None:
    t0 = recorded.run1_start_us
    backwards = api.post(BOOKMARKS, json={"start": iso(t0 + 5 * S), "end": iso(t0), "name": "x"})
    assert backwards.status_code == 400 and "after its start" in backwards.text
    too_long = api.post(BOOKMARKS, json={"start": iso(t0), "end": iso(t0 + 25 * 3600 * S), "name": "x"})
    assert too_long.status_code == 400 and "24 hours" in too_long.text
    assert api.post(BOOKMARKS, json={"start": iso(t0), "name": "   "}).status_code == 400
    assert api.post(BOOKMARKS, json={"start": iso(t0), "name": ""}).status_code == 422
    assert api.post("/api/v1/cameras/999/bookmarks", json={"start": iso(t0), "name": "x"}).status_code == 404


def test_the_timeline_shows_the_cameras_alarms_in_its_range(api: httpx.Client, recorded: Recorded) -> None:
    t0 = recorded.run1_start_us
    rows = [
        ("camera_offline", 1, t0 + 30 * S, t0 + 40 * S, "connection reset by camera"),  # inside
        ("camera_offline", 1, t0 - 600 * S, t0 - 500 * S, "long before"),  # cleared before the range
        ("recording_stalled", 1, t0 + 50 * S, None, "still raised"),  # open
        ("camera_offline", None, t0 + 31 * S, t0 + 32 * S, "not a camera's"),
    ]
    with recorded.services.sessions.begin() as s:
        s.execute(
            insert(Alarm),
            [dict(kind=k, camera_id=c, raised_us=r, cleared_us=e, message=m) for k, c, r, e, m in rows],
        )
    shown = api.get(TIMELINE, params={"start": iso(t0), "end": iso(t0 + 60 * S)}).json()["alarms"]
    assert [(a["kind"], a["message"]) for a in shown] == [
        ("camera_offline", "connection reset by camera"),
        ("recording_stalled", "still raised"),
    ]
    assert parse_iso(shown[0]["raised"]) == t0 + 30 * S and parse_iso(shown[0]["cleared"]) == t0 + 40 * S
    assert shown[1]["cleared"] is None
    before = api.get(TIMELINE, params={"start": iso(t0 - 700 * S), "end": iso(t0 - 550 * S)}).json()["alarms"]
    assert [a["message"] for a in before] == ["long before"]
