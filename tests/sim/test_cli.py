"""``citywatch sim cameras`` in a subprocess: URLs on stdout, faults from another process, clean exit."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from .rtsp_client import RtspClient

CITYWATCH = str(Path(sys.executable).with_name("citywatch"))


def test_cameras_command_serves_and_takes_faults(loop_cache: Path) -> None:
    cmd = [CITYWATCH, "sim", "cameras", "--count", "2", "--rtsp-port", "0", "--control-port", "0"]
    cmd += ["--width", "320", "--height", "180", "--bitrate-kbps", "400", "--loop-s", "2"]
    cmd += ["--cache-dir", str(loop_cache)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        urls = [proc.stdout.readline().strip() for _ in range(2)]
        assert [u.rsplit("/", 2)[1:] for u in urls] == [["cam", "1"], ["cam", "2"]]
        assert all(u.startswith("rtsp://127.0.0.1:") for u in urls)
        control_port = proc.stderr.readline().split(":")[-1].split("/")[0]
        fault = [CITYWATCH, "sim", "fault", "--control-port", control_port, "--camera", "2", "refuse", "--seconds", "5"]
        done = subprocess.run(fault, capture_output=True, text=True, timeout=20, check=False)
        assert done.returncode == 0 and '"camera": 2' in done.stdout, done.stderr
        client = RtspClient(urls[1])
        try:
            assert client.request("DESCRIBE").status == 503
        finally:
            client.close()
        client = RtspClient(urls[0])
        try:
            assert client.request("DESCRIBE").status == 200
        finally:
            client.close()
        counters = httpx.get(f"http://127.0.0.1:{control_port}/cameras", timeout=5).json()
        assert [c["camera"] for c in counters] == [1, 2] and counters[0]["sessions"] == 0
        bad = httpx.post(f"http://127.0.0.1:{control_port}/cameras/2/fault", json={"kind": "explode"}, timeout=5)
        assert bad.status_code == 400 and "unknown fault" in bad.json()["error"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
