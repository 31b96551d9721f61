from __future__ import annotations

import httpx

from tests.playback_fixtures import ADMIN_PASSWORD


def login(base_url: str) -> str:
    r = httpx.post(f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {login(base_url)}"}, timeout=30)
