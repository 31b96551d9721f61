"""The forecast as a CSV report finance can open: one row per scenario and year, then the target."""

from __future__ import annotations

import csv
import io

from citywatch.partners.forecast import Forecast

__all__ = ["forecast_csv"]


def forecast_csv(f: Forecast) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["scenario", "year", "starts", "contracted_p", "pipeline_p", "total_p", "cumulative_p"])
    for sc in f.scenarios:
        for y in sc.years:
            w.writerow(
                [sc.scenario.name, y.year, y.start.isoformat(), y.contracted_p, y.pipeline_p, y.total_p, y.cumulative_p]
            )
        w.writerow([sc.scenario.name, "total", "", "", "", sc.total_p, ""])
        w.writerow([sc.scenario.name, "target", "", "", "", sc.target_p, "meets" if sc.meets_target else "short"])
    return buf.getvalue()
