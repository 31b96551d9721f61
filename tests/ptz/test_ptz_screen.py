"""The PTZ screen in Chromium: arrow keys move the virtual camera, the owner line follows a take-over pushed
over the WebSocket, and a refused click-to-centre says who controls the camera."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from citywatch.access.users import UserInput, UserService
from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.sim.onvif import SimOnvifCamera, start_onvif_device
from citywatch.video.cameras import CameraInput
from citywatch.wiring import build_services
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD
from tests.ptz.test_api_ptz import with_ptz_shutdown
from tests.web.stack import CHROMIUM, WEB_DIST, browser

PASSWORD = "a long enough test password 1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SimOnvifCamera]]:
    dist = Path(os.environ.get("CITYWATCH_WEB_DIST") or WEB_DIST)
    if not (dist / "index.html").exists() or not Path(CHROMIUM).exists():
        pytest.fail(f"the PTZ screen test needs the built web app ({dist}) and {CHROMIUM}: run make test")
    camera = start_onvif_device(username="onvif", password=PASSWORD)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("ptz-web"),
        admin_password=ADMIN_PASSWORD,
        admin_mfa_exempt=True,
        mfa_roles=[],
        web_dist=dist,
    )
    services = build_services(settings)
    services.cameras.add(
        CameraInput(
            name="Shepherd's Bush Green",
            rtsp_url=camera.rtsp_url,
            username="onvif",
            password=PASSWORD,
            onvif_url=camera.url,
            fov_deg=90.0,
            ptz=True,
        )
    )
    app = with_ptz_shutdown(create_app(services))
    users = UserService(services.sessions, services.secrets)
    council = next(o for o in users.organisations() if o.kind == "council")
    users.add(UserInput("ops1", "Operator One", council.id, "operator", PASSWORD))
    users.add(UserInput("sup1", "Supervisor One", council.id, "supervisor", PASSWORD))
    try:
        with running(app) as url:
            yield url, camera
    finally:
        services.close()
        camera.close()


def _settled_pan(camera: SimOnvifCamera) -> float:
    deadline = time.monotonic() + 10
    while any(camera.motion.moving()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return camera.position().pan


def test_keys_move_the_camera_and_the_owner_line_follows_take_overs(site: tuple[str, SimOnvifCamera]) -> None:
    url, camera = site
    with browser() as chromium:
        page: Any = chromium.new_page(viewport={"width": 1400, "height": 850}, locale="en-GB")
        page.set_default_timeout(15_000)
        page.goto(f"{url}/#/ptz/1")
        page.get_by_label("Username").fill("ops1")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{url}/#/ptz/1")
        page.get_by_text("Free: anyone allowed may take control").wait_for()

        page.keyboard.down("ArrowRight")
        page.wait_for_timeout(600)
        page.keyboard.up("ArrowRight")
        assert _settled_pan(camera) > 0.05
        page.get_by_text("You have control until").wait_for()

        r = httpx.post(f"{url}/api/v1/auth/login", json={"username": "sup1", "password": PASSWORD})
        sup = {"Authorization": f"Bearer {r.json()['token']}"}
        assert httpx.post(f"{url}/api/v1/cameras/1/ptz/take", headers=sup).status_code == 200
        page.get_by_text("Controlled by Supervisor One (").wait_for()  # pushed over the WebSocket
        assert page.get_by_role("button", name="Take over").count() == 0  # an operator cannot outrank

        box = page.locator(".ptz-surface").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
        alert = page.locator(".ptz-error[role=alert]")
        alert.wait_for()
        assert "is controlled by Supervisor One" in alert.inner_text(), page.locator(".ptz-controls").inner_text()
        page.close()
