"""PTZ latency: an operator's command → the first frame at the viewer in which the picture has moved.

    .venv/bin/python bench/ptz_latency.py [--commands 30] [--width 640 --height 360]

A virtual PTZ camera (ONVIF + RTSP, 25 fps) and the API (uvicorn in a thread of this process, 127.0.0.1) run
here. A viewer decodes the camera's RTSP stream with PyAV in a thread, keeping for every frame its arrival time
and a grey 1/4-scale picture. For each command: wait until the picture is still, send
``POST /api/v1/cameras/1/ptz/move`` (continuous pan at half speed, 0.3 s dead-man timeout, through
arbitration and the audit log), and find the first frame arriving after the send whose difference from the frame
before exceeds a threshold calibrated on the still picture (moving cars and sensor noise included). Latency =
that frame's arrival − the time the request was sent. Directions alternate so the camera stays in one place.

The viewer here reads the camera directly, as a control-room decoder does; the platform's browser live view
adds its own delivery delay (whole GOPs: see "Live view" in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import numpy.typing as npt
import uvicorn
from fastapi import FastAPI

from citywatch.api import create_app, routes_ptz
from citywatch.config import Settings
from citywatch.sim.onvif import start_onvif_device
from citywatch.video.cameras import CameraInput
from citywatch.wiring import build_services

PASSWORD = "bench-password-not-secret"
Grey = npt.NDArray[np.int16]


@contextlib.contextmanager
def running(app: FastAPI) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)


class Viewer:
    """Decodes an RTSP stream in a thread; ``frames`` holds (arrival time.time(), grey picture, diff to previous)."""

    def __init__(self, url: str) -> None:
        self.frames: list[tuple[float, float]] = []
        self._url, self._stop = url, threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        options = {"rtsp_transport": "tcp", "fflags": "nobuffer", "flags": "low_delay"}
        with av.open(self._url, options=options) as container:
            stream = container.streams.video[0]
            stream.thread_type = "NONE"  # frame threading would hold frames back
            previous: Grey | None = None
            for frame in container.decode(stream):
                arrived = time.time()
                grey = frame.to_ndarray(format="gray")[::4, ::4].astype(np.int16)
                diff = float(np.abs(grey - previous).mean()) if previous is not None else 0.0
                previous = grey
                with self._lock:
                    self.frames.append((arrived, diff))
                if self._stop.is_set():
                    return

    def since(self, t: float) -> list[tuple[float, float]]:
        with self._lock:
            return [f for f in self.frames if f[0] > t]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def calibrate(viewer: Viewer, seconds: float) -> float:
    """The largest frame-to-frame difference of the still picture, times a margin."""
    start = time.time()
    time.sleep(seconds)
    still = [d for t, d in viewer.since(start)]
    return max(still) * 2.0 + 0.5


def measure(api: httpx.Client, viewer: Viewer, threshold: float, commands: int) -> list[float]:
    latencies = []
    for i in range(commands):
        time.sleep(0.8)  # the previous move (0.3 s) has ended; the picture is still again
        direction = 0.5 if i % 2 == 0 else -0.5
        sent = time.time()
        r = api.post("/api/v1/cameras/1/ptz/move", json={"pan": direction, "timeout_s": 0.3})
        r.raise_for_status()
        deadline = sent + 3.0
        while time.time() < deadline:
            moved = [t for t, d in viewer.since(sent) if d > threshold]
            if moved:
                latencies.append((moved[0] - sent) * 1000)
                break
            time.sleep(0.005)
        else:
            raise RuntimeError(f"command {i}: no moved frame within 3 s (threshold {threshold:.2f})")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=30)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args()

    camera = start_onvif_device(username="onvif", password=PASSWORD, width=args.width, height=args.height)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), admin_password=PASSWORD, admin_mfa_exempt=True, mfa_roles=[])
        services = build_services(settings)
        services.cameras.add(
            CameraInput(
                name="Bench PTZ",
                rtsp_url=camera.rtsp_url,
                username="onvif",
                password=PASSWORD,
                onvif_url=camera.url,
                fov_deg=90.0,
                ptz=True,
            )
        )
        viewer = Viewer(camera.rtsp_url.replace("rtsp://", f"rtsp://onvif:{PASSWORD}@"))
        try:
            app = create_app(services)
            inner = app.router.lifespan_context

            @contextlib.asynccontextmanager
            async def lifespan(a: Any) -> AsyncIterator[Any]:
                async with inner(a) as state:
                    yield state
                await routes_ptz.close(app)  # the cameras' ONVIF clients

            app.router.lifespan_context = lifespan
            with running(app) as base_url:
                token = httpx.post(
                    f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
                ).json()["token"]
                with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
                    # The first request connects the ONVIF client (WSDLs parsed once per process: ~4 s).
                    api.get("/api/v1/cameras/1/ptz").raise_for_status()
                    while len(viewer.frames) < 25:
                        time.sleep(0.1)
                    threshold = calibrate(viewer, 3.0)
                    latencies = measure(api, viewer, threshold, args.commands)
        finally:
            viewer.close()
            services.close()
            camera.close()
    q = statistics.quantiles(latencies, n=20)
    print(f"{args.commands} commands, {args.width}x{args.height} 25 fps, threshold {threshold:.2f} grey levels")
    print(
        f"command → first moved frame: p50 {statistics.median(latencies):.0f} ms, p95 {q[18]:.0f} ms, "
        f"min {min(latencies):.0f} ms, max {max(latencies):.0f} ms (target p50 ≤ 300 ms)"
    )


if __name__ == "__main__":
    main()
