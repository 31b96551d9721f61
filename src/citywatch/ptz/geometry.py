"""Angles ↔ ONVIF's generic spaces, for click-to-centre and camera call-up.

Calibration (assumed, per camera in ``ptz_settings``): pan 0 looks along the camera's ``bearing_deg``; normalised
pan −1..1 spans −180..180°; tilt −1..1 spans ``−tilt_range_deg..+tilt_range_deg`` (+ is up); zoom 0..1 is optical
magnification 1..``max_zoom``, either geometric (``max_zoom ** zoom``: each step multiplies the picture by the same
factor, as the virtual cameras and many Sony-style modules report it) or linear in focal length; the horizontal
field of view is ``hfov_wide_deg / magnification`` (exact for a panorama crop, and for a lens within 2° at the
widest view of an ordinary 60° lens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from citywatch.ptz.model import Position, clamp

__all__ = [
    "Optics",
    "bearing_deg",
    "centre_translation",
    "distance_m",
    "hfov_at",
    "magnification",
    "wrap_deg",
    "zoom_for_width",
]

_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Optics:
    hfov_wide_deg: float = 60.0
    max_zoom: float = 20.0
    tilt_range_deg: float = 45.0
    zoom_law: str = "geometric"  # or "linear"
    aspect: float = 16 / 9  # width / height of the picture
    mount_height_m: float = 6.0


def wrap_deg(angle: float) -> float:
    """Into [−180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance; over a borough the error against the ellipsoid is under 0.5 %."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north, in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def magnification(zoom: float, optics: Optics) -> float:
    z = clamp(zoom, 0.0, 1.0)
    if optics.zoom_law == "linear":
        return 1.0 + z * (optics.max_zoom - 1.0)
    return float(optics.max_zoom**z)


def hfov_at(zoom: float, optics: Optics) -> float:
    return optics.hfov_wide_deg / magnification(zoom, optics)


def zoom_for_width(distance: float, width_m: float, optics: Optics) -> float:
    """The normalised zoom at which ``width_m`` fills the picture's width at ``distance`` metres."""
    wanted_deg = math.degrees(2 * math.atan2(width_m / 2, max(distance, 1.0)))
    m = clamp(optics.hfov_wide_deg / wanted_deg, 1.0, optics.max_zoom)
    if optics.max_zoom <= 1:
        return 0.0
    if optics.zoom_law == "linear":
        return (m - 1.0) / (optics.max_zoom - 1.0)
    return math.log(m) / math.log(optics.max_zoom)


def centre_translation(x: float, y: float, zoom: float, optics: Optics) -> Position:
    """The relative move that brings the point at (x, y) of the picture (0..1, origin top left) to its centre."""
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ValueError(f"x and y are fractions of the picture in [0, 1], got ({x}, {y})")
    hfov = hfov_at(zoom, optics)
    vfov = hfov / optics.aspect
    pan_deg = (x - 0.5) * hfov
    tilt_deg = (0.5 - y) * vfov
    return Position(pan=pan_deg / 180.0, tilt=tilt_deg / optics.tilt_range_deg, zoom=0.0)
