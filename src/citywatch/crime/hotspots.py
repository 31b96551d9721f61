"""Hotspots on a square grid with a Gaussian kernel density, and greedy candidate camera sites."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from citywatch.crime.geometry import LocalFrame

if TYPE_CHECKING:
    from citywatch.crime.coverage import CrimePoint

__all__ = ["CandidateSite", "Hotspot", "candidate_sites", "hotspots"]

_MAX_CANDIDATES = 400  # busiest uncovered locations tried as sites; bounds the distance matrix


@dataclass(frozen=True)
class Hotspot:
    rank: int
    latitude: float  # cell centre
    longitude: float
    cell_m: float
    crimes: int
    uncovered: int
    density_per_km2: float  # kernel density of uncovered crimes at the cell centre
    top_category: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "latitude": round(self.latitude, 6),
            "longitude": round(self.longitude, 6),
            "cell_m": self.cell_m,
            "crimes": self.crimes,
            "uncovered": self.uncovered,
            "density_per_km2": round(self.density_per_km2, 1),
            "top_category": self.top_category,
        }

    def to_feature(self) -> dict[str, Any]:
        frame = LocalFrame(self.latitude, self.longitude)
        half = self.cell_m / 2.0
        corners = [frame.to_latlon(x, y) for x, y in ((-half, -half), (half, -half), (half, half), (-half, half))]
        ring = [[round(lon, 6), round(lat, 6)] for lat, lon in [*corners, corners[0]]]
        return {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"kind": "hotspot", **self.to_dict()},
        }


@dataclass(frozen=True)
class CandidateSite:
    rank: int
    latitude: float
    longitude: float
    location: str
    newly_covered: int
    cumulative_covered: int
    categories: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "latitude": round(self.latitude, 6),
            "longitude": round(self.longitude, 6),
            "location": self.location,
            "newly_covered": self.newly_covered,
            "cumulative_covered": self.cumulative_covered,
            "categories": self.categories,
        }

    def to_feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(self.longitude, 6), round(self.latitude, 6)]},
            "properties": {"kind": "candidate_site", **self.to_dict()},
        }


def _xy(points: list[CrimePoint], frame: LocalFrame) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    lat = np.fromiter((p.latitude for p in points), dtype=np.float64, count=len(points))
    lon = np.fromiter((p.longitude for p in points), dtype=np.float64, count=len(points))
    return frame.to_xy_arrays(lat, lon)


def _density_per_km2(
    cx: np.ndarray[Any, Any],
    cy: np.ndarray[Any, Any],
    ux: np.ndarray[Any, Any],
    uy: np.ndarray[Any, Any],
    bandwidth_m: float,
) -> np.ndarray[Any, Any]:
    """Gaussian kernel density of the points (ux, uy) at each (cx, cy), in chunks of bounded memory."""
    out = np.zeros(len(cx))
    chunk = max(1, 4_000_000 // max(len(ux), 1))
    for start in range(0, len(cx), chunk):
        part = slice(start, start + chunk)
        d2 = (cx[part, None] - ux[None, :]) ** 2 + (cy[part, None] - uy[None, :]) ** 2
        out[part] = np.exp(-d2 / (2 * bandwidth_m**2)).sum(axis=1)
    scaled: np.ndarray[Any, Any] = out / (2 * math.pi * bandwidth_m**2) * 1e6
    return scaled


def hotspots(
    points: list[CrimePoint], covered: np.ndarray[Any, Any], frame: LocalFrame, *, cell_m: float, top: int
) -> list[Hotspot]:
    """Grid cells with uncovered crimes, most uncovered first (ties: higher kernel density first)."""
    x, y = _xy(points, frame)
    keys = np.stack([np.floor(x / cell_m), np.floor(y / cell_m)], axis=1).astype(np.int64)
    cells, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    crimes = np.bincount(inverse, minlength=len(cells))
    uncovered = np.bincount(inverse, weights=(~covered).astype(np.float64), minlength=len(cells)).astype(np.int64)
    chosen = np.flatnonzero(uncovered > 0)
    cx, cy = (cells[chosen, 0] + 0.5) * cell_m, (cells[chosen, 1] + 0.5) * cell_m
    density = _density_per_km2(cx, cy, x[~covered], y[~covered], cell_m)
    # np.lexsort sorts by the last key first: most uncovered, then densest, then west-to-east, south-to-north.
    order = np.lexsort((cells[chosen, 1], cells[chosen, 0], -density, -uncovered[chosen]))[:top]
    out: list[Hotspot] = []
    for rank, k in enumerate(order.tolist(), start=1):
        cell = int(chosen[k])
        lat, lon = frame.to_latlon(float(cx[k]), float(cy[k]))
        members = np.flatnonzero((inverse == cell) & ~covered)
        top_cat = Counter(points[i].category for i in members.tolist()).most_common(1)[0][0]
        out.append(Hotspot(rank, lat, lon, cell_m, int(crimes[cell]), int(uncovered[cell]), float(density[k]), top_cat))
    return out


def candidate_sites(
    uncovered: list[CrimePoint], frame: LocalFrame, *, count: int, range_m: float
) -> list[CandidateSite]:
    """Greedy sites for all-round cameras of ``range_m``: each covers the most crimes still uncovered.

    Candidates are the busiest distinct crime locations (police.uk snaps crimes to map points, so a
    few hundred points carry most of them).
    """
    if not uncovered or count <= 0:
        return []
    by_place = Counter((p.latitude, p.longitude) for p in uncovered)
    places = list(by_place)
    weights = np.array([by_place[p] for p in places], dtype=np.float64)
    lat = np.array([p[0] for p in places])
    lon = np.array([p[1] for p in places])
    x, y = frame.to_xy_arrays(lat, lon)
    order = np.argsort(-weights, kind="stable")[:_MAX_CANDIDATES]
    reach = (np.hypot(x[order, None] - x[None, :], y[order, None] - y[None, :]) <= range_m).astype(np.float64)
    names = {(p.latitude, p.longitude): p.location for p in uncovered}
    members: dict[tuple[float, float], list[CrimePoint]] = {}
    for p in uncovered:
        members.setdefault((p.latitude, p.longitude), []).append(p)
    remaining = weights.copy()
    sites: list[CandidateSite] = []
    total = 0
    for rank in range(1, count + 1):
        gains = reach @ remaining
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        hit = (reach[best] > 0) & (remaining > 0)
        cats: Counter[str] = Counter()
        for j in np.flatnonzero(hit):
            cats.update(p.category for p in members[places[j]])
        remaining[hit] = 0
        total += int(gains[best])
        place = places[int(order[best])]
        sites.append(
            CandidateSite(rank, place[0], place[1], names[place], int(gains[best]), total, dict(cats.most_common()))
        )
    return sites
