"""Camera views on the ground: local equirectangular metres, good to a few metres at borough scale."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["EARTH_RADIUS_M", "CameraView", "LocalFrame", "Located", "in_view", "in_view_mask"]

EARTH_RADIUS_M = 6_371_008.8


class Located(Protocol):
    """Anything with a WGS84 position (a crime point, a camera, a candidate site)."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


@dataclass(frozen=True)
class CameraView:
    """Where a camera is and what it sees: a sector of ``fov_deg`` around ``bearing_deg``, out to ``range_m``.

    ``bearing_deg`` is clockwise from north; a ``fov_deg`` of 360 sees all round (a PTZ dome).
    """

    name: str
    latitude: float
    longitude: float
    bearing_deg: float
    fov_deg: float
    range_m: float


@dataclass(frozen=True)
class LocalFrame:
    """Metres east and north of an origin; x = east, y = north."""

    latitude: float
    longitude: float

    @property
    def _scale(self) -> tuple[float, float]:
        per_deg = math.pi / 180.0 * EARTH_RADIUS_M
        return per_deg * math.cos(math.radians(self.latitude)), per_deg

    def to_xy(self, latitude: float, longitude: float) -> tuple[float, float]:
        sx, sy = self._scale
        return (longitude - self.longitude) * sx, (latitude - self.latitude) * sy

    def to_xy_arrays(
        self, latitudes: np.ndarray[Any, Any], longitudes: np.ndarray[Any, Any]
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        sx, sy = self._scale
        return (longitudes - self.longitude) * sx, (latitudes - self.latitude) * sy

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        sx, sy = self._scale
        return self.latitude + y / sy, self.longitude + x / sx


def _angle_ok(dx: float, dy: float, camera: CameraView) -> bool:
    if camera.fov_deg >= 360.0:
        return True
    bearing = math.degrees(math.atan2(dx, dy)) % 360.0
    diff = abs((bearing - camera.bearing_deg + 180.0) % 360.0 - 180.0)
    return diff <= camera.fov_deg / 2.0


def in_view(camera: CameraView, point: Located) -> bool:
    """Whether the point lies inside the camera's sector (the camera's own spot counts as seen)."""
    dx, dy = LocalFrame(camera.latitude, camera.longitude).to_xy(point.latitude, point.longitude)
    distance = math.hypot(dx, dy)
    if distance > camera.range_m:
        return False
    return distance == 0.0 or _angle_ok(dx, dy, camera)


def in_view_mask(
    camera: CameraView, latitudes: np.ndarray[Any, Any], longitudes: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """:func:`in_view` for many points at once (same answers, vectorised)."""
    dx, dy = LocalFrame(camera.latitude, camera.longitude).to_xy_arrays(latitudes, longitudes)
    distance = np.hypot(dx, dy)
    near: np.ndarray[Any, Any] = distance <= camera.range_m
    if camera.fov_deg >= 360.0:
        return near
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    diff = np.abs((bearing - camera.bearing_deg + 180.0) % 360.0 - 180.0)
    inside: np.ndarray[Any, Any] = near & ((diff <= camera.fov_deg / 2.0) | (distance == 0.0))
    return inside
