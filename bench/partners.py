"""What metering costs: a month's meter readings for every camera, rolled up by day and directly from the index.

    .venv/bin/python bench/partners.py [--cameras 800] [--days 31] [--file-s 60] [--views-per-day 20]

Fills a fresh SQLite database (migrated like production) with one ``--file-s`` recording after another
per camera for ``--days``, plus live-view audit pairs and PTZ commands, then times, for all cameras over
the whole period: the roll-up (its one-time fill of ``meter_days``, then the median of five readings),
the month in progress (closed days rolled up, the open tail from the index), the direct computation
(first run, then the median of the warm runs), and one invoice. Numbers for docs/design/partners.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from citywatch.config import Settings
from citywatch.partners.directory import ContractSpec
from citywatch.partners.money import Window, london_midnight_us
from citywatch.partners.service import PartnersService
from citywatch.wiring import build_services

HOUR = 3_600_000_000


def fill(db: Path, cameras: int, start_us: int, days: int, file_s: int, views_per_day: int) -> int:
    """Rows generated inside SQLite (a recursive CTE per camera) with the recordings indexes built after."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("INSERT INTO organisations (id, name, kind, created_us) VALUES (1000, 'Bench partner', 'partner', 0)")
    con.execute("INSERT INTO organisations (id, name, kind, created_us) VALUES (1001, 'Bench council', 'council', 0)")
    con.executemany(
        "INSERT INTO cameras (id, name, rtsp_url, ptz, enabled, created_us, updated_us, organisation_id) "
        "VALUES (?, ?, 'rtsp://127.0.0.1/x', 0, 1, 0, 0, 1000)",
        [(i, f"cam {i}") for i in range(1, cameras + 1)],
    )
    indexes = [
        sql
        for (sql,) in con.execute("SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='recordings'")
        if sql
    ]
    for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='recordings'"
    ).fetchall():
        if not name.startswith("sqlite_autoindex"):
            con.execute(f"DROP INDEX {name}")
    file_us = file_s * 1_000_000
    per_camera = days * 86_400 // file_s
    for cam in range(1, cameras + 1):
        con.execute(
            "INSERT INTO recordings (camera_id, run_id, run_seq, state, media_dir, path, start_us, end_us, "
            "media_start_90k, duration_90k, rate_ppm, size_bytes, init_bytes, frames, gops, gop_index, codec, "
            "width, height, recovered, node) "
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
            "SELECT ?, 'run', i, 'closed', '/m', ? || '/' || i, ? + i * ?, ? + (i + 1) * ?, 0, 0, 0.0, 2000000, "
            "100, 1500, 60, x'', 'avc1', 1920, 1080, 0, 'local' FROM n",
            (per_camera, cam, str(cam), start_us, file_us, start_us, file_us),
        )
        rng = random.Random(cam)
        audit = []
        for d in range(days):
            for _v in range(views_per_day):
                t = start_us + d * 24 * HOUR + rng.randrange(23 * HOUR)
                length = rng.randrange(60_000_000, 3_600_000_000)
                for action, at in (("live.start", t), ("live.stop", t + length)):
                    audit.append((at, action, "ok", "op", "council", 1001, "10.0.0.1", cam, 1000, "{}", "0", "0"))
                audit.append(
                    (t + 1_000_000, "ptz.move", "ok", "op", "council", 1001, "10.0.0.1", cam, 1000, "{}", "0", "0")
                )
        con.executemany(
            "INSERT INTO audit_log (at_us, action, outcome, username, organisation, organisation_id, client, "
            "camera_id, camera_org_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            audit,
        )
        con.commit()
    for sql in indexes:
        con.execute(sql)
    con.commit()
    con.close()
    return cameras * per_camera


def _timed(runs: int, call: Callable[[], object]) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=800)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--file-s", type=int, default=60)
    ap.add_argument("--views-per-day", type=int, default=20)
    ap.add_argument("--direct-runs", type=int, default=3, help="the direct computation: first run, then warm runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-bench-partners-") as tmp:
        services = build_services(Settings(data_dir=Path(tmp)))
        db = Path(tmp) / "citywatch.db"
        start = london_midnight_us(date(2026, 10, 1))
        t0 = time.perf_counter()
        rows = fill(db, args.cameras, start, args.days, args.file_s, args.views_per_day)
        fill_s = time.perf_counter() - t0
        svc = PartnersService(services.sessions)
        end = start + args.days * 24 * HOUR  # October has 745 hours: the last window ends an hour early
        windows = {c: Window(start, end) for c in range(1, args.cameras + 1)}
        now = start + 40 * 24 * HOUR
        print(
            f"cameras {args.cameras}, days {args.days}, recordings {rows:,} ({fill_s:.0f} s to fill), "
            f"db {db.stat().st_size / 1e6:,.0f} MB",
            flush=True,
        )
        first = _timed(1, lambda: svc.meter.usage(windows, now_us=now))
        rolled = _timed(5, lambda: svc.meter.usage(windows, now_us=now))
        print(
            f"rolled up: filling meter_days {first[0]:.2f} s once; then median {statistics.median(rolled):.3f} s "
            f"(min {min(rolled):.3f}, max {max(rolled):.3f}, 5 runs)",
            flush=True,
        )
        mid = end - 12 * HOUR  # the month in progress: closed days from the table, the open tail from the index
        tail = _timed(3, lambda: svc.meter.usage(windows, now_us=mid))
        print(f"rolled up, now 12 h before the window's end: median {statistics.median(tail):.3f} s", flush=True)
        direct = _timed(args.direct_runs, lambda: svc.meter.direct_usage(windows, now_us=now))
        warm = statistics.median(direct[1:] or direct)
        print(
            f"direct: first {direct[0]:.2f} s, warm median {warm:.2f} s ({len(direct) - 1} runs); "
            f"direct / rolled up = {warm / statistics.median(rolled):.0f}x",
            flush=True,
        )
        a, b = svc.meter.usage(windows, now_us=now), svc.meter.direct_usage({1: windows[1]}, now_us=now)
        assert (a[1].recorded_us, a[1].wall_us, a[1].ptz_minutes) == (b[1].recorded_us, b[1].wall_us, b[1].ptz_minutes)
        svc.directory.put_plan(
            "bench",
            {
                "name": "Bench",
                "tier": "monitored",
                "monitoring_per_camera_hour_p": 42,
                "storage_per_gb_day_p": 1,
                "ptz_per_minute_p": 50,
            },
        )
        svc.directory.add_contract(1000, ContractSpec("bench", "B-1", date(2026, 9, 1)))
        t = time.perf_counter()
        inv = svc.invoice(1000, "2026-10", now_us=now)
        invoice_s = time.perf_counter() - t
        sample = a[1]
        print(
            f"invoice for the month (all cameras, {len(inv.lines)} lines, {len(inv.readings):,} readings): "
            f"{invoice_s:.2f} s; net £{inv.net_p / 100:,.2f}"
        )
        print(
            f"camera 1: recorded {sample.recorded_us / HOUR:.1f} h, wall {sample.wall_us / HOUR:.1f} h, "
            f"storage {sample.storage_gb_days:.1f} GB-days, ptz {sample.ptz_minutes} min"
        )
        services.close()


if __name__ == "__main__":
    main()
