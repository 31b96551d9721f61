"""Live latency: a frame's capture time (its SEI) → the moment its GOP reaches a WebSocket viewer.

    .venv/bin/python bench/live_latency.py [--viewers 1 50] [--seconds 15]

A virtual camera (1 s keyframe interval, 25 fps, 640×360) is recorded by the real recorder (a worker
process); the API runs in this process on 127.0.0.1 and the viewers are ``websockets`` clients in
this process too. For every frame received: latency = arrival − SEI capture time (same host clock).
Reported: all frames (what a viewer sees on average), and first/last frame of each message. Each
``--part-ms`` value is one run in the same process: 0 sends whole GOPs (the first frame of a GOP waits
about one keyframe interval), 200 sends parts of a GOP every 200 ms (the default setting).

    .venv/bin/python bench/live_latency.py --viewers 1 20 --part-ms 0 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import connect

from citywatch.api import create_app
from citywatch.config import RecorderSettings, Settings
from citywatch.sim.network import CameraNetwork
from citywatch.video.cameras import CameraInput
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.h264 import avcc_nal_units
from citywatch.video.sei import find_capture_stamp
from citywatch.video.supervisor import RecorderSupervisor
from citywatch.wiring import build_services

PASSWORD = "bench-password-not-secret"


@contextlib.contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """uvicorn on 127.0.0.1 (free port) in a thread of this process."""
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


def _capture_times(init: bytes, fragment: bytes) -> list[int]:
    layout = read_layout(init + fragment)
    out = []
    for frag in layout.fragments:
        pos = frag.mdat_payload_offset
        blob = init + fragment
        for size in frag.sizes:
            stamp = find_capture_stamp(avcc_nal_units(blob[pos : pos + size]))
            if stamp is not None:
                out.append(stamp.capture_us)
            pos += size
    return out


async def _viewer(url: str, token: str, seconds: float, results: dict[str, list[float]]) -> None:
    init = b""
    expect_init = False
    received: list[tuple[int, bytes, bytes]] = []  # parsed after the run, so parsing cannot delay arrivals
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=1 << 24) as ws:
        deadline = time.monotonic() + seconds
        warm_until = time.monotonic() + 1.5  # on joining, the current GOP so far arrives at once
        while time.monotonic() < deadline:
            message = await ws.recv()
            arrived_us = time.time_ns() // 1000
            if isinstance(message, str):
                expect_init = True
                continue
            if expect_init:
                init, expect_init = message, False
                continue
            if time.monotonic() < warm_until:
                continue
            received.append((arrived_us, init, message))
    for arrived_us, init, message in received:
        captures = _capture_times(init, message)
        if captures:
            results["all"] += [(arrived_us - c) / 1000 for c in captures]
            results["first"].append((arrived_us - captures[0]) / 1000)
            results["last"].append((arrived_us - captures[-1]) / 1000)


def _summary(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:.0f} ms  p90 {q[89]:.0f} ms  p99 {q[98]:.0f} ms  (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--part-ms", type=float, nargs="+", default=[0.0, 200.0])
    args = parser.parse_args()
    for part_ms in args.part_ms:
        print(f"live parts of {part_ms:g} ms" if part_ms else "whole GOPs")
        _measure(args, part_ms)


def _measure(args: argparse.Namespace, part_ms: float) -> None:
    net = CameraNetwork(1, width=640, height=360, fps=25, bitrate_kbps=800, keyframe_interval_s=1.0)
    with net.running_in_thread(), tempfile.TemporaryDirectory() as tmp:
        recorder = RecorderSettings(workers=1, live_part_ms=part_ms)
        settings = Settings(data_dir=Path(tmp), admin_password=PASSWORD, admin_mfa_exempt=True, recorder=recorder)
        services = build_services(settings)
        services.cameras.add(CameraInput(name="Latency", rtsp_url=net.urls[0]))
        app = create_app(services, background=[RecorderSupervisor(services)])
        with running(app) as base:
            import httpx

            token = httpx.post(f"{base}/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).json()[
                "token"
            ]
            url = base.replace("http://", "ws://") + "/api/v1/cameras/1/live"
            auth = {"Authorization": f"Bearer {token}"}
            while httpx.get(f"{base}/api/v1/cameras/1/live.m3u8", headers=auth).status_code != 200:
                time.sleep(0.2)  # the recorder worker is starting
            for viewers in args.viewers:
                results: dict[str, list[float]] = {"all": [], "first": [], "last": []}

                async def run(n: int = viewers, r: dict[str, list[float]] = results) -> None:
                    await asyncio.gather(*(_viewer(url, token, args.seconds, r) for _ in range(n)))

                asyncio.run(run())
                print(f"{viewers} viewer(s), RTSP sessions at the camera: {net.camera(1).sessions}")
                for key, label in (
                    ("all", "every frame"),
                    ("first", "first frame of a message"),
                    ("last", "last frame of a message"),
                ):
                    print(f"  {label:20s} {_summary(results[key])}")
        services.close()


if __name__ == "__main__":
    main()
