"""The managers' dashboard as use cases: what the web routes call, each answer a JSON-ready dict.

A call that is not cached opens the DuckDB file read-only and closes it again (about 25 ms of CPU),
so that a running server never holds a lock that would stop ``citywatch crime import`` in another
process; an import in progress makes the open fail with :class:`StoreBusyError`, which the caller
can retry. Answers are cached until the file changes (its modification time and size), so a
dashboard reloaded by the next manager costs a ``stat``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citywatch.crime.boundaries import LsoaBoundaries
from citywatch.crime.errors import NoDataError, UnknownAreaError
from citywatch.crime.fiscal import FinancialYear, month_label
from citywatch.crime.geometry import CameraView
from citywatch.crime.lsoa_coverage import LsoaArea, cameras_seeing, lsoa_coverage
from citywatch.crime.mapping import SCHEMES, Mopac7Mapping, load_mapping
from citywatch.crime.reports import LONDON, CrimeReports, FyComparison
from citywatch.crime.store import CrimeStore

__all__ = ["CrimeDashboard", "Report", "TargetSpec", "rag_status"]

_CACHE_SIZE = 64


def rag_status(change_pct: float | None, annual_cut_pct: float) -> str:
    """Red/amber/green for a year-on-year change against a target's yearly pace.

    ``green``: falling at least at the pace (e.g. 5 % a year for 20 % over four years); ``amber``:
    falling more slowly, or flat; ``red``: rising; ``none``: no previous count to compare with.
    """
    if change_pct is None:
        return "none"
    if change_pct <= -annual_cut_pct:
        return "green"
    return "amber" if change_pct <= 0 else "red"


@dataclass(frozen=True)
class TargetSpec:
    """A reduction target: ``reduction_pct`` less crime ``years`` after ``baseline``."""

    baseline: FinancialYear
    reduction_pct: float = 20.0
    years: int = 4

    @property
    def annual_cut_pct(self) -> float:
        return self.reduction_pct / self.years


@dataclass(frozen=True)
class Report:
    """A downloadable report: its text, media type and a file name."""

    text: str
    media_type: str
    filename: str


def _norm(name: str) -> str:
    return " ".join(name.replace("&", "and").split()).casefold()


class CrimeDashboard:
    """Reports, choropleth and camera coverage over ``<data_dir>/crime.duckdb``."""

    def __init__(
        self, data_dir: Path, *, mapping: Mopac7Mapping | None = None, boundaries: LsoaBoundaries | None = None
    ) -> None:
        self.data_dir = data_dir
        self.mapping = mapping or load_mapping()
        self.boundaries = boundaries or LsoaBoundaries.for_data_dir(data_dir)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    @contextmanager
    def _reports(self) -> Iterator[CrimeReports]:
        with CrimeStore.in_data_dir(self.data_dir, read_only=True) as store:
            yield CrimeReports(store, self.mapping)

    def _stamp(self) -> tuple[int, int]:
        """Changes when the database file does (an import): the key that invalidates cached answers."""
        path = self.data_dir / "crime.duckdb"
        if not path.exists():
            CrimeStore.in_data_dir(self.data_dir, read_only=True)  # raises NotImportedError, naming the command
        stat = path.stat()
        return stat.st_mtime_ns, stat.st_size

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered (least recently used first out) until the database file changes.

        Answers are shared between callers and must not be changed by them.
        """
        full = (self._stamp(), *key)
        with self._lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
        value = compute()
        with self._lock:
            self._cache[full] = value
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    # -- the use cases (cached) ---------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        """Boroughs, the financial years a comparison can use, and what the LSOA map can show."""
        result: dict[str, Any] = self._cached(("overview",), self._overview)
        return result

    def mopac7(self, area: str, fy: FinancialYear, compare: str | None, target: TargetSpec) -> dict[str, Any]:
        """The year-on-year table with a status per row and progress towards the target."""
        key = ("mopac7", _norm(area), fy, compare and _norm(compare), target)
        result: dict[str, Any] = self._cached(key, lambda: self._mopac7(area, fy, compare, target))
        return result

    def trend(self, area: str, fy: FinancialYear) -> dict[str, Any]:
        """Month by month per category over ``fy`` and the year before (24 points)."""
        result: dict[str, Any] = self._cached(("trend", _norm(area), fy), lambda: self._trend(area, fy))
        return result

    def ranking(self, fy: FinancialYear) -> dict[str, Any]:
        """Every borough by MOPAC 7 change against the year before."""
        result: dict[str, Any] = self._cached(("ranking", fy), lambda: self._ranking(fy))
        return result

    def report(self, area: str, fy: FinancialYear, compare: str | None, fmt: str) -> Report:
        """The financial-year report as CSV or as the self-contained HTML page with charts."""
        key = ("report", _norm(area), fy, compare and _norm(compare), fmt)
        result: Report = self._cached(key, lambda: self._report(area, fy, compare, fmt))
        return result

    def lsoa_choropleth(self, area: str, year: int, category: str | None = None) -> dict[str, Any]:
        """The borough's LSOAs as GeoJSON features with the year's count and count per km²."""
        key = ("lsoa", _norm(area), year, category)
        result: dict[str, Any] = self._cached(key, lambda: self._lsoa_choropleth(area, year, category))
        return result

    def hotspot_coverage(
        self, area: str, year: int, category: str | None, cameras: list[CameraView], *, top: int = 10
    ) -> dict[str, Any]:
        """LSOAs ranked by crimes estimated out of every camera's view, and which cameras see each."""
        key = ("coverage", _norm(area), year, category, tuple(cameras), top)
        result: dict[str, Any] = self._cached(
            key, lambda: self._hotspot_coverage(area, year, category, tuple(cameras), top)
        )
        return result

    # -- MOPAC 7 ----------------------------------------------------------------------------------

    def _overview(self) -> dict[str, Any]:
        """Boroughs, the financial years a comparison can use, and what the LSOA map can show."""
        with self._reports() as reports:
            spans = {s: reports.store.scheme_months(s) for s in SCHEMES}
            boroughs = sorted({b for s, span in spans.items() if span for b in reports.boroughs(s)})
            years, categories, codes = reports.store.lsoa_summary()
        fys: set[FinancialYear] = set()
        for span in spans.values():
            if span is None:
                continue
            fy = FinancialYear.containing(span[0]).shifted(1)
            while fy.last_month <= span[1]:
                if fy.previous().first_month >= span[0]:
                    fys.add(fy)
                fy = fy.shifted(1)
        files = self.boundaries.files()
        mapped = sorted(b for b, code in codes.items() if code in files)
        return {
            "boroughs": boroughs,
            "london": LONDON,
            "categories": list(self.mapping.categories),
            "financial_years": [fy.label for fy in sorted(fys)],
            "schemes": {s: [month_label(v[0]), month_label(v[1])] for s, v in spans.items() if v},
            "lsoa": {"years": years, "categories": categories, "boroughs": mapped},
        }

    def _mopac7(self, area: str, fy: FinancialYear, compare: str | None, target: TargetSpec) -> dict[str, Any]:
        """The year-on-year table with a status per row and progress towards the target."""
        from citywatch.crime.targets import target_progress

        with self._reports() as reports:
            result = reports.fy_comparison(area, fy, compare)
            progress = None
            notes: list[str] = []
            target_fy = target.baseline.shifted(target.years)
            if fy > target.baseline:
                try:
                    progress = target_progress(
                        reports,
                        result.figures.area,
                        target.baseline,
                        reduction_pct=target.reduction_pct,
                        years=target.years,
                        up_to=min(fy, target_fy),
                    )
                except NoDataError as exc:
                    notes.append(f"target: {exc}")
            else:
                notes.append(f"target: {fy.label} is not after the baseline {target.baseline.label}")
        out = result.to_dict()
        out["status"] = self._status(result, target.annual_cut_pct)
        out["target"] = None if progress is None else progress.to_dict()
        out["notes"] = [*out["notes"], *notes]
        return out

    def _status(self, result: FyComparison, annual_cut_pct: float) -> dict[str, Any]:
        def of(figures: Any) -> dict[str, Any]:
            return {
                "categories": {n: rag_status(c.change_pct, annual_cut_pct) for n, c in figures.categories.items()},
                "total": rag_status(figures.total.change_pct, annual_cut_pct),
            }

        return {
            "annual_cut_pct": round(annual_cut_pct, 2),
            **of(result.figures),
            "compare": of(result.compare) if result.compare else None,
        }

    def _trend(self, area: str, fy: FinancialYear) -> dict[str, Any]:
        """Month by month per category over ``fy`` and the year before (24 points)."""
        first, last = fy.previous().first_month, fy.last_month
        with self._reports() as reports:
            scheme = reports.choose_scheme(first, last)
            name = reports.resolve_area(area, scheme)
            points = reports.monthly_trend(name, first, last, scheme)
        return {"area": name, "fy": fy.label, "scheme": scheme, "months": [p.to_dict() for p in points]}

    def _ranking(self, fy: FinancialYear) -> dict[str, Any]:
        with self._reports() as reports:
            rows = reports.ranking(fy)
        return {"fy": fy.label, "previous_fy": fy.previous().label, "boroughs": [r.to_dict() for r in rows]}

    def _report(self, area: str, fy: FinancialYear, compare: str | None, fmt: str) -> Report:
        """The financial-year report as CSV or as the self-contained HTML page with charts."""
        with self._reports() as reports:
            result = reports.fy_comparison(area, fy, compare, with_trend=fmt == "html")
        stem = f"mopac7-{_norm(result.figures.area).replace(' ', '-')}-{fy.label.replace('/', '-')}"
        if fmt == "html":
            from citywatch.crime.html_report import render_html

            return Report(render_html(result), "text/html; charset=utf-8", f"{stem}.html")
        from citywatch.crime.render import fy_rows, to_csv

        return Report(to_csv(fy_rows(result)), "text/csv; charset=utf-8", f"{stem}.csv")

    # -- LSOA map and camera coverage --------------------------------------------------------------

    def _lsoa_input(self, area: str, year: int, category: str | None) -> tuple[str, list[LsoaArea], dict[str, float]]:
        with self._reports() as reports:
            years, categories, codes = reports.store.lsoa_summary()
            if category is not None and category not in categories:
                raise NoDataError(f"no LSOA category {category!r}; one of: {', '.join(categories)}")
            if year not in years:
                held = ", ".join(str(y) for y in years) or "none"
                raise NoDataError(f"no reliable LSOA counts for {year} (held: {held}; 2020 is flagged at source)")
            by_norm = {_norm(b): b for b in codes}
            name = by_norm.get(_norm(area))
            if name is None:
                raise UnknownAreaError(f"no borough {area!r} in the LSOA files; try one of: {', '.join(sorted(codes))}")
            counts = reports.store.lsoa_borough_totals(year, codes[name], category)
        return name, self.boundaries.areas(codes[name], name), counts

    def _lsoa_choropleth(self, area: str, year: int, category: str | None) -> dict[str, Any]:
        """The borough's LSOAs as GeoJSON features with the year's count and count per km²."""
        name, areas, counts = self._lsoa_input(area, year, category)
        features = []
        for a in areas:
            count = counts.get(a.code, 0.0)
            km2 = a.area_km2
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in a.rings]},
                    "properties": {
                        "lsoa": a.code,
                        "name": a.name,
                        "count": count,
                        "area_km2": round(km2, 4),
                        "per_km2": round(count / km2, 1) if km2 > 0 else None,
                    },
                }
            )
        missing = sum(a.code not in counts for a in areas)
        notes = [f"{missing} LSOA(s) of the boundary file have no count"] if missing else []
        return {
            "type": "FeatureCollection",
            "area": name,
            "year": year,
            "category": category or "all majors",
            "total": sum(counts.get(a.code, 0.0) for a in areas),
            "notes": notes,
            "features": features,
        }

    def _hotspot_coverage(
        self, area: str, year: int, category: str | None, cameras: tuple[CameraView, ...], top: int
    ) -> dict[str, Any]:
        """LSOAs ranked by crimes estimated out of every camera's view, and which cameras see each."""
        name, areas, counts = self._lsoa_input(area, year, category)
        ranked = lsoa_coverage(counts, areas, list(cameras))
        sees: dict[str, list[str]] = {c.name: [] for c in cameras}
        features = []
        for row in ranked[:top]:
            seeing = cameras_seeing(row.area, list(cameras))
            for camera, _pct in seeing:
                sees[camera.name].append(row.area.code)
            feature = row.to_feature()
            feature["properties"]["covered_by"] = [{"camera": c.name, "seen_pct": pct} for c, pct in seeing]
            features.append(feature)
        crimes = sum(r.crimes for r in ranked)
        seen = sum(r.crimes - r.uncovered for r in ranked)
        answer = {
            "area": name,
            "year": year,
            "category": category or "all majors",
            "hotspots": {"type": "FeatureCollection", "features": features},
            "cameras": [
                {
                    "name": c.name,
                    "latitude": c.latitude,
                    "longitude": c.longitude,
                    "bearing_deg": c.bearing_deg,
                    "fov_deg": c.fov_deg,
                    "range_m": c.range_m,
                    "hotspots": sees[c.name],
                }
                for c in cameras
            ],
            "summary": {
                "lsoas": len(ranked),
                "crimes": crimes,
                "estimated_seen": round(seen, 1),
                "seen_pct": round(seen / crimes * 100.0, 2) if crimes else None,
            },
            "method": "a crime is assumed equally likely anywhere in its LSOA; seen = share of a 25 m ground "
            "grid inside some camera's view",
        }
        return answer
