"""Which cameras saw a trail: the stretches of a device's trail inside each camera's field of view.

A field of view is a circular sector: the camera's position, its bearing (clockwise from north), its
horizontal angle and its useful range. Between two fixes the device is assumed to walk a straight line
at constant speed, so a person who crossed a camera's view between 30 s reports is still found; across a
longer silence (``max_gap_s``) the path is unknown and only the fixes themselves count.

Everything is exact geometry in a local plane about each camera (no sampling): a segment meets a
sector in at most two intervals of its parameter, from one quadratic (the range) and two linear
inequalities (the edges of the angle). Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from citywatch.tracking.geo import Projection

__all__ = ["CameraFov", "CameraPass", "TrailPoint", "camera_passes", "in_view"]

_Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class CameraFov:
    """A camera's field of view. ``fov_deg`` ≥ 360 is an all-round camera (a circle)."""

    camera_id: int
    name: str
    latitude: float
    longitude: float
    bearing_deg: float
    fov_deg: float
    range_m: float


@dataclass(frozen=True, slots=True)
class TrailPoint:
    time: datetime  # fix time, UTC
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class CameraPass:
    """The device was in ``camera``'s view from ``start`` to ``end`` (equal for a single fix)."""

    camera_id: int
    name: str
    start: datetime
    end: datetime
    closest_m: float  # nearest approach to the camera during the pass


class _Sector:
    """A field of view in metres about the camera (x east, y north)."""

    def __init__(self, cam: CameraFov) -> None:
        self.cam = cam
        self.projection = Projection(cam.latitude, cam.longitude)
        self.range_m = cam.range_m
        fov = min(360.0, max(0.0, cam.fov_deg))
        self.full = fov >= 360.0
        self.reflex = fov > 180.0
        half = math.radians(fov / 2)
        b = math.radians(cam.bearing_deg)
        self.left = (math.sin(b - half), math.cos(b - half))  # edge ray at bearing - fov/2
        self.right = (math.sin(b + half), math.cos(b + half))  # edge ray at bearing + fov/2

    def contains(self, x: float, y: float) -> bool:
        if math.hypot(x, y) > self.range_m:
            return False
        if self.full:
            return True
        cl, cr = _cross(self.left, (x, y)), _cross(self.right, (x, y))
        if self.reflex:  # outside only if strictly inside the opposite (convex) wedge
            return not (cr < 0 and cl > 0)
        return cl <= 0 <= cr

    def intervals(self, a: tuple[float, float], b: tuple[float, float]) -> list[_Interval]:
        """The parts of segment a→b (parameter t in [0, 1]) inside the sector."""
        disc = _circle(a, b, self.range_m)
        if disc is None:
            return []
        if self.full:
            return [disc]
        d = (b[0] - a[0], b[1] - a[1])
        # cross(edge, p(t)) = cross(edge, a) + t·cross(edge, d): linear in t.
        cw_of_left = _half_line(_cross(self.left, a), _cross(self.left, d), sign=-1)  # ≤ 0
        ccw_of_right = _half_line(_cross(self.right, a), _cross(self.right, d), sign=+1)  # ≥ 0
        if not self.reflex:
            wedge = _intersect(cw_of_left, ccw_of_right)
            return [w for w in [_intersect(disc, wedge)] if w is not None]
        # Reflex angle: inside the circle minus the opposite wedge (cr < 0 and cl > 0).
        opposite = _intersect(
            _half_line(_cross(self.right, a), _cross(self.right, d), sign=-1),
            _half_line(_cross(self.left, a), _cross(self.left, d), sign=+1),
        )
        return _subtract(disc, opposite)

    def closest_m(self, a: tuple[float, float], b: tuple[float, float], span: _Interval) -> float:
        dx, dy = b[0] - a[0], b[1] - a[1]
        den = dx * dx + dy * dy
        t = 0.0 if den == 0 else -(a[0] * dx + a[1] * dy) / den
        t = min(span[1], max(span[0], t))
        return math.hypot(a[0] + t * dx, a[1] + t * dy)


def _cross(u: tuple[float, float], v: tuple[float, float]) -> float:
    return u[0] * v[1] - u[1] * v[0]


def _circle(a: tuple[float, float], b: tuple[float, float], r: float) -> _Interval | None:
    dx, dy = b[0] - a[0], b[1] - a[1]
    qa = dx * dx + dy * dy
    qc = a[0] ** 2 + a[1] ** 2 - r * r
    if qa == 0:
        return (0.0, 1.0) if qc <= 0 else None
    qb = 2 * (a[0] * dx + a[1] * dy)
    disc = qb * qb - 4 * qa * qc
    if disc < 0:
        return None
    root = math.sqrt(disc)
    return _intersect(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa)), (0.0, 1.0))


def _half_line(c0: float, c1: float, *, sign: int) -> _Interval | None:
    """Where ``sign·(c0 + t·c1) ≥ 0`` for t in [0, 1]."""
    c0, c1 = sign * c0, sign * c1
    if c1 == 0:
        return (0.0, 1.0) if c0 >= 0 else None
    root = -c0 / c1
    return _intersect((root, math.inf) if c1 > 0 else (-math.inf, root), (0.0, 1.0))


def _intersect(p: _Interval | None, q: _Interval | None) -> _Interval | None:
    if p is None or q is None:
        return None
    lo, hi = max(p[0], q[0]), min(p[1], q[1])
    return (lo, hi) if lo <= hi else None


def _subtract(p: _Interval | None, q: _Interval | None) -> list[_Interval]:
    if p is None:
        return []
    if q is None or q[1] <= p[0] or q[0] >= p[1]:
        return [p]
    return [x for x in ((p[0], q[0]), (q[1], p[1])) if x[1] > x[0]]


def in_view(cam: CameraFov, latitude: float, longitude: float) -> bool:
    """Whether one point is inside the camera's field of view."""
    sector = _Sector(cam)
    return sector.contains(*sector.projection.xy(latitude, longitude))


def camera_passes(
    trail: Sequence[TrailPoint],
    cameras: Sequence[CameraFov],
    *,
    max_gap_s: float = 300.0,
    merge_s: float = 20.0,
) -> list[CameraPass]:
    """Every pass of the trail (sorted by fix time) through every camera's view, earliest first.

    Passes of one camera less than ``merge_s`` apart become one (GPS noise at the edge of a view would
    otherwise split a single walk past the camera into several).
    """
    points = sorted(trail, key=lambda p: p.time)
    out: list[CameraPass] = []
    for cam in cameras:
        if cam.range_m <= 0 or cam.fov_deg <= 0:
            continue
        out += _passes_of(_Sector(cam), points, max_gap_s, merge_s)
    out.sort(key=lambda p: (p.start, p.camera_id))
    return out


def _passes_of(sector: _Sector, points: Sequence[TrailPoint], max_gap_s: float, merge_s: float) -> list[CameraPass]:
    xy = [sector.projection.xy(p.latitude, p.longitude) for p in points]
    spans: list[tuple[datetime, datetime, float]] = []
    if len(points) == 1 and sector.contains(*xy[0]):
        spans.append((points[0].time, points[0].time, math.hypot(*xy[0])))
    for i in range(len(points) - 1):
        p, q = points[i], points[i + 1]
        dt_s = (q.time - p.time).total_seconds()
        if dt_s > max_gap_s:  # the path between is unknown: the fixes alone
            for pt, at in ((xy[i], p.time), (xy[i + 1], q.time)):
                if sector.contains(*pt):
                    spans.append((at, at, math.hypot(*pt)))
            continue
        for t0, t1 in sector.intervals(xy[i], xy[i + 1]):
            spans.append(
                (
                    p.time + timedelta(seconds=dt_s * t0),
                    p.time + timedelta(seconds=dt_s * t1),
                    sector.closest_m(xy[i], xy[i + 1], (t0, t1)),
                )
            )
    spans.sort()
    merged: list[CameraPass] = []
    cam = sector.cam
    for start, end, closest in spans:
        last = merged[-1] if merged else None
        if last is not None and (start - last.end).total_seconds() <= merge_s:
            merged[-1] = CameraPass(
                cam.camera_id, cam.name, last.start, max(last.end, end), min(last.closest_m, closest)
            )
        else:
            merged.append(CameraPass(cam.camera_id, cam.name, start, end, closest))
    return merged
