"""Saved wall layouts and UI settings per user, through the real HTTP stack and database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.store.models import Base, Camera
from citywatch.ui.layouts import LayoutNotFound, LayoutService, Tile
from citywatch.wiring import Services, build_services
from tests.api.auth import client
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    data_dir: Path = tmp_path_factory.mktemp("layouts")
    services = build_services(Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD))
    with services.sessions.begin() as s:
        for i in (1, 2, 3):
            s.add(Camera(id=i, name=f"Camera {i}", rtsp_url=f"rtsp://127.0.0.1:8554/{i}", created_us=0, updated_us=0))
    yield services
    services.close()


@pytest.fixture(scope="module")
def base_url(services: Services) -> Iterator[str]:
    with running(create_app(services)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with client(base_url) as c:
        yield c


def test_layouts_need_a_session(base_url: str) -> None:
    for method, path in (("GET", "/layouts"), ("PUT", "/layouts/x"), ("DELETE", "/layouts/x"), ("GET", "/settings/ui")):
        r = httpx.request(method, f"{base_url}/api/v1{path}", json={"grid": 1})
        assert r.status_code == 401, (method, path)


def test_save_list_replace_and_delete_a_layout(api: httpx.Client) -> None:
    body = {"grid": 4, "tiles": [{"camera_id": 2, "mode": "live"}, None, {"camera_id": 3, "mode": "playback"}]}
    r = api.put("/api/v1/layouts/Town centre", json=body)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["name"] == "Town centre" and saved["grid"] == 4
    assert saved["tiles"] == [*body["tiles"], None]  # padded to the grid
    assert saved["updated"].endswith("Z")
    assert api.get("/api/v1/layouts/Town centre").json() == saved

    r = api.put("/api/v1/layouts/Town centre", json={"grid": 1, "tiles": [{"camera_id": 1}]})
    assert r.status_code == 200, r.text
    assert r.json()["tiles"] == [{"camera_id": 1, "mode": "live"}]
    api.put("/api/v1/layouts/Bridges", json={"grid": 9, "tiles": []}).raise_for_status()
    names = [x["name"] for x in api.get("/api/v1/layouts").json()]
    assert names == ["Bridges", "Town centre"]

    assert api.delete("/api/v1/layouts/Bridges").status_code == 204
    gone = api.get("/api/v1/layouts/Bridges")
    assert gone.status_code == 404 and "no layout named 'Bridges'" in gone.json()["detail"]
    assert api.delete("/api/v1/layouts/Bridges").status_code == 404
    assert [x["name"] for x in api.get("/api/v1/layouts").json()] == ["Town centre"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"grid": 3, "tiles": []}, "grid"),
        ({"grid": 1, "tiles": [None, None]}, "2 tiles do not fit a grid of 1"),
        ({"grid": 4, "tiles": [{"camera_id": 99}]}, "camera 99 does not exist"),
        ({"grid": 4, "tiles": [{"camera_id": 1, "mode": "ptz"}]}, "mode"),
        ({"grid": 4, "tiles": [], "owner": "someone"}, "owner"),
    ],
)
def test_a_wrong_layout_is_refused_with_a_reason(api: httpx.Client, body: dict[str, object], message: str) -> None:
    r = api.put("/api/v1/layouts/Wrong", json=body)
    assert r.status_code == 422, r.text
    assert message in r.json()["detail"]
    assert api.get("/api/v1/layouts/Wrong").status_code == 404


def test_layout_names_must_be_trimmed(api: httpx.Client) -> None:
    assert api.put("/api/v1/layouts/%20padded", json={"grid": 1}).status_code == 422


def test_each_user_sees_only_their_own_layouts_and_settings(services: Services) -> None:
    """At the service, with the real database: sign-in for a second user is the access-control issue's."""
    layouts = LayoutService(services.sessions)
    layouts.put("day", "Mine", 1, (Tile(1),))
    layouts.put_settings("day", {"default_layout": "Mine"})
    assert "Mine" not in [x.name for x in layouts.list("night")]
    with pytest.raises(LayoutNotFound):
        layouts.get("night", "Mine")
    with pytest.raises(LayoutNotFound):
        layouts.delete("night", "Mine")
    assert layouts.settings("night") == {}
    layouts.put("night", "Mine", 4, ())  # the same name, their own
    assert layouts.get("day", "Mine").grid == 1
    assert layouts.get("night", "Mine").tiles == (None,) * 4


def test_ui_settings_round_trip_and_follow_the_default_layout(api: httpx.Client) -> None:
    api.put("/api/v1/layouts/Default", json={"grid": 4, "tiles": []}).raise_for_status()
    body = {
        "tile_url": "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png",
        "tile_attribution": "© local tiles",
        "default_layout": "Default",
    }
    r = api.put("/api/v1/settings/ui", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == body
    assert api.get("/api/v1/settings/ui").json() == body

    bad = api.put("/api/v1/settings/ui", json={"tile_url": "ftp://tiles.example/{z}.png"})
    assert bad.status_code == 422 and "{z}, {x} and {y}" in bad.json()["detail"]
    assert api.put("/api/v1/settings/ui", json={"tile_ulr": "x"}).status_code == 422
    missing = api.put("/api/v1/settings/ui", json={"default_layout": "Nowhere"})
    assert missing.status_code == 422 and "no layout named 'Nowhere'" in missing.json()["detail"]
    assert api.get("/api/v1/settings/ui").json() == body  # refused changes change nothing

    # Deleting the default layout leaves no dangling default.
    api.delete("/api/v1/layouts/Default").raise_for_status()
    after = api.get("/api/v1/settings/ui").json()
    assert after["default_layout"] is None and after["tile_url"] == body["tile_url"]


def test_cookie_sessions_need_the_csrf_header_to_save(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as c:
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        csrf = r.json()["csrf_token"]
        c.cookies.set("cw_session", r.cookies["cw_session"])
        assert c.put("/api/v1/layouts/Cookie", json={"grid": 1}).status_code == 401
        assert c.put("/api/v1/layouts/Cookie", json={"grid": 1}, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_the_migration_makes_the_tables_the_models_describe(services: Services) -> None:
    insp = inspect(services.engine)
    for name in ("ui_layouts", "ui_settings"):
        model = Base.metadata.tables[name]
        migrated = {c["name"]: c for c in insp.get_columns(name)}
        assert set(migrated) == {c.name for c in model.columns}, name
        assert all(migrated[c.name]["nullable"] == c.nullable for c in model.columns), name
