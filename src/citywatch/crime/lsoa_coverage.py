"""Camera coverage from LSOA counts: how much of each LSOA's ground cameras see, and the crime left unseen.

LSOA files give counts per area, not points, so a crime is assumed equally likely anywhere in its
LSOA: the covered share of an LSOA's crimes is estimated as the share of a ground grid (``spacing_m``)
inside its polygon that some camera sees. Boundaries come from a WGS84 GeoJSON file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from citywatch.crime.errors import CrimeError
from citywatch.crime.geometry import CameraView, LocalFrame, in_view_mask

__all__ = ["LsoaArea", "LsoaCoverage", "cameras_seeing", "inside_mask", "load_lsoa_areas", "lsoa_coverage"]

Ring = list[tuple[float, float]]  # (longitude, latitude)


@dataclass(frozen=True)
class LsoaArea:
    code: str
    name: str
    rings: list[Ring]  # outer rings and holes of every part; even-odd filling

    def bounds(self) -> tuple[float, float, float, float]:
        lons = [p[0] for ring in self.rings for p in ring]
        lats = [p[1] for ring in self.rings for p in ring]
        return min(lons), min(lats), max(lons), max(lats)

    @property
    def area_km2(self) -> float:
        """Even-odd area of all rings (holes subtract), in local metres: well under 1 % off at LSOA size."""
        west, south, _east, _north = self.bounds()
        frame = LocalFrame(south, west)
        total = 0.0
        for ring in self.rings:
            xy = [frame.to_xy(lat, lon) for lon, lat in ring]
            twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True))
            total += abs(twice) / 2.0 * (1 if self._is_outer(ring) else -1)
        return abs(total) / 1e6

    def _is_outer(self, ring: Ring) -> bool:
        """A ring is a hole when it lies inside another ring of the area (first point tested)."""
        lon, lat = np.array([ring[0][0]]), np.array([ring[0][1]])
        return not any(other is not ring and bool(inside_mask([other], lon, lat)[0]) for other in self.rings)


@dataclass(frozen=True)
class LsoaCoverage:
    rank: int
    area: LsoaArea
    crimes: float
    cameras_inside: int
    seen_pct: float

    @property
    def uncovered(self) -> float:
        return self.crimes * (1 - self.seen_pct / 100.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "lsoa": self.area.code,
            "name": self.area.name,
            "crimes": self.crimes,
            "cameras_inside": self.cameras_inside,
            "seen_pct": self.seen_pct,
            "estimated_uncovered": round(self.uncovered, 1),
        }

    def to_feature(self) -> dict[str, Any]:
        coords = [[[lon, lat] for lon, lat in ring] for ring in self.area.rings]
        return {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": coords},
            "properties": {"kind": "lsoa", **self.to_dict()},
        }


def load_lsoa_areas(path: Path) -> list[LsoaArea]:
    """Polygons keyed by ``LSOA11CD`` (or ``LSOA21CD``) from a WGS84 GeoJSON FeatureCollection."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        areas: list[LsoaArea] = []
        for feature in data["features"]:
            props, geometry = feature["properties"], feature["geometry"]
            code = props.get("LSOA11CD") or props.get("LSOA21CD")
            name = props.get("LSOA11NM") or props.get("LSOA21NM") or code
            parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            rings = [[(float(p[0]), float(p[1])) for p in ring] for part in parts for ring in part]
            if not code:
                raise CrimeError(f"{path}: a feature has no LSOA11CD or LSOA21CD")
            areas.append(LsoaArea(str(code), str(name), rings))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise CrimeError(f"cannot read LSOA boundaries from {path}: {exc}") from exc
    return areas


def inside_mask(rings: list[Ring], lon: np.ndarray[Any, Any], lat: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Even-odd point-in-polygon over all rings (holes and multi-part polygons included)."""
    inside = np.zeros(lon.shape, dtype=bool)
    for ring in rings:
        xs = np.array([p[0] for p in ring])
        ys = np.array([p[1] for p in ring])
        x1, y1, x2, y2 = xs, ys, np.roll(xs, -1), np.roll(ys, -1)
        for ax, ay, bx, by in zip(x1, y1, x2, y2, strict=True):
            if ay == by:
                continue
            crosses = (ay > lat) != (by > lat)
            x_at = ax + (lat - ay) * (bx - ax) / (by - ay)
            inside ^= crosses & (lon < x_at)
    return inside


def _grid(area: LsoaArea, spacing_m: float) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    west, south, east, north = area.bounds()
    frame = LocalFrame(south, west)
    width, height = frame.to_xy(north, east)
    xs = np.arange(spacing_m / 2, max(width, spacing_m), spacing_m)
    ys = np.arange(spacing_m / 2, max(height, spacing_m), spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    lat0, lon0 = frame.to_latlon(0.0, 0.0)
    lat1, lon1 = frame.to_latlon(1.0, 1.0)
    lat = lat0 + gy.ravel() * (lat1 - lat0)
    lon = lon0 + gx.ravel() * (lon1 - lon0)
    keep = inside_mask(area.rings, lon, lat)
    return lat[keep], lon[keep]


def _reaching(area: LsoaArea, cameras: list[CameraView], spacing_m: float) -> list[CameraView]:
    """The cameras whose range reaches the area's bounding box: the only ones worth a grid test."""
    west, south, east, north = area.bounds()
    frame = LocalFrame(south, west)
    width, height = frame.to_xy(north, east)
    out = []
    for camera in cameras:
        cx, cy = frame.to_xy(camera.latitude, camera.longitude)
        margin = camera.range_m + spacing_m
        if -margin <= cx <= width + margin and -margin <= cy <= height + margin:
            out.append(camera)
    return out


def lsoa_coverage(
    counts: dict[str, float], areas: list[LsoaArea], cameras: list[CameraView], *, spacing_m: float = 25.0
) -> list[LsoaCoverage]:
    """LSOAs with a count, ranked by crimes estimated to happen out of every camera's view."""
    if spacing_m <= 0:
        raise ValueError("spacing_m must be positive")
    cam_lat = np.array([c.latitude for c in cameras])
    cam_lon = np.array([c.longitude for c in cameras])
    rows: list[tuple[LsoaArea, float, int, float]] = []
    for area in areas:
        if area.code not in counts:
            continue
        lat, lon = _grid(area, spacing_m)
        seen = np.zeros(lat.shape, dtype=bool)
        for camera in _reaching(area, cameras, spacing_m):
            seen |= in_view_mask(camera, lat, lon)
        seen_pct = round(float(seen.mean()) * 100.0, 2) if lat.size else 0.0
        inside = int(inside_mask(area.rings, cam_lon, cam_lat).sum()) if cameras else 0
        rows.append((area, counts[area.code], inside, seen_pct))
    rows.sort(key=lambda r: (-r[1] * (1 - r[3] / 100.0), r[0].code))
    return [LsoaCoverage(i, a, n, inside, pct) for i, (a, n, inside, pct) in enumerate(rows, start=1)]


def cameras_seeing(
    area: LsoaArea, cameras: list[CameraView], *, spacing_m: float = 25.0
) -> list[tuple[CameraView, float]]:
    """The cameras whose view covers part of ``area``, with the share (%) of its ground each one sees."""
    if spacing_m <= 0:
        raise ValueError("spacing_m must be positive")
    lat, lon = _grid(area, spacing_m)
    out: list[tuple[CameraView, float]] = []
    if not lat.size:
        return out
    for camera in _reaching(area, cameras, spacing_m):
        seen = in_view_mask(camera, lat, lon)
        if seen.any():
            out.append((camera, round(float(seen.mean()) * 100.0, 2)))
    out.sort(key=lambda cs: (-cs[1], cs[0].name))
    return out
