"""The built web app is served at / without sign-in; every /api/ path still needs it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.wiring import build_services


def test_spa_fallback_and_api_stays_protected(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>citywatch</title>")
    (dist / "assets" / "app.js").write_text("console.log('hi')")
    services = build_services(Settings(data_dir=tmp_path / "data", admin_password="web-app-password", web_dist=dist))
    try:
        with TestClient(create_app(services)) as client:
            assert "citywatch" in client.get("/").text
            assert "citywatch" in client.get("/playback/cameras/3").text  # client-side route
            js = client.get("/assets/app.js")
            assert js.status_code == 200 and "immutable" in js.headers["cache-control"]
            assert client.get("/../secret.key").status_code in (200, 404)  # never outside dist
            assert "citywatch" in client.get("/%2e%2e/data/secret.key").text
            assert client.get("/api/v1/nothing").status_code in (401, 404)
            assert client.get("/api/v1/cameras").status_code == 401
            assert client.get("/api/docs").status_code == 401  # the API reference is behind sign-in too
            login = client.post("/api/v1/auth/login", json={"username": "admin", "password": "web-app-password"})
            bearer = {"Authorization": f"Bearer {login.json()['token']}"}
            page = client.get("/api/docs", headers=bearer)
            assert page.status_code == 200 and "/api/v1/cameras/{camera_id}/playback.m3u8" in page.text
            assert "cdn" not in page.text.lower() and "<script" not in page.text
    finally:
        services.close()
