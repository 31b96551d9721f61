"""A real citywatch for browser tests and the TTFF benchmark: virtual cameras, ``citywatch serve``, Chromium.

Nothing here is mocked: the sim serves RTSP, the server records it and serves the built web app from
``web/dist``; the browser is Debian's Chromium driven by Playwright (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
ADMIN_USER = "admin"
ADMIN_PASSWORD = "web-test-password-1"

# Hammersmith & Fulham places from the demo story, for the cameras' map positions.
PLACES = [
    ("Hammersmith Broadway", 51.4920, -0.2236, 200),
    ("King Street / Town Hall", 51.4927, -0.2310, 90),
    ("Shepherd's Bush Green", 51.5040, -0.2200, 160),
    ("Fulham Broadway", 51.4802, -0.1953, 300),
    ("Westfield London", 51.5075, -0.2214, 20),
    ("Loftus Road", 51.5093, -0.2322, 110),
    ("Craven Cottage", 51.4749, -0.2217, 250),
    ("Stamford Bridge", 51.4817, -0.1910, 45),
    ("Charing Cross Hospital", 51.4875, -0.2199, 180),
    ("Claybrook Centre", 51.4866, -0.2187, 270),
    ("Hammersmith police station", 51.4966, -0.2243, 0),
    ("Hammersmith Bridge", 51.4883, -0.2302, 170),
    ("Ravenscourt Park", 51.4942, -0.2363, 80),
    ("Parsons Green", 51.4753, -0.2013, 200),
    ("White City", 51.5120, -0.2246, 140),
    ("Putney Bridge", 51.4682, -0.2089, 10),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def citywatch_bin() -> str:
    exe = Path(sys.executable).parent / "citywatch"
    return str(exe) if exe.exists() else (shutil.which("citywatch") or "citywatch")


def missing_prerequisites() -> str | None:
    """Why the browser stack cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not installed"
    if not (WEB_DIST / "index.html").exists():
        return "web/dist not built (make web)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "python playwright not installed"
    try:
        from citywatch.api import cli  # noqa: F401
    except ImportError as exc:
        return f"citywatch serve not available: {exc}"
    return None


@dataclass
class Stack:
    """Sim cameras + ``citywatch serve`` in a temporary data directory."""

    data_dir: Path
    count: int = 4
    fps: int = 25
    log_dir: Path | None = None
    port: int = field(default_factory=free_port)
    camera_ids: list[int] = field(default_factory=list)
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _client: httpx.Client | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60) -> None:
        logs = self.log_dir or self.data_dir
        logs.mkdir(parents=True, exist_ok=True)
        urls_file = self.data_dir / "sim-urls.txt"
        env = {**os.environ, "CITYWATCH_ADMIN_PASSWORD": ADMIN_PASSWORD}
        sim = subprocess.Popen(
            [
                citywatch_bin(),
                "sim",
                "cameras",
                "--count",
                str(self.count),
                "--rtsp-port",
                "0",
                "--fps",
                str(self.fps),
                "--keyframe-interval-s",
                "1",
                "--live",
                "1",
                "--cache-dir",
                str(self.data_dir / "sim-cache"),
            ],
            stdout=urls_file.open("wb"),
            stderr=(logs / "sim.log").open("wb"),
            env=env,
            start_new_session=True,
        )
        self._procs.append(sim)
        server = subprocess.Popen(
            [citywatch_bin(), "serve", "--port", str(self.port), "--data-dir", str(self.data_dir / "data")],
            stdout=(logs / "serve.log").open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self._procs.append(server)
        urls = self._wait_for_urls(urls_file, timeout_s)
        self._wait_for_health(timeout_s)
        self._client = httpx.Client(base_url=self.base_url, timeout=30)
        self.login()
        for i, url in enumerate(urls):
            name, lat, lon, bearing = PLACES[i % len(PLACES)]
            created = self.request(
                "POST",
                "/api/v1/cameras",
                json={
                    "name": name,
                    "rtsp_url": url,
                    "latitude": lat,
                    "longitude": lon,
                    "bearing_deg": bearing,
                    "fov_deg": 70,
                    "range_m": 120,
                    "ptz": i % 4 == 0,
                    "enabled": True,
                    "retention_days": 1,
                },
            )
            self.camera_ids.append(int(created["id"]))

    def _wait_for_urls(self, path: Path, timeout_s: float) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            lines = [x.strip() for x in path.read_text().splitlines() if x.strip().startswith("rtsp://")]
            if len(lines) >= self.count:
                return lines[: self.count]
            self._check_alive()
            time.sleep(0.2)
        raise TimeoutError("the sim printed no camera URLs")

    def _wait_for_health(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=2).status_code == 200:
                    return
            self._check_alive()
            time.sleep(0.2)
        raise TimeoutError("citywatch serve did not answer /api/v1/health")

    def _check_alive(self) -> None:
        for p in self._procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[:3]} exited with {p.returncode}; logs in {self.log_dir or self.data_dir}")

    def login(self) -> None:
        assert self._client is not None
        r = self._client.post("/api/v1/auth/login", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD})
        r.raise_for_status()
        self._client.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def request(self, method: str, path: str, **kw: Any) -> Any:
        assert self._client is not None
        r = self._client.request(method, path, **kw)
        r.raise_for_status()
        return r.json() if r.content else None

    def cameras(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/api/v1/cameras"))

    def timeline(self, camera_id: int, start: str, end: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/api/v1/cameras/{camera_id}/timeline", params={"start": start, "end": end}))

    def wait_recording(self, seconds: float, timeout_s: float = 90) -> None:
        """Until every camera is online and has at least ``seconds`` recorded."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(self.recorded_s(cid) >= seconds for cid in self.camera_ids):
                return
            self._check_alive()
            time.sleep(1)
        raise TimeoutError(f"cameras did not record {seconds} s within {timeout_s} s")

    def recorded_s(self, camera_id: int) -> float:
        now = time.time()
        tl = self.timeline(camera_id, iso(now - 24 * 3600), iso(now + 60))
        return sum(parse_iso(s["end"]) - parse_iso(s["start"]) for s in tl["spans"])

    def set_enabled(self, camera_id: int, enabled: bool) -> None:
        cam = self.request("GET", f"/api/v1/cameras/{camera_id}")
        body = {
            k: cam[k]
            for k in (
                "name",
                "rtsp_url",
                "onvif_url",
                "latitude",
                "longitude",
                "bearing_deg",
                "fov_deg",
                "range_m",
                "ptz",
                "retention_days",
            )
        }
        body["enabled"] = enabled
        self.request("PUT", f"/api/v1/cameras/{camera_id}", json=body)

    def server_pid(self) -> int:
        return self._procs[1].pid

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        for p in reversed(self._procs):
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self._procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1000):03d}Z"


def parse_iso(s: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


@contextlib.contextmanager
def browser(**launch: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **launch)
        try:
            yield b
        finally:
            b.close()


def sign_in(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/#/wall")
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").wait_for()
