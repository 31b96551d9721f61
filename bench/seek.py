"""Seek benchmark: playback.m3u8 and timeline latency over a synthetic index of many cameras × days.

    .venv/bin/python bench/seek.py                       # 800 cameras × 31 days (~35.7 M rows), cached
    .venv/bin/python bench/seek.py --cameras 50 --days 7 # smaller
    .venv/bin/python bench/seek.py --rebuild             # throw the cached index away
    .venv/bin/python bench/seek.py --interleaved         # rows in a live recorder's order (SQLite)
    .venv/bin/python bench/seek.py --baseline-src /tmp/before/src  # before/after, requests interleaved
    .venv/bin/python bench/seek.py --database postgresql --cameras 100  # the same on PostgreSQL

SQLite: the index (rows only, no media files) is built once into ``bench/out/seek-<C>x<D>.db``
(git-ignored) and reused. PostgreSQL: into a database ``citywatch_bench_seek_<C>x<D>`` created on
``--server`` (rows made server-side with ``generate_series``), dropped after the run unless
``--keep`` (a kept one is reused); the ``EXPLAIN (ANALYZE, BUFFERS)`` of the playlist and timeline
queries is printed too. Every row is a one-minute recording with a realistic ~420-byte GOP index (60 GOPs of
1 s); each camera-day has two outages (gaps of 1–10 minutes, new run after each). Requests go over
real HTTP to ``citywatch serve --no-recorder`` on 127.0.0.1, one at a time, for random cameras and
instants: a default (one-hour) playlist and a one-day timeline. Targets: p99 ≤ 20 ms for playback
and ≤ 50 ms for a one-day timeline. Prints build time, DB size and percentiles.
"""

from __future__ import annotations

import argparse
import itertools
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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from citywatch.store.db import make_engine, upgrade
from citywatch.timeutil import iso
from citywatch.video.gop_index import encode_gops
from citywatch.video.recording_query import _BETWEEN  # the query texts, for EXPLAIN
from citywatch.video.timeline import _RUNS

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


def _interleaved_rows(cameras: int, t0_us: int, days: int, blobs: list[bytes]) -> Iterator[tuple]:  # type: ignore[type-arg]
    """The same rows in the order a live recorder writes them: minute by minute, every camera in turn."""
    streams = [_rows(c, t0_us, days, random.Random(c), blobs) for c in range(1, cameras + 1)]
    heads = [next(s, None) for s in streams]
    while any(h is not None for h in heads):
        due = min(h[6] for h in heads if h is not None)
        for i, head in enumerate(heads):
            while head is not None and head[6] == due:
                yield head
                head = heads[i] = next(streams[i], None)


def build(path: Path, cameras: int, days: int, interleaved: bool = False) -> float:
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
    if interleaved:
        for camera_id in range(1, cameras + 1):
            db.executemany(
                "INSERT INTO gaps (camera_id, start_us, end_us, reason, detail) VALUES (?,?,?,?,?)",
                _gaps(camera_id, t0, days, random.Random(camera_id)),
            )
        rows = _interleaved_rows(cameras, t0, days, blobs)
        for day in range(days):
            db.executemany(insert, itertools.islice(rows, cameras * 1438))  # a day: two outage minutes each
            db.commit()
            print(f"  day {day + 1}/{days}, {time.perf_counter() - started:.0f} s", flush=True)
        db.executemany(insert, rows)
    for camera_id in range(1, cameras + 1) if not interleaved else ():
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


# PostgreSQL: the same rows, made by the server. Outage minutes of camera c on day d: two, never adjacent.
_OUTAGE_1 = "(10 + (c * 37 + d * 101) % 700)"
_OUTAGE_2 = "(720 + (c * 53 + d * 97) % 700)"
_PG_RECORDINGS = f"""
INSERT INTO recordings (camera_id, run_id, run_seq, state, media_dir, path, start_us, end_us, media_start_90k,
  duration_90k, rate_ppm, size_bytes, init_bytes, frames, gops, gop_index, codec, width, height, sha256, recovered,
  node)
SELECT c, rpad(lpad(c::text, 6, '0') || '-' || lpad((d * 3 + (m > o1)::int + (m > o2)::int)::text, 8, '0'), 36, '0'),
  m, 'closed', '/srv/media', c || '/' || t || '.mp4', t, t + {MINUTE_US}, m * 5400000::bigint, 5400000, 0, 22500000,
  700, 1500, 60, :blob, 'avc1.640028', 1920, 1080, NULL, false, 'local'
FROM generate_series(CAST(:c0 AS integer), CAST(:c1 AS integer)) AS c, generate_series(0, :days - 1) AS d,
  LATERAL (SELECT {_OUTAGE_1} AS o1, {_OUTAGE_2} AS o2) AS o,
  generate_series(0, 1439) AS m,
  LATERAL (SELECT :t0 + d * {DAY_US}::bigint + m * {MINUTE_US}::bigint AS t) AS x
WHERE m <> o1 AND m <> o2
ORDER BY c, t
"""
_PG_GAPS = f"""
INSERT INTO gaps (camera_id, start_us, end_us, reason, detail)
SELECT c, :t0 + d * {DAY_US}::bigint + m * {MINUTE_US}::bigint,
  :t0 + d * {DAY_US}::bigint + (m + 1) * {MINUTE_US}::bigint, 'camera_offline', 'synthetic outage'
FROM generate_series(1, :cameras) AS c, generate_series(0, :days - 1) AS d,
  LATERAL (SELECT unnest(ARRAY[{_OUTAGE_1}, {_OUTAGE_2}]) AS m) AS o
"""


def build_postgresql(server: str, name: str, cameras: int, days: int) -> float:
    """Create database ``name`` on ``server`` and fill it; returns seconds taken."""
    started = time.perf_counter()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(_pg_url(server, name))
    upgrade(engine)
    t0 = (int(time.time()) // 86_400 - days - 1) * DAY_US
    params = {"cameras": cameras, "days": days, "t0": t0, "blob": _blobs(1)[0]}
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(
            text(
                "INSERT INTO cameras (id, name, rtsp_url, ptz, enabled, created_us, updated_us) "
                "SELECT c, 'Camera ' || c, 'rtsp://127.0.0.1/cam/' || c, false, false, 0, 0 "
                "FROM generate_series(1, :cameras) AS c"
            ),
            params,
        )
        conn.execute(text(_PG_GAPS), params)
    step = 20
    for c0 in range(1, cameras + 1, step):
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            conn.execute(text(_PG_RECORDINGS), {**params, "c0": c0, "c1": min(c0 + step - 1, cameras)})
        print(f"  {min(c0 + step - 1, cameras)}/{cameras} cameras, {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("recordings", "gaps", "cameras"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()
    return time.perf_counter() - started


def _pg_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _pg_exists(server: str, name: str) -> bool:
    admin = create_engine(server)
    with admin.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is not None
    admin.dispose()
    return found


def _pg_drop(server: str, name: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def explain_postgresql(url: str, cameras: int, period: tuple[int, int]) -> None:
    """The plans of the playlist's row query and the one-day timeline's run query, at one camera and instant."""
    engine = make_engine(url)
    lo, hi = period
    camera, at = max(1, cameras // 2), lo + (hi - lo - DAY_US) // 2 // MINUTE_US * MINUTE_US + 123_456
    with engine.connect() as conn:
        for label, sql, span in (
            ("playlist rows (1 h)", _BETWEEN, 3_600_000_000),
            ("timeline runs (1 day)", _RUNS, DAY_US),
        ):
            print(f"EXPLAIN {label}:")
            params = {"camera_id": camera, "start_us": at, "end_us": at + span}
            for (line,) in conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + str(sql)), params):
                print("    " + line)
        size = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('recordings'))"))
        print(f"recordings with indexes: {size}")
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentiles(samples_s: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples_s)
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:.1f} ms  p90 {q[89]:.1f} ms  p99 {q[98]:.1f} ms  max {ms[-1]:.1f} ms  (n={len(ms)})"


def _serve(url: str, data_dir: Path, src: Path | None) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start ``citywatch serve`` on the index (from ``src`` when given) and sign in: process, base URL, token."""
    port = _free_port()
    env = {
        **os.environ,
        "CITYWATCH_DATABASE_URL": url,
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


def measure(url: str, cameras: int, days: int, requests: int, baseline_src: Path | None = None, seed: int = 1) -> None:
    """With ``baseline_src``, a second server runs that source tree and requests alternate between the two."""
    trees: list[tuple[str, Path | None]] = [("", None)]
    if baseline_src is not None:
        trees = [("baseline ", baseline_src), ("this tree ", None)]
    servers = []
    try:
        for _name, src in trees:
            servers.append(_serve(url, OUT / f"seek-data{'-baseline' if src else ''}", src))
        lo, hi = _period(url)
        rng = random.Random(seed)
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


def _period(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        lo, hi = conn.execute(text("SELECT MIN(start_us), MAX(end_us) FROM recordings WHERE camera_id = 1")).one()
    engine.dispose()
    return int(lo), int(hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=800)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per kind")
    parser.add_argument(
        "--seed", type=int, default=1, help="which random cameras and instants (another seed: pages not read yet)"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--interleaved",
        action="store_true",
        help="SQLite: insert rows minute by minute across cameras, as a live recorder does (a camera's hour "
        "then lies on ~60 pages, not ~9); a separate cached index",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--server",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL server (its database is used only to create and drop the benchmark's own)",
    )
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep the benchmark database for the next run")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="also serve the index from this source tree (e.g. git archive <commit> src | tar -x -C DIR; pass DIR/src) "
        "and alternate requests between the two servers: before and after under the same machine state",
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.database == "postgresql":
        name = f"citywatch_bench_seek_{args.cameras}x{args.days}"
        url = _pg_url(args.server, name)
        try:
            if args.rebuild or not _pg_exists(args.server, name):
                print(f"building {args.cameras} cameras × {args.days} days into PostgreSQL {name} …", flush=True)
                print(f"built in {build_postgresql(args.server, name, args.cameras, args.days):.0f} s", flush=True)
            engine = make_engine(url)
            with engine.connect() as conn:
                rows = conn.scalar(text("SELECT count(*) FROM recordings"))
                size = conn.scalar(text("SELECT pg_database_size(current_database())"))
            engine.dispose()
            print(f"index: {rows:,} recordings, {size / 1e9:.1f} GB (PostgreSQL)", flush=True)
            measure(url, args.cameras, args.days, args.requests, args.baseline_src, args.seed)
            explain_postgresql(url, args.cameras, _period(url))
        finally:
            if not args.keep:
                _pg_drop(args.server, name)
        return
    path = OUT / f"seek-{args.cameras}x{args.days}{'-interleaved' if args.interleaved else ''}.db"
    if args.rebuild or not path.exists():
        print(f"building {args.cameras} cameras × {args.days} days into {path} …", flush=True)
        took = build(path, args.cameras, args.days, args.interleaved)
        print(f"built in {took:.0f} s", flush=True)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT MAX(id) FROM recordings").fetchone()[0]
    print(f"index: {rows:,} recordings, {path.stat().st_size / 1e9:.1f} GB", flush=True)
    measure(f"sqlite:///{path}", args.cameras, args.days, args.requests, args.baseline_src, args.seed)


if __name__ == "__main__":
    main()
