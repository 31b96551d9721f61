"""Crime benchmark: import every bundled file into a fresh DuckDB, then time warm reports.

Run: ``.venv/bin/python bench/crime.py [--runs 5]``. Prints medians; targets are import ≤ 5 s and any
report ≤ 200 ms warm (docs/design/crime.md). No assertions: numbers are for reading and comparing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from citywatch.crime.adapters import points_from_store
from citywatch.crime.coverage import coverage_report
from citywatch.crime.fiscal import FinancialYear
from citywatch.crime.geometry import CameraView
from citywatch.crime.importer import import_files
from citywatch.crime.mapping import load_mapping
from citywatch.crime.reports import CrimeReports
from citywatch.crime.store import CrimeStore
from citywatch.crime.targets import target_progress

DATA = Path(__file__).resolve().parents[1] / "data" / "crime"


def median_s(fn: Callable[[], object], runs: int) -> float:
    return median_wall_cpu_s(fn, runs)[0]


def median_wall_cpu_s(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and process CPU seconds (CPU includes DuckDB's threads; it shows contention)."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (import); reports run 4× more")
    args = parser.parse_args()
    files = sorted(p for p in DATA.rglob("*.csv"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    size_mb = sum(p.stat().st_size for p in files) / 1e6

    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10_000))

        def fresh_import() -> None:
            with CrimeStore.in_data_dir(Path(tmp) / str(next(counter))) as store:
                import_files(store, [DATA])

        import_s, import_cpu_s = median_wall_cpu_s(fresh_import, args.runs)
        directory = Path(tmp) / "0"
        with CrimeStore.in_data_dir(directory) as store:
            rows = store.con.execute(
                "SELECT (SELECT count(*) FROM borough_monthly) + (SELECT count(*) FROM lsoa_annual)"
                " + (SELECT count(*) FROM street_crimes)"
            ).fetchone()
            reimport_s = median_s(lambda: import_files(store, [DATA]), args.runs)
        print(f"import: {len(files)} files, {size_mb:.1f} MB, {rows[0] if rows else 0:,} long rows")
        print(
            f"  fresh import, median of {args.runs}: {import_s:.2f} s wall, {import_cpu_s:.2f} s CPU   (target ≤ 5 s)"
        )
        print(f"  re-import (all unchanged):        {reimport_s * 1000:.0f} ms")

        with CrimeStore.in_data_dir(directory, read_only=True) as store:
            reports = CrimeReports(store, load_mapping())
            fy = FinancialYear(2013)
            reports.fy_comparison("London", fy)  # warm the lookups
            points, _ = points_from_store(store)
            cams = [
                CameraView(f"c{i}", p.latitude, p.longitude, (i * 37) % 360, 90, 80)
                for i, p in enumerate(points[::100])
            ]
            hf = "Hammersmith and Fulham"
            cases: dict[str, Callable[[], object]] = {
                "London FY 2013/14 vs 2012/13 (new)": lambda: reports.fy_comparison("London", fy),
                "H&F FY 2013/14 + compare London": lambda: reports.fy_comparison(hf, fy, "London"),
                "London FY 2013/14, old scheme": lambda: reports.fy_comparison("London", fy, scheme="old"),
                "H&F FY report with monthly trend": lambda: reports.fy_comparison(hf, fy, with_trend=True),
                "rolling 12 months, London": lambda: reports.rolling_12("London"),
                "ranking of 32 boroughs": lambda: reports.ranking(fy),
                "claim 'down in every borough'": lambda: reports.check_claim(fy),
                "target 20 % / 4 years, London": lambda: target_progress(reports, "London", FinancialYear(2011)),
                f"coverage, {len(points):,} points × {len(cams)} cameras": lambda: coverage_report(points, cams),
            }
            print(f"reports, warm, median of {args.runs * 4} (target ≤ 200 ms):")
            for name, fn in cases.items():
                wall, cpu = median_wall_cpu_s(fn, args.runs * 4)
                print(f"  {name:<48} {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU")


if __name__ == "__main__":
    main()
