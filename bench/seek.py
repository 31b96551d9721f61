"""Seek benchmark: playback.m3u8 and timeline latency over a synthetic index of many cameras × days.

    .venv/bin/python bench/seek.py                       # 800 cameras × 31 days (~35.7 M rows), cached
    .venv/bin/python bench/seek.py --cameras 50 --days 7 # smaller
    .venv/bin/python bench/seek.py --rebuild             # throw the cached index away
    .venv/bin/python bench/seek.py --baseline-src /tmp/before/src  # before/after, requests interleaved

The index (rows only, no media files) is built once into ``bench/out/seek-<C>x<D>.db`` (git-ignored)
and reused. Every row is a one-minute recording with a realistic ~420-byte GOP index (60 GOPs of
1 s); each camera-day has two outages (gaps of 1–10 minutes, new run after each). Requests go over
real HTTP to ``citywatch serve --no-recorder`` on 127.0.0.1, one at a time, for random cameras and
instants: a default (one-hour) playlist and a one-day timeline. Targets: p99 ≤ 20 ms for playback
and ≤ 50 ms for a one-day timeline. Prints build time, DB size and percentiles.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from citywatch.store.db import make_engine, upgrade
from citywatch.timeutil import iso
from citywatch.video.gop_index import encode_gops

OUT = Path(__file__).resolve().parent / "out"
MINUTE_US = 60_000_000
DAY_US = 86_400_000_000
PASSWORD = "bench-password-not-secret"


def _blobs(count: int = 64) -> list[bytes]:
    rng = random.Random(7)
    return [encode_gops((rng.randint(300_000, 450_000), 90_000, 25) for _ in range(60)) for _ in range(count)]


def _rows(camera_id: int, t0_us: int, days: int, rng: random.Random, blobs: list[bytes]) -> Iterator[tuple]:  # type: ignore[type-arg]
    run = 0
    for day in range(days):
        outages = sorted(rng.sample(range(10, 1430), 2))
        for minute in range(1440):
            start = t0_us + day * DAY_US + minute * MINUTE_US
            if minute in outages:
                run += 1
                continue  # this minute is a gap
            run_id = f"{camera_id:06d}-{run:08d}".ljust(36, "0")
            blob = blobs[(camera_id + minute) % len(blobs)]
            yield (
                camera_id,
                run_id,
                minute,
                "closed",
                "/srv/media",
                f"{camera_id}/{start}.mp4",
                start,
                start + MINUTE_US,
                minute * 5_400_000,
                5_400_000,
                0.0,
                22_500_000,
                700,
                1500,
                60,
                blob,
                "avc1.640028",
                1920,
                1080,
                None,
                False,
                "local",
            )
        run += 1


def _gaps(camera_id: int, t0_us: int, days: int, rng: random.Random) -> Iterator[tuple]:  # type: ignore[type-arg]
    for day in range(days):
        outages = sorted(rng.sample(range(10, 1430), 2))
        for minute in outages:
            start = t0_us + day * DAY_US + minute * MINUTE_US
            yield (camera_id, start, start + MINUTE_US, "camera_offline", "synthetic outage")


def build(path: Path, cameras: int, days: int) -> float:
    started = time.perf_counter()
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    upgrade(engine)
    engine.dispose()
    t0 = (int(time.time()) // 86_400 - days - 1) * DAY_US
    blobs = _blobs()
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.executemany(
        "INSERT INTO cameras (id, name, rtsp_url, ptz, enabled, created_us, updated_us) VALUES (?,?,?,?,?,?,?)",
        [(c, f"Camera {c}", f"rtsp://127.0.0.1/cam/{c}", False, False, 0, 0) for c in range(1, cameras + 1)],
    )
    columns = (
        "camera_id, run_id, run_seq, state, media_dir, path, start_us, end_us, media_start_90k, duration_90k, "
        "rate_ppm, size_bytes, init_bytes, frames, gops, gop_index, codec, width, height, sha256, recovered, node"
    )
    insert = f"INSERT INTO recordings ({columns}) VALUES ({', '.join('?' * 22)})"
    for camera_id in range(1, cameras + 1):
        db.executemany(insert, _rows(camera_id, t0, days, random.Random(camera_id), blobs))
        db.executemany(
            "INSERT INTO gaps (camera_id, start_us, end_us, reason, detail) VALUES (?,?,?,?,?)",
            _gaps(camera_id, t0, days, random.Random(camera_id)),
        )
        if camera_id % 50 == 0:
            db.commit()
            print(f"  {camera_id}/{cameras} cameras, {time.perf_counter() - started:.0f} s", flush=True)
    db.commit()
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    tmp.rename(path)
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentiles(samples_s: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples_s)
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:.1f} ms  p90 {q[89]:.1f} ms  p99 {q[98]:.1f} ms  max {ms[-1]:.1f} ms  (n={len(ms)})"


def _serve(path: Path, data_dir: Path, src: Path | None) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start ``citywatch serve`` on the index (from ``src`` when given) and sign in: process, base URL, token."""
    port = _free_port()
    env = {
        **os.environ,
        "CITYWATCH_DATABASE_URL": f"sqlite:///{path}",
        "CITYWATCH_ADMIN_PASSWORD": PASSWORD,
        "CITYWATCH_ADMIN_MFA_EXEMPT": "true",
    }
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [
        sys.executable,
        "-c",
        "from citywatch.cli import main; main()",
        "serve",
        "--no-recorder",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.terminate()
            raise SystemExit("server did not start")
        time.sleep(0.2)
    login = {"username": "admin", "password": PASSWORD}
    return server, base, httpx.post(f"{base}/api/v1/auth/login", json=login).json()["token"]


def measure(path: Path, cameras: int, days: int, requests: int, baseline_src: Path | None = None) -> None:
    """With ``baseline_src``, a second server runs that source tree and requests alternate between the two."""
    trees: list[tuple[str, Path | None]] = [("", None)]
    if baseline_src is not None:
        trees = [("baseline ", baseline_src), ("this tree ", None)]
    servers = []
    try:
        for _name, src in trees:
            servers.append(_serve(path, OUT / f"seek-data{'-baseline' if src else ''}", src))
        with sqlite3.connect(path) as db:
            lo, hi = db.execute("SELECT MIN(start_us), MAX(end_us) FROM recordings WHERE camera_id = 1").fetchone()
        rng = random.Random(1)
        apis = [
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            for _, base, token in servers
        ]
        for label, make in (
            ("playback.m3u8 (1 h)", lambda c, t: (f"/api/v1/cameras/{c}/playback.m3u8", {"start": iso(t)})),
            (
                "timeline (1 day)",
                lambda c, t: (f"/api/v1/cameras/{c}/timeline", {"start": iso(t), "end": iso(t + DAY_US)}),
            ),
            (
                "timeline (31 days)",
                lambda c, t: (f"/api/v1/cameras/{c}/timeline", {"start": iso(lo), "end": iso(hi)}),
            ),
        ):
            samples: list[list[float]] = [[] for _ in apis]
            sizes: list[int] = []
            for i in range(requests + 20):
                camera = rng.randint(1, cameras)
                at = rng.randint(lo, hi - DAY_US if "day" in label else hi - 3_600_000_000)
                url, params = make(camera, at)
                order = list(range(len(apis)))[:: 1 if i % 2 else -1]  # same request, alternating who goes first
                for k in order:
                    begin = time.perf_counter()
                    r = apis[k].get(url, params=params)
                    elapsed = time.perf_counter() - begin
                    if r.status_code != 200:
                        raise SystemExit(f"{url}: {r.status_code} {r.text[:200]}")
                    if i >= 20:  # the first requests warm up the server
                        samples[k].append(elapsed)
                        sizes.append(len(r.content))
            for (name, _), got in zip(trees, samples, strict=True):
                print(f"{name}{label:22s} {_percentiles(got)}  ~{statistics.mean(sizes) / 1000:.0f} kB", flush=True)
        for api in apis:
            api.close()
    finally:
        for server, _, _ in servers:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=800)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per kind")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="also serve the index from this source tree (e.g. git archive <commit> src | tar -x -C DIR; pass DIR/src) "
        "and alternate requests between the two servers: before and after under the same machine state",
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"seek-{args.cameras}x{args.days}.db"
    if args.rebuild or not path.exists():
        print(f"building {args.cameras} cameras × {args.days} days into {path} …", flush=True)
        took = build(path, args.cameras, args.days)
        print(f"built in {took:.0f} s", flush=True)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT MAX(id) FROM recordings").fetchone()[0]
    print(f"index: {rows:,} recordings, {path.stat().st_size / 1e9:.1f} GB", flush=True)
    measure(path, args.cameras, args.days, args.requests, args.baseline_src)


if __name__ == "__main__":
    main()
