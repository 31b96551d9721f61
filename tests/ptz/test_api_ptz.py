"""PTZ through the real HTTP stack against a virtual ONVIF camera: probe, moves, presets, tours, arbitration
between two signed-in users (409 "controlled by …"), the joystick WebSocket and the audit entries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect

from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.access.users import UserInput, UserService
from citywatch.api import create_app, routes_ptz
from citywatch.config import Settings
from citywatch.sim.onvif import SimOnvifCamera, start_onvif_device
from citywatch.sim.ptz_motion import PtzPosition
from citywatch.timeutil import parse_iso
from citywatch.video.cameras import CameraInput
from citywatch.wiring import Services, build_services
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD

USER_PASSWORD = "a long enough test password 1"
CAM_PASSWORD = "cam-secret-1"


@dataclass(frozen=True)
class World:
    base_url: str
    services: Services
    camera: SimOnvifCamera
    camera_id: int


def with_ptz_shutdown(app: FastAPI) -> FastAPI:
    """Close the PTZ service's camera clients and tours when the server stops, as the app's lifespan should."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            yield state
        await routes_ptz.close(app)

    app.router.lifespan_context = lifespan
    return app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    camera = start_onvif_device(username="onvif", password=CAM_PASSWORD)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("ptz-api"), admin_password=ADMIN_PASSWORD, admin_mfa_exempt=True, mfa_roles=[]
    )
    services = build_services(settings)
    added = services.cameras.add(
        CameraInput(
            name="Hammersmith Broadway",
            rtsp_url=camera.rtsp_url,
            username="onvif",
            password=CAM_PASSWORD,
            onvif_url=camera.url,
            latitude=51.4920,
            longitude=-0.2236,
            bearing_deg=0.0,
            fov_deg=90.0,
            range_m=300.0,
            ptz=True,
        )
    )
    app = with_ptz_shutdown(create_app(services))
    users = UserService(services.sessions, services.secrets)
    council = next(o for o in users.organisations() if o.kind == "council")
    users.add(UserInput("ops1", "Operator One", council.id, "operator", USER_PASSWORD))
    users.add(UserInput("sup1", "Supervisor One", council.id, "supervisor", USER_PASSWORD))
    try:
        with running(app) as url:
            yield World(url, services, camera, added.id)
    finally:
        services.close()
        camera.close()


@pytest.fixture(scope="module")
def api(world: World) -> Iterator[httpx.Client]:
    with _signed_in(world, "admin") as c:
        yield c


_TOKENS: dict[tuple[str, str], str] = {}


def _token(world: World, username: str) -> str:
    """Sign in once per user and server: sign-ins are throttled per client address."""
    key = (world.base_url, username)
    if key not in _TOKENS:
        password = ADMIN_PASSWORD if username == "admin" else USER_PASSWORD
        r = httpx.post(f"{world.base_url}/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        _TOKENS[key] = str(r.json()["token"])
    return _TOKENS[key]


def _signed_in(world: World, username: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {_token(world, username)}"}
    return httpx.Client(base_url=world.base_url, headers=headers, timeout=30)


def _settled(world: World, timeout_s: float = 10.0) -> PtzPosition:
    """Wait for the motors to stop (bounded moves end by themselves), then read the position."""
    deadline = time.monotonic() + timeout_s
    while any(world.camera.motion.moving()):
        assert time.monotonic() < deadline, "the camera did not come to rest"
        time.sleep(0.05)
    return world.camera.position()


def _wait_for(what: str, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _audit(world: World, action: str) -> list[object]:
    return list(AuditLog(world.services.sessions).search(AuditFilter(action=action, camera_id=world.camera_id)))


def _release_all(world: World) -> None:
    for name in ("ops1", "sup1", "admin"):
        with _signed_in(world, name) as c:
            c.post(f"/api/v1/cameras/{world.camera_id}/ptz/release")


def test_probe_reads_the_device_instead_of_typing_an_rtsp_url(world: World, api: httpx.Client) -> None:
    r = api.post(
        "/api/v1/cameras/probe", json={"onvif_url": world.camera.url, "username": "onvif", "password": CAM_PASSWORD}
    )
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["model"] == "Virtual PTZ camera" and found["ptz"] is True
    assert found["stream_uri"] == world.camera.rtsp_url
    wrong = api.post(
        "/api/v1/cameras/probe", json={"onvif_url": world.camera.url, "username": "onvif", "password": "x"}
    )
    assert wrong.status_code == 503 and "username or password" in wrong.json()["detail"]
    outside = api.post("/api/v1/cameras/probe", json={"onvif_url": "http://192.0.2.1/onvif/device_service"})
    assert outside.status_code == 422 and "allowed camera networks" in outside.json()["detail"]
    assert httpx.post(f"{world.base_url}/api/v1/cameras/probe", json={"onvif_url": world.camera.url}).status_code == 401


def test_a_camera_added_by_its_onvif_address_alone_gets_its_stream_from_the_device(
    world: World, api: httpx.Client
) -> None:
    body = {"name": "Added by ONVIF", "onvif_url": world.camera.url, "username": "onvif", "password": CAM_PASSWORD}
    r = api.post("/api/v1/cameras", json=body)
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["rtsp_url"] == world.camera.rtsp_url and added["ptz"] is True
    neither = api.post("/api/v1/cameras", json={"name": "No address"})
    assert neither.status_code == 422 and "onvif_url" in neither.json()["detail"]
    assert api.delete(f"/api/v1/cameras/{added['id']}").status_code == 204


def test_absolute_relative_and_centre_move_the_camera(world: World, api: httpx.Client) -> None:
    base = f"/api/v1/cameras/{world.camera_id}/ptz"
    state = api.get(base).json()
    assert state["capabilities"]["absolute"] and state["capabilities"]["presets"] and state["error"] is None
    assert api.post(f"{base}/absolute", json={"pan": 0.25, "tilt": -0.2, "zoom": 0.0}).status_code == 204
    p = _settled(world)
    assert (p.pan, p.tilt, p.zoom) == pytest.approx((0.25, -0.2, 0.0), abs=1e-3)
    assert api.get(base).json()["position"] == pytest.approx({"pan": 0.25, "tilt": -0.2, "zoom": 0.0}, abs=1e-3)
    assert api.post(f"{base}/relative", json={"pan": 0.1}).status_code == 204
    assert _settled(world).pan == pytest.approx(0.35, abs=1e-3)
    # Click at three quarters across, at zoom 0: a 90° picture, so 22.5° right = 0.125 of pan.
    r = api.post(f"{base}/centre", json={"x": 0.75, "y": 0.5})
    assert r.status_code == 200 and r.json()["translation"]["pan"] == pytest.approx(0.125, abs=1e-4)
    assert _settled(world).pan == pytest.approx(0.475, abs=1e-3)
    assert api.post(f"{base}/home").status_code == 204
    assert _settled(world) == PtzPosition(0.0, 0.0, 0.0)
    entries = _audit(world, "ptz.centre")
    assert entries and entries[-1].detail["x"] == 0.75  # type: ignore[attr-defined]
    _release_all(world)


def test_continuous_move_stops_by_itself_after_its_timeout(world: World, api: httpx.Client) -> None:
    base = f"/api/v1/cameras/{world.camera_id}/ptz"
    before = _settled(world).pan
    r = api.post(f"{base}/move", json={"pan": 0.5, "tilt": 0, "zoom": 0, "timeout_s": 0.4})
    assert r.status_code == 200 and r.json()["control"]["holder"] == "Administrator"
    assert r.json()["control"]["yours"] is True
    after = _settled(world).pan  # nobody sent Stop: the dead-man timeout ended the move
    # Half speed of 90°/s for 0.4 s = 18° = 0.1 of pan.
    assert after - before == pytest.approx(0.1, abs=0.01)
    assert api.post(f"{base}/stop").status_code == 204
    _release_all(world)


def test_presets_save_go_and_delete(world: World, api: httpx.Client) -> None:
    base = f"/api/v1/cameras/{world.camera_id}/ptz"
    api.post(f"{base}/absolute", json={"pan": -0.3, "tilt": 0.1, "zoom": 0.5})
    _settled(world)
    r = api.post(f"{base}/presets", json={"name": "Bus station"})
    assert r.status_code == 201
    token = r.json()["token"]
    listed = api.get(f"{base}/presets").json()
    assert [p["name"] for p in listed if p["token"] == token] == ["Bus station"]
    api.post(f"{base}/home")
    _settled(world)
    assert api.post(f"{base}/presets/{token}/go").status_code == 204
    p = _settled(world)
    assert (p.pan, p.tilt, p.zoom) == pytest.approx((-0.3, 0.1, 0.5), abs=1e-3)
    assert api.delete(f"{base}/presets/{token}").status_code == 204
    assert all(p["token"] != token for p in api.get(f"{base}/presets").json())
    missing = api.delete(f"{base}/presets/{token}")
    assert missing.status_code == 404 and "no preset" in missing.json()["detail"]
    _release_all(world)


def test_a_lower_priority_is_refused_with_who_controls_until_when(world: World) -> None:
    base = f"/api/v1/cameras/{world.camera_id}/ptz"
    with _signed_in(world, "ops1") as ops, _signed_in(world, "sup1") as sup:
        assert ops.post(f"{base}/move", json={"pan": 0.2, "timeout_s": 0.2}).status_code == 200
        taken = sup.post(f"{base}/move", json={"tilt": 0.2, "timeout_s": 0.2})  # supervisor outranks operator
        assert taken.status_code == 200 and taken.json()["control"]["holder"] == "Supervisor One"
        refused = ops.post(f"{base}/move", json={"pan": -0.2, "timeout_s": 0.2})
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert "controlled by Supervisor One (" in detail and " until 20" in detail
        state = ops.get(base).json()
        assert state["control"]["holder"] == "Supervisor One" and state["control"]["yours"] is False
        assert state["you"] == {"priority": 150, "may_reserve": False}
        not_privileged = ops.post(f"{base}/take", json={"reserve_s": 60})
        assert not_privileged.status_code == 422 and "may not reserve" in not_privileged.json()["detail"]
        assert ops.post(f"{base}/take").status_code == 409
        assert sup.post(f"{base}/release").status_code == 204
        assert ops.post(f"{base}/take").status_code == 200  # free again
        assert ops.post(f"{base}/release").status_code == 204
    takeovers = _audit(world, "ptz.takeover")
    assert any(e.username == "sup1" and e.detail["from"] == "Operator One" for e in takeovers)  # type: ignore[attr-defined]
    refusals = _audit(world, "ptz.refused")
    assert any(e.username == "ops1" and e.outcome == "refused" for e in refusals)  # type: ignore[attr-defined]
    assert {e.username for e in _audit(world, "ptz.move")} >= {"ops1", "sup1"}  # type: ignore[attr-defined]


def test_the_joystick_websocket_moves_and_hears_take_overs(world: World) -> None:
    url = world.base_url.replace("http://", "ws://") + f"/api/v1/cameras/{world.camera_id}/ptz/ws"
    ops_token = _token(world, "ops1")

    async def scenario() -> list[dict[str, object]]:
        seen: list[dict[str, object]] = []
        async with connect(url, additional_headers={"Authorization": f"Bearer {ops_token}"}) as ws:
            seen.append(json.loads(await ws.recv()))  # the owner now
            await ws.send(json.dumps({"type": "move", "seq": 1, "pan": 0.3, "timeout_s": 0.5}))
            # ops1 took control (pushed) and the move is acknowledged, in either order.
            pair = [json.loads(await ws.recv()), json.loads(await ws.recv())]
            seen.extend(sorted(pair, key=lambda m: m["type"] != "control"))
            with _signed_in(world, "sup1") as sup:
                await asyncio.to_thread(sup.post, f"/api/v1/cameras/{world.camera_id}/ptz/take")
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))  # pushed: sup1 has it now
            await ws.send(json.dumps({"type": "move", "seq": 2, "pan": -0.3}))
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))  # refused
        return seen

    seen = asyncio.run(scenario())
    assert seen[0] == {"type": "control", "control": None}
    assert seen[1]["type"] == "control" and seen[1]["control"]["holder"] == "Operator One"  # type: ignore[index]
    assert seen[2] == {"type": "ack", "seq": 1}
    assert seen[3]["type"] == "control" and seen[3]["control"]["holder"] == "Supervisor One"  # type: ignore[index]
    assert seen[4]["type"] == "error" and seen[4]["status"] == 409 and seen[4]["seq"] == 2
    assert "controlled by Supervisor One" in str(seen[4]["detail"])
    _release_all(world)


def test_a_tour_patrols_presets_and_pauses_for_an_operator(world: World, api: httpx.Client) -> None:
    base = f"/api/v1/cameras/{world.camera_id}/ptz"
    tokens = []
    for name, pan in (("West", -0.1), ("East", 0.1)):
        api.post(f"{base}/absolute", json={"pan": pan, "tilt": 0, "zoom": 0})
        _settled(world)
        tokens.append(api.post(f"{base}/presets", json={"name": name}).json()["token"])
    api.post(f"{base}/release")
    body = {"name": "Broadway loop", "steps": [{"preset": t, "dwell_s": 1} for t in tokens], "resume_after_s": 1}
    created = api.post(f"{base}/tours", json=body)
    assert created.status_code == 201, created.text
    tour_id = created.json()["id"]
    assert api.post(f"{base}/tours", json=body).status_code == 422  # same name twice
    started = api.post(f"{base}/tours/{tour_id}/start")
    assert started.status_code == 200 and started.json()["state"] == "running"
    _wait_for("the tour to reach West", lambda: abs(world.camera.position().pan + 0.1) < 1e-3)
    _wait_for("the tour to reach East", lambda: abs(world.camera.position().pan - 0.1) < 1e-3)
    with _signed_in(world, "ops1") as ops:
        assert ops.post(f"{base}/move", json={"tilt": 0.5, "timeout_s": 0.2}).status_code == 200
        tours = ops.get(f"{base}/tours").json()
        _wait_for("the tour to pause", lambda: ops.get(f"{base}/tours").json()[0]["state"] == "paused")
        assert tours[0]["name"] == "Broadway loop"
        assert ops.post(f"{base}/release").status_code == 204
    _wait_for("the tour to resume", lambda: api.get(f"{base}/tours").json()[0]["state"] == "running")
    assert api.post(f"{base}/tours/{tour_id}/stop").status_code == 204
    assert api.get(f"{base}/tours").json()[0]["state"] == "stopped"
    assert api.delete(f"{base}/tours/{tour_id}").status_code == 204
    assert [e.detail["tour"] for e in _audit(world, "ptz.tour.start")] == ["Broadway loop"]  # type: ignore[attr-defined]
    _release_all(world)


def test_call_up_turns_the_nearest_camera_to_an_alarm(world: World, api: httpx.Client) -> None:
    # 100 m due east of the camera, which is calibrated to look north at pan 0: pan +90° = +0.5.
    r = api.post("/api/v1/ptz/callup", json={"latitude": 51.4920, "longitude": -0.2236 + 100 / 69_280})
    assert r.status_code == 200, r.text
    (result,) = r.json()
    assert result["outcome"] == "moved" and result["distance_m"] == pytest.approx(100, abs=1)
    p = _settled(world)
    assert p.pan == pytest.approx(0.5, abs=2e-3) and p.tilt < 0 and p.zoom > 0
    _release_all(world)


def test_settings_shorten_the_lease_and_send_the_camera_home_when_it_lapses(world: World, api: httpx.Client) -> None:
    base = f"/api/v1/cameras/{world.camera_id}/ptz"
    with _signed_in(world, "ops1") as ops:
        assert ops.put(f"{base}/settings", json={"lease_s": 5}).status_code == 403  # configuring needs more
    r = api.put(f"{base}/settings", json={"lease_s": 2, "home_on_lapse": True, "max_zoom": 20})
    assert r.status_code == 200, r.text
    assert api.get(f"{base}/settings").json()["lease_s"] == 2
    control = api.post(f"{base}/take").json()["control"]
    assert control["holder"] == "Administrator"
    assert (parse_iso(control["until"]) - parse_iso(control["since"])) == 2_000_000
    assert api.post(f"{base}/absolute", json={"pan": 0.3, "tilt": 0, "zoom": 0}).status_code == 204
    _wait_for("the camera to turn", lambda: world.camera.position().pan > 0.2)
    _wait_for("the lease to lapse and the camera to go home", lambda: world.camera.position().pan == 0.0)
    assert api.get(base).json()["control"] is None
    homes = _audit(world, "ptz.home")
    assert any(e.detail.get("reason") == "lapse" and e.username is None for e in homes)  # type: ignore[attr-defined]
    assert _audit(world, "ptz.lapse")
    api.put(f"{base}/settings", json={})  # back to the defaults
    assert api.get(f"{base}/settings").json()["lease_s"] == 15
