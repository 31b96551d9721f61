"""Camera call-up: an alarm at a place swings the nearest PTZ cameras to face it.

``plan_callup`` is pure: from camera placements (position, bearing calibration, range) and the alarm's position it
chooses cameras and the absolute position for each. ``PtzService.call_up`` carries the plan out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from citywatch.ptz.geometry import Optics, bearing_deg, distance_m, wrap_deg, zoom_for_width
from citywatch.ptz.model import Position, clamp

__all__ = ["Aim", "CameraPlacement", "aim_at", "plan_callup"]

DEFAULT_RANGE_M = 300.0
SCENE_WIDTH_M = 20.0  # frame a street's width and a bit: a person is then ~1/20 of the picture wide


@dataclass(frozen=True, slots=True)
class CameraPlacement:
    camera_id: int
    name: str
    latitude: float
    longitude: float
    bearing_deg: float  # where pan 0 looks
    range_m: float | None = None
    optics: Optics = field(default_factory=Optics)


@dataclass(frozen=True, slots=True)
class Aim:
    camera_id: int
    name: str
    distance_m: float
    bearing_deg: float
    position: Position


def aim_at(camera: CameraPlacement, latitude: float, longitude: float, width_m: float = SCENE_WIDTH_M) -> Aim:
    """Pan towards the target, tilt down by the depression angle from the mount height, zoom to frame ``width_m``."""
    distance = distance_m(camera.latitude, camera.longitude, latitude, longitude)
    bearing = bearing_deg(camera.latitude, camera.longitude, latitude, longitude)
    pan = wrap_deg(bearing - camera.bearing_deg) / 180.0
    depression = math.degrees(math.atan2(camera.optics.mount_height_m, max(distance, 1.0)))
    tilt = clamp(-depression / camera.optics.tilt_range_deg, -1.0, 1.0)
    zoom = zoom_for_width(distance, width_m, camera.optics)
    return Aim(camera.camera_id, camera.name, distance, bearing, Position(clamp(pan, -1.0, 1.0), tilt, zoom))


def plan_callup(cameras: Iterable[CameraPlacement], latitude: float, longitude: float, *, limit: int = 3) -> list[Aim]:
    """The ``limit`` nearest cameras whose range reaches the target, nearest first."""
    aims = []
    for camera in cameras:
        aim = aim_at(camera, latitude, longitude)
        if aim.distance_m <= (camera.range_m or DEFAULT_RANGE_M):
            aims.append(aim)
    aims.sort(key=lambda a: (a.distance_m, a.camera_id))
    return aims[:limit]
