"""The playback index on PostgreSQL: query plans and latency of the seek and timeline queries.

    .venv/bin/python bench/seek_postgresql.py --cameras 100 --days 31    # builds once, then measures

Builds ``recordings`` and ``gaps`` rows as bench/seek.py does (one-minute files, a ~420-byte GOP index,
two one-minute outages per camera-day, a new run after each) but server-side with ``generate_series``,
into the database ``citywatch_bench_seek_<C>x<D>`` on ``--server`` (kept for the next run; ``--rebuild``
drops it). Then, in process and over one connection, the exact queries playback runs:
``recordings_between`` for a one-hour playlist and ``load_timeline`` for one day and for the whole
period, at random cameras and instants; prints percentiles and the ``EXPLAIN (ANALYZE, BUFFERS)`` of each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from citywatch.store.db import make_engine, upgrade
from citywatch.video.gop_index import encode_gops
from citywatch.video.recording_query import _BETWEEN, recordings_between  # the query text, for EXPLAIN
from citywatch.video.timeline import _RUNS, load_timeline

MINUTE_US = 60_000_000
HOUR_US = 3_600_000_000
DAY_US = 86_400_000_000
T0_US = 1_790_000_000_000_000 // DAY_US * DAY_US  # a UTC midnight in 2026

# Outage minutes of camera c on day d: two per day, never adjacent, never at the day's edges.
_OUTAGE_1 = "(10 + (c * 37 + d * 101) % 700)"
_OUTAGE_2 = "(720 + (c * 53 + d * 97) % 700)"

_RECORDINGS = f"""
INSERT INTO recordings (camera_id, run_id, run_seq, state, media_dir, path, start_us, end_us, media_start_90k,
  duration_90k, rate_ppm, size_bytes, init_bytes, frames, gops, gop_index, codec, width, height, sha256, recovered,
  node)
SELECT c, lpad(c::text, 6, '0') || '-' || lpad((d * 3 + (m > o1)::int + (m > o2)::int)::text, 8, '0'), m, 'closed',
  '/srv/media', c || '/' || t || '.mp4', t, t + {MINUTE_US}, m * 5400000::bigint, 5400000, 0, 22500000, 700, 1500,
  60, :blob, 'avc1.640028', 1920, 1080, NULL, false, 'local'
FROM generate_series(1, :cameras) AS c, generate_series(0, :days - 1) AS d,
  LATERAL (SELECT {_OUTAGE_1} AS o1, {_OUTAGE_2} AS o2) AS o,
  generate_series(0, 1439) AS m,
  LATERAL (SELECT :t0 + d * {DAY_US}::bigint + m * {MINUTE_US}::bigint AS t) AS x
WHERE m <> o1 AND m <> o2 AND c BETWEEN :c0 AND :c1
ORDER BY c, t
"""

_GAPS = f"""
INSERT INTO gaps (camera_id, start_us, end_us, reason, detail)
SELECT c, :t0 + d * {DAY_US}::bigint + m * {MINUTE_US}::bigint,
  :t0 + d * {DAY_US}::bigint + (m + 1) * {MINUTE_US}::bigint, 'camera_offline', 'synthetic outage'
FROM generate_series(1, :cameras) AS c, generate_series(0, :days - 1) AS d,
  LATERAL (SELECT unnest(ARRAY[{_OUTAGE_1}, {_OUTAGE_2}]) AS m) AS o
"""


def build(server: str, name: str, cameras: int, days: int) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    blob = encode_gops((random.Random(7).randint(300_000, 450_000), 90_000, 25) for _ in range(60))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(
            text(
                "INSERT INTO cameras (id, name, rtsp_url, ptz, enabled, created_us, updated_us) "
                "SELECT c, 'Camera ' || c, 'rtsp://127.0.0.1/cam/' || c, false, false, 0, 0 "
                "FROM generate_series(1, :cameras) AS c"
            ),
            {"cameras": cameras},
        )
        conn.execute(text(_GAPS), {"cameras": cameras, "days": days, "t0": T0_US})
    step = 20
    for c0 in range(1, cameras + 1, step):
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            params = {"cameras": cameras, "days": days, "t0": T0_US, "blob": blob, "c0": c0, "c1": c0 + step - 1}
            conn.execute(text(_RECORDINGS), params)
        print(f"  {min(c0 + step - 1, cameras)}/{cameras} cameras, {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE recordings"))
        conn.execute(text("VACUUM ANALYZE gaps"))
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


def _percentiles(samples_s: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples_s)
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:.2f} ms  p90 {q[89]:.2f} ms  p99 {q[98]:.2f} ms  max {ms[-1]:.2f} ms  (n={len(ms)})"


def _explain(conn: Connection, sql: str, params: dict[str, int]) -> None:
    for (line,) in conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params):
        print("    " + line)


def measure(url: str, cameras: int, days: int, requests: int) -> None:
    engine = make_engine(url)
    rng = random.Random(1)
    lo, hi = T0_US, T0_US + days * DAY_US
    kinds: list[tuple[str, int, Callable[[Connection, int, int], object]]] = [
        ("playlist rows (1 h)", HOUR_US, lambda conn, c, t: recordings_between(conn, c, t, t + HOUR_US)),
        ("timeline (1 day)", DAY_US, lambda conn, c, t: load_timeline(conn, c, t, t + DAY_US)),
        (f"timeline ({days} days)", 0, lambda conn, c, t: load_timeline(conn, c, lo, hi)),
    ]
    with engine.connect() as conn:
        for label, span_us, run in kinds:
            samples: list[float] = []
            for i in range(requests + 20):
                camera, at = rng.randint(1, cameras), rng.randint(lo, hi - max(span_us, HOUR_US))
                begin = time.perf_counter()
                run(conn, camera, at)
                if i >= 20:
                    samples.append(time.perf_counter() - begin)
            print(f"{label:22s} {_percentiles(samples)}", flush=True)
        camera, at = cameras // 2, lo + 17 * DAY_US + 13 * HOUR_US + 7 * MINUTE_US + 123_456
        print("EXPLAIN playlist rows (1 h):")
        _explain(conn, str(_BETWEEN), {"camera_id": camera, "start_us": at, "end_us": at + HOUR_US})
        print("EXPLAIN timeline runs (1 day):")
        _explain(conn, str(_RUNS), {"camera_id": camera, "start_us": at, "end_us": at + DAY_US})
        size = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('recordings'))"))
        rows = conn.scalar(text("SELECT count(*) FROM recordings"))
        print(f"recordings: {rows:,} rows, {size} with indexes")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--requests", type=int, default=500, help="timed queries per kind")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    name = f"citywatch_bench_seek_{args.cameras}x{args.days}"
    url = make_url(args.server).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(args.server)
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    admin.dispose()
    if args.rebuild or not exists:
        print(f"building {args.cameras} cameras × {args.days} days into {name} …", flush=True)
        build(args.server, name, args.cameras, args.days)
    measure(url, args.cameras, args.days, args.requests)


if __name__ == "__main__":
    main()
