"""`citywatch demo` as an operator runs it: prints URL and login, records, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.video.recorded import wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_starts_the_borough_and_stops_cleanly(tmp_path: Path) -> None:
    port, rtsp_port = _free_port(), _free_port()
    env = dict(os.environ, CITYWATCH_ADMIN_PASSWORD="demo-test-pass")
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "citywatch", "demo", "--data-dir", str(tmp_path / "data"),
         "--port", str(port), "--rtsp-port", str(rtsp_port), "--cameras", "3"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return proc.poll() is not None

        wait_for(healthy, 90, "the demo server")
        assert proc.poll() is None, (tmp_path / "demo.log").read_text()
        printed = (tmp_path / "demo.log").read_text()
        assert f"http://127.0.0.1:{port}/" in printed and "admin /" in printed
        token = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": "admin", "password": "demo-test-pass"}, timeout=5
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        def all_online() -> bool:
            cameras = httpx.get(f"{base}/api/v1/cameras", headers=headers, timeout=5).json()
            return len(cameras) == 3 and all((c["status"] or {}).get("state") == "online" for c in cameras)

        wait_for(all_online, 60, "three demo cameras recording")
        assert httpx.get(f"{base}/api/v1/cameras", timeout=5).status_code == 401
        time.sleep(3)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, (tmp_path / "demo.log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "data" / "citywatch.db") as db:
        states = dict(db.execute("select state, count(*) from recordings group by state").fetchall())
        open_gaps = db.execute("select count(*) from gaps where end_us is null and reason = 'recorder_stopped'")
        assert states.get("closed", 0) >= 3 and "writing" not in states, states
        assert open_gaps.fetchone()[0] == 3, "a clean stop records why each camera stopped"
