"""Which crimes happen inside some camera's view, and where the uncovered ones cluster.

Pure functions over :class:`CrimePoint` and :class:`CameraView` lists; ``hotspots`` ranks grid
cells by uncovered crimes with a kernel density, ``candidate_sites`` picks places for new cameras.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citywatch.crime.geometry import CameraView, LocalFrame, in_view_mask
from citywatch.crime.hotspots import CandidateSite, Hotspot, candidate_sites, hotspots

__all__ = [
    "ANTI_SOCIAL",
    "POLICE_UK_MOPAC7_HINT",
    "CategoryCoverage",
    "CoverageReport",
    "CrimePoint",
    "coverage_report",
    "covered_mask",
]

ANTI_SOCIAL = "Anti-social behaviour"


# police.uk crime types against MOPAC 7: a guide for reading coverage, not a mapping (the police.uk
# types are broader, and "Theft from the person" exists only from May 2013).
POLICE_UK_MOPAC7_HINT = {
    "Burglary": "Burglary",
    "Robbery": "Robbery",
    "Theft from the person": "Theft from the Person",
    "Criminal damage and arson": "Criminal Damage (police.uk adds arson)",
    "Vehicle crime": "Theft from / of a Motor Vehicle (police.uk adds interference)",
    "Violence and sexual offences": "Violence with Injury (police.uk adds violence without injury, sexual offences)",
}


@dataclass(frozen=True)
class CrimePoint:
    latitude: float
    longitude: float
    category: str
    month: int = 0
    location: str = ""
    crime_id: str = ""


@dataclass(frozen=True)
class CategoryCoverage:
    category: str
    crimes: int
    covered: int

    @property
    def share_pct(self) -> float | None:
        return None if self.crimes == 0 else round(self.covered / self.crimes * 100.0, 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "crimes": self.crimes,
            "covered": self.covered,
            "uncovered": self.crimes - self.covered,
            "share_pct": self.share_pct,
            "mopac7": POLICE_UK_MOPAC7_HINT.get(self.category),
        }


@dataclass(frozen=True)
class CoverageReport:
    cameras: int
    categories: list[CategoryCoverage]
    total: CategoryCoverage
    hotspots: list[Hotspot]
    candidates: list[CandidateSite]
    cell_m: float
    site_range_m: float
    unlocated: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cameras": self.cameras,
            "cell_m": self.cell_m,
            "site_range_m": self.site_range_m,
            "unlocated": self.unlocated,
            "categories": [c.to_dict() for c in self.categories],
            "total": self.total.to_dict(),
            "hotspots": [h.to_dict() for h in self.hotspots],
            "candidates": [c.to_dict() for c in self.candidates],
            "notes": self.notes,
        }

    def to_geojson(self) -> dict[str, Any]:
        """Candidate sites and hotspot cells as one FeatureCollection, for a planning consultation."""
        features = [c.to_feature() for c in self.candidates] + [h.to_feature() for h in self.hotspots]
        return {"type": "FeatureCollection", "features": features}


def covered_mask(points: list[CrimePoint], cameras: list[CameraView]) -> np.ndarray[Any, Any]:
    """One boolean per point: inside at least one camera's view."""
    lat = np.fromiter((p.latitude for p in points), dtype=np.float64, count=len(points))
    lon = np.fromiter((p.longitude for p in points), dtype=np.float64, count=len(points))
    mask = np.zeros(len(points), dtype=bool)
    if not points:
        return mask
    # A cheap box test in one shared frame picks the few points near each camera; the exact sector
    # test then runs on those alone, in the camera's own frame (the same answers as ``in_view``).
    frame = LocalFrame(float(lat.mean()), float(lon.mean()))
    x, y = frame.to_xy_arrays(lat, lon)
    for camera in cameras:
        cx, cy = frame.to_xy(camera.latitude, camera.longitude)
        margin = camera.range_m * 1.01 + 1.0
        near = np.flatnonzero((np.abs(x - cx) <= margin) & (np.abs(y - cy) <= margin))
        if near.size:
            mask[near] |= in_view_mask(camera, lat[near], lon[near])
    return mask


def coverage_report(
    points: list[CrimePoint],
    cameras: list[CameraView],
    *,
    cell_m: float = 250.0,
    top: int = 20,
    sites: int = 10,
    site_range_m: float = 100.0,
    unlocated: int = 0,
    notes: list[str] | None = None,
) -> CoverageReport:
    """Coverage share per category, hotspots by uncovered crimes, and candidate camera sites."""
    if cell_m <= 0 or site_range_m <= 0:
        raise ValueError("cell_m and site_range_m must be positive")
    mask = covered_mask(points, cameras)
    crimes = Counter(p.category for p in points)
    covered = Counter(p.category for p, seen in zip(points, mask, strict=True) if seen)
    categories = [CategoryCoverage(c, n, covered[c]) for c, n in sorted(crimes.items(), key=lambda kv: -kv[1])]
    total = CategoryCoverage("All", len(points), int(mask.sum()))
    uncovered = [p for p, seen in zip(points, mask, strict=True) if not seen]
    if points:
        frame = LocalFrame(float(np.mean([p.latitude for p in points])), float(np.mean([p.longitude for p in points])))
        spots = hotspots(points, mask, frame, cell_m=cell_m, top=top)
        picks = candidate_sites(uncovered, frame, count=sites, range_m=site_range_m)
    else:
        spots, picks = [], []
    return CoverageReport(
        len(cameras), categories, total, spots, picks, cell_m, site_range_m, unlocated, list(notes or [])
    )
