"""Crime dashboard benchmark: what each ``/api/v1/crime`` route costs behind HTTP.

Run: ``.venv/bin/python bench/crime_dashboard.py [--runs 10]``. Imports the bundled files into a
temporary data directory, then times each ``CrimeDashboard`` use case as the first request after an
import runs it: opening the DuckDB file read-only, answering, closing; and a cached answer. Prints
medians of wall and process CPU time; the target is any report ≤ 200 ms (docs/design/crime.md).
No assertions: numbers are for reading.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from citywatch.crime.boundaries import LsoaBoundaries
from citywatch.crime.dashboard import CrimeDashboard, TargetSpec
from citywatch.crime.fiscal import FinancialYear
from citywatch.crime.geometry import CameraView
from citywatch.crime.importer import import_files
from citywatch.crime.store import CrimeStore
from citywatch.demo import demo_cameras

DATA = Path(__file__).resolve().parents[1] / "data" / "crime"

HF = "Hammersmith and Fulham"


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
    parser.add_argument("--runs", type=int, default=10, help="runs per measurement")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    cams = [CameraView(c.name, c.latitude, c.longitude, c.bearing_deg, c.fov_deg, c.range_m) for c in demo_cameras(60)]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        with CrimeStore.in_data_dir(directory) as store:
            import_files(store, [DATA])
        boundaries = LsoaBoundaries.for_data_dir(directory)  # read once per server, as in a running one
        warm = CrimeDashboard(directory, boundaries=boundaries)

        def fresh() -> CrimeDashboard:
            """A dashboard with nothing cached: what the first request after an import costs."""
            return CrimeDashboard(directory, boundaries=boundaries)

        fy, target = FinancialYear(2013), TargetSpec(FinancialYear(2011))
        cases: dict[str, Callable[[], object]] = {
            "open + close the database (part of each uncached call)": lambda: CrimeStore.in_data_dir(
                directory, read_only=True
            ).close(),
            "boroughs (overview)": lambda: fresh().overview(),
            "mopac7 H&F 2013/14 + London + target": lambda: fresh().mopac7(HF, fy, "London", target),
            "trend H&F, 24 months": lambda: fresh().trend(HF, fy),
            "ranking of 32 boroughs": lambda: fresh().ranking(fy),
            "LSOA choropleth H&F 2019 (113 polygons)": lambda: fresh().lsoa_choropleth(HF, 2019),
            f"coverage H&F 2019, {len(cams)} cameras": lambda: fresh().hotspot_coverage(HF, 2019, None, cams),
            "report, HTML with charts": lambda: fresh().report(HF, fy, "London", "html"),
            "any of the above, cached (mopac7)": lambda: warm.mopac7(HF, fy, "London", target),
        }
        print(f"dashboard use cases, first call (nothing cached), median of {args.runs} (target ≤ 200 ms):")
        for name, fn in cases.items():
            wall, cpu = median_wall_cpu_s(fn, args.runs)
            print(f"  {name:<50} {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU")


if __name__ == "__main__":
    main()
