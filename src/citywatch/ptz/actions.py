"""Actions that combine several cameras: call-up (swing the nearest PTZ cameras to an alarm's position)."""

from __future__ import annotations

from dataclasses import dataclass

from citywatch.ptz.callup import Aim, CameraPlacement, plan_callup
from citywatch.ptz.errors import PtzBusy, PtzError
from citywatch.ptz.service import Actor, PtzService
from citywatch.store.models import Camera

__all__ = ["CallupResult", "call_up", "placements"]


@dataclass(frozen=True, slots=True)
class CallupResult:
    aim: Aim
    outcome: str  # moved | refused | failed
    detail: str = ""


def placements(service: PtzService, cameras: list[Camera]) -> list[CameraPlacement]:
    """PTZ cameras with an ONVIF address, a position and a bearing calibration; others cannot be aimed."""
    out = []
    for c in cameras:
        if c.ptz and c.enabled and c.onvif_url and c.latitude is not None and c.longitude is not None:
            optics = service.settings(c.id).optics
            out.append(CameraPlacement(c.id, c.name, c.latitude, c.longitude, c.bearing_deg or 0.0, c.range_m, optics))
    return out


async def call_up(
    service: PtzService, actor: Actor, cameras: list[Camera], latitude: float, longitude: float, limit: int = 3
) -> list[CallupResult]:
    """Aim the nearest cameras; a camera someone else controls is reported, not fought over."""
    results = []
    for aim in plan_callup(placements(service, cameras), latitude, longitude, limit=limit):
        try:
            await service.absolute(actor, aim.camera_id, aim.position)
            results.append(CallupResult(aim, "moved"))
        except PtzError as exc:
            results.append(CallupResult(aim, "refused" if isinstance(exc, PtzBusy) else "failed", str(exc)))
    return results
