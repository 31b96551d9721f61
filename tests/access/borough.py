"""A real installation with the demo borough's organisations, people and agreements, and footage.

Camera 1 (council) has recorded footage; cameras 2–4 belong to Westfield, QPR and Fulham FC.
Police accounts have the demo's authenticator enrolled; ``totp_code`` makes a fresh code for each
sign-in (a code is accepted once).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp

from citywatch.access.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo_access
from citywatch.api.app import create_app
from citywatch.store.db import advance_id_sequences
from citywatch.store.models import Camera
from tests.api.server import running
from tests.playback_fixtures import ADMIN_PASSWORD, Recorded, record

PARTNER_CAMERAS = {2: "Westfield London atrium", 3: "Loftus Road Ellerslie Road", 4: "Craven Cottage riverside"}

_steps_used: dict[str, int] = {}


def totp_code(username: str) -> str:
    """A code for a step this user has not used yet (the server refuses a code's replay)."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    step = max(int(time.time() // 30), _steps_used.get(username, -1) + 1)
    if step > int(time.time() // 30) + 1:  # used the next step already: wait for the clock
        time.sleep((step - 1) * 30 - time.time() + 0.5)
    _steps_used[username] = step
    return totp.at(step * 30)


@dataclass
class Borough:
    url: str
    recorded: Recorded

    def login(self, username: str, password: str = DEMO_PASSWORD, *, totp: bool | None = None) -> httpx.Response:
        body: dict[str, str] = {"username": username, "password": password}
        if totp or (totp is None and username in ("pc.jones", "sgt.khan")):
            body["totp"] = totp_code(username)
        return httpx.post(f"{self.url}/api/v1/auth/login", json=body, timeout=30)

    def client(self, username: str, password: str | None = None) -> httpx.Client:
        if username == "admin":
            password = ADMIN_PASSWORD
        r = self.login(username, password or DEMO_PASSWORD)
        assert r.status_code == 200, r.text
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=30)


@contextlib.contextmanager
def borough(data_dir: Path) -> Iterator[Borough]:
    rec = record(data_dir)
    with rec.services.sessions.begin() as session:
        for camera_id, name in PARTNER_CAMERAS.items():
            session.add(
                Camera(
                    id=camera_id,
                    name=name,
                    rtsp_url=f"rtsp://127.0.0.1:8554/cam/{camera_id}",
                    enabled=False,
                    created_us=0,
                    updated_us=0,
                )
            )
        session.flush()
        advance_id_sequences(session.connection(), "cameras")  # the ids were given (PostgreSQL)
    app = create_app(rec.services)
    seed_demo_access(rec.services, app.state.ctx.auth.users)
    try:
        with running(app) as url:
            yield Borough(url, rec)
    finally:
        rec.services.close()
