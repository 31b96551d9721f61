"""What metering costs: a month's meter readings for every camera, from the recording index and the audit log.

    .venv/bin/python bench/partners.py [--cameras 800] [--days 7] [--file-s 60] [--views-per-day 20]

Fills a fresh SQLite database (migrated like production) with one ``--file-s`` recording after another
per camera for ``--days``, plus live-view audit pairs and PTZ commands, then times ``Meter.usage`` over
the whole period for all cameras (cold: first run; warm: median of the next three) and one invoice.
Numbers for docs/design/partners.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from citywatch.config import Settings
from citywatch.partners.directory import ContractSpec
from citywatch.partners.money import Window, london_midnight_us
from citywatch.partners.service import PartnersService
from citywatch.wiring import build_services

HOUR = 3_600_000_000


def fill(db: Path, cameras: int, start_us: int, days: int, file_s: int, views_per_day: int) -> int:
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
    file_us = file_s * 1_000_000
    per_camera = days * 86_400 // file_s
    rows = 0
    for cam in range(1, cameras + 1):
        batch = [
            (
                cam,
                "run",
                n,
                "closed",
                "/m",
                f"{cam}/{n}",
                start_us + n * file_us,
                start_us + (n + 1) * file_us,
                0,
                0,
                0.0,
                2_000_000,
                100,
                1500,
                60,
                b"",
                "avc1",
                1920,
                1080,
                0,
                "local",
            )
            for n in range(per_camera)
        ]
        con.executemany(
            "INSERT INTO recordings (camera_id, run_id, run_seq, state, media_dir, path, start_us, end_us, "
            "media_start_90k, duration_90k, rate_ppm, size_bytes, init_bytes, frames, gops, gop_index, codec, "
            "width, height, recovered, node) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            batch,
        )
        rows += len(batch)
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
    con.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=800)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--file-s", type=int, default=60)
    ap.add_argument("--views-per-day", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-bench-partners-") as tmp:
        services = build_services(Settings(data_dir=Path(tmp)))
        db = Path(tmp) / "citywatch.db"
        start = london_midnight_us(date(2026, 10, 1))
        t0 = time.perf_counter()
        rows = fill(db, args.cameras, start, args.days, args.file_s, args.views_per_day)
        fill_s = time.perf_counter() - t0
        svc = PartnersService(services.sessions)
        windows = {c: Window(start, start + args.days * 24 * HOUR) for c in range(1, args.cameras + 1)}
        now = start + 40 * 24 * HOUR
        runs = []
        for _ in range(4):
            t = time.perf_counter()
            usage = svc.meter.usage(windows, now_us=now)
            runs.append(time.perf_counter() - t)
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
        sample = usage[1]
        size_mb = db.stat().st_size / 1e6
        print(
            f"cameras {args.cameras}, days {args.days}, recordings {rows:,} ({fill_s:.0f} s to fill), "
            f"db {size_mb:,.0f} MB"
        )
        print(f"meter.usage, all cameras: cold {runs[0]:.2f} s, warm median {statistics.median(runs[1:]):.2f} s")
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
