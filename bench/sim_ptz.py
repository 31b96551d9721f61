"""Virtual PTZ camera costs: CPU per rendered frame, and ONVIF command → first moved frame at a viewer.

    .venv/bin/python bench/sim_ptz.py [--frames 300] [--commands 30]

1. Render and encode cost, CPU time of the rendering thread (``time.thread_time``, so other load on the
   machine inflates it less than wall time would), per frame, for a still view, a view panning every frame
   (the gather indices change each frame) and a panning view at 8x zoom; 640x360 and 1280x720.
2. Latency at the device, without the platform: one camera (640x360, 25 fps) with its ONVIF device; a PyAV
   viewer decodes the RTSP stream in a thread (no buffering, no frame threads). For each command: wait until
   the picture is still, POST a signed ContinuousMove (half speed, 0.3 s timeout) to the PTZ service, and find
   the first frame arriving after the send whose difference from the frame before exceeds a threshold
   calibrated on the still picture. Latency = that frame's arrival − the send.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import threading
import time
from datetime import UTC, datetime

import av
import httpx
import numpy as np

from citywatch.sim.encoder import H264Encoder, StreamParams
from citywatch.sim.onvif import start_onvif_device
from citywatch.sim.onvif._security import password_digest
from citywatch.sim.scene import StreetScene, Viewport

PASSWORD = "bench-password-not-secret"
LABELS = ("CAM 1", "2026-11-26 03:42:24.940Z")


def render_cost(frames: int) -> None:
    for width, height, kbps in ((640, 360, 800), (1280, 720, 2000)):
        scene = StreetScene(width, height, seed=1)
        encoder = H264Encoder(StreamParams(width, height, 25, kbps))
        cases = {
            "still, zoom 1": [Viewport(0.0, 0.0, 1.0)] * frames,
            "panning, zoom 1": [Viewport(i * 0.9, 0.0, 1.0) for i in range(frames)],
            "panning, zoom 8": [Viewport(i * 0.2, 5.0, 8.0) for i in range(frames)],
        }
        for name, views in cases.items():
            scene.render(0.0, 0, LABELS, views[0])
            start = time.thread_time()
            pictures = [scene.render(i / 25, i, LABELS, vp) for i, vp in enumerate(views)]
            render_ms = (time.thread_time() - start) / frames * 1000
            start = time.thread_time()
            for i, picture in enumerate(pictures):
                encoder.encode(picture, i)
            encode_ms = (time.thread_time() - start) / frames * 1000
            print(f"{width}x{height} {name}: render {render_ms:.2f} ms, encode {encode_ms:.2f} ms CPU per frame")
        encoder.close()


class Viewer:
    """Decodes an RTSP stream in a thread; ``frames`` holds (arrival time.time(), difference to the frame before)."""

    def __init__(self, url: str) -> None:
        self.frames: list[tuple[float, float]] = []
        self._url, self._stop, self._lock = url, threading.Event(), threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        options = {"rtsp_transport": "tcp", "fflags": "nobuffer", "flags": "low_delay"}
        with av.open(self._url, options=options) as container:
            stream = container.streams.video[0]
            stream.thread_type = "NONE"
            previous = None
            for frame in container.decode(stream):
                arrived = time.time()
                grey = frame.to_ndarray(format="gray")[40::4, ::4].astype(np.int16)  # below the labels
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


def continuous_move(username: str, pan: float) -> bytes:
    nonce = os.urandom(16)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    digest = password_digest(nonce, created, PASSWORD)
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">'
        f'<s:Header><wsse:Security xmlns:wsse="{wsse}" xmlns:wsu="{wsu}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username><wsse:Password>{digest}</wsse:Password>"
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security></s:Header><s:Body><tptz:ContinuousMove>"
        f'<tptz:ProfileToken>profile_1</tptz:ProfileToken><tptz:Velocity><tt:PanTilt x="{pan}" y="0"/>'
        "</tptz:Velocity><tptz:Timeout>PT0.3S</tptz:Timeout></tptz:ContinuousMove></s:Body></s:Envelope>"
    ).encode()


def latency(commands: int) -> None:
    camera = start_onvif_device(username="bench", password=PASSWORD, width=640, height=360)
    viewer = Viewer(camera.rtsp_url)
    ptz_url = camera.url.replace("device_service", "ptz_service")
    try:
        time.sleep(3.0)  # probing done, frames flowing
        start = time.time()
        time.sleep(3.0)
        threshold = max(d for _, d in viewer.since(start)) * 2.0 + 0.5
        latencies = []
        with httpx.Client(timeout=5) as http:
            for i in range(commands):
                time.sleep(0.8)
                sent = time.time()
                response = http.post(ptz_url, content=continuous_move("bench", 0.5 if i % 2 == 0 else -0.5))
                response.raise_for_status()
                deadline = sent + 3.0
                while time.time() < deadline:
                    moved = [t for t, d in viewer.since(sent) if d > threshold]
                    if moved:
                        latencies.append((moved[0] - sent) * 1000)
                        break
                    time.sleep(0.005)
                else:
                    raise RuntimeError(f"command {i}: no moved frame within 3 s (threshold {threshold:.2f})")
        latencies.sort()
        p90 = latencies[int(len(latencies) * 0.9) - 1]
        print(
            f"ONVIF ContinuousMove → first moved frame at the viewer, {commands} commands: "
            f"p50 {statistics.median(latencies):.0f} ms, p90 {p90:.0f} ms, min {latencies[0]:.0f} ms, "
            f"max {latencies[-1]:.0f} ms (threshold {threshold:.2f})"
        )
    finally:
        viewer.close()
        camera.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--commands", type=int, default=30)
    args = parser.parse_args()
    render_cost(args.frames)
    latency(args.commands)


if __name__ == "__main__":
    main()
