"""Measure the camera server's CPU: N loop cameras, one draining RTSP client each.

    .venv/bin/python -m tests.sim.bench_server --count 50 --seconds 20

The server runs as ``citywatch sim cameras`` in its own process (so only its CPU is counted);
the clients are raw asyncio sockets in this process that read and discard. Not a pytest test:
it takes a minute and needs the 1080p loop (encoded once into the loop cache).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil


async def _drain(url: str, counters: dict[str, int]) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    session = ""
    for cseq, (method, target, extra) in enumerate(
        [
            ("DESCRIBE", url, ""),
            ("SETUP", url + "/trackID=0", "Transport: RTP/AVP/TCP;interleaved=0-1\r\n"),
            ("PLAY", url + "/", ""),
        ],
        1,
    ):
        sess = f"Session: {session}\r\n" if session else ""
        writer.write(f"{method} {target} RTSP/1.0\r\nCSeq: {cseq}\r\n{sess}{extra}\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = next((int(h.split(":")[1]) for h in head.split("\r\n") if h.lower().startswith("content-length")), 0)
        await reader.readexactly(length)
        for h in head.split("\r\n"):
            if h.lower().startswith("session:"):
                session = h.split(":", 1)[1].strip().split(";")[0]
    while True:
        data = await reader.read(262144)
        if not data:
            return
        counters["bytes"] += len(data)


async def _measure(args: argparse.Namespace, urls: list[str], pid: int) -> None:
    counters = {"bytes": 0}
    tasks = []
    for url in urls:  # staggered, as a recorder would
        tasks.append(asyncio.create_task(_drain(url, counters)))
        await asyncio.sleep(0.02)
    await asyncio.sleep(5)
    proc = psutil.Process(pid)
    cpu0, bytes0, t0 = proc.cpu_times(), counters["bytes"], time.monotonic()
    await asyncio.sleep(args.seconds)
    cpu1, bytes1, t1 = proc.cpu_times(), counters["bytes"], time.monotonic()
    busy = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    mbit = (bytes1 - bytes0) * 8 / (t1 - t0) / 1e6
    print(
        f"{args.count} cameras ({args.live} live) {args.width}x{args.height} {args.fps} fps "
        f"{args.bitrate_kbps} kbit/s: "
        f"server CPU {100 * busy / (t1 - t0):.1f} % of one core "
        f"(user {cpu1.user - cpu0.user:.1f} s, sys {cpu1.system - cpu0.system:.1f} s in {t1 - t0:.0f} s), "
        f"RSS {proc.memory_info().rss / 2**20:.0f} MiB, received {mbit:.1f} Mbit/s "
        f"({mbit / args.count:.2f} per camera)",
        flush=True,
    )
    for task in tasks:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--bitrate-kbps", type=int, default=3000)
    parser.add_argument("--live", type=int, default=0, help="how many cameras render live")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("citywatch"))
    cmd = [exe, "sim", "cameras", "--count", str(args.count), "--rtsp-port", "0", "--width", str(args.width)]
    cmd += ["--height", str(args.height), "--fps", str(args.fps), "--bitrate-kbps", str(args.bitrate_kbps)]
    cmd += ["--live", str(args.live)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        urls = [server.stdout.readline().strip() for _ in range(args.count)]
        asyncio.run(_measure(args, urls, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
