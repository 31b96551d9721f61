"""``/api/v1/cameras``: configuration and status of cameras."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from citywatch.access.principal import Action, require
from citywatch.api.deps import CurrentPrincipal, context
from citywatch.api.schemas import CameraIn, CameraOut, CameraStatusOut
from citywatch.store.models import Camera, CameraStatus
from citywatch.timeutil import iso
from citywatch.video.cameras import CameraInput

__all__ = ["camera_out", "router"]

router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])


def camera_out(camera: Camera, status: CameraStatus | None) -> CameraOut:
    status_out = None
    if status is not None:
        status_out = CameraStatusOut(
            state=status.state,
            since=iso(status.since_us),
            last_frame=iso(status.last_frame_us) if status.last_frame_us else None,
            bitrate_kbps=round(status.bitrate_kbps, 1),
            fps=round(status.fps, 2),
            error=status.error,
        )
    return CameraOut(
        id=camera.id,
        name=camera.name,
        rtsp_url=camera.rtsp_url,
        onvif_url=camera.onvif_url,
        latitude=camera.latitude,
        longitude=camera.longitude,
        bearing_deg=camera.bearing_deg,
        fov_deg=camera.fov_deg,
        range_m=camera.range_m,
        ptz=camera.ptz,
        enabled=camera.enabled,
        retention_days=camera.retention_days,
        status=status_out,
    )


def _input(body: CameraIn, quota_bytes: int | None = None) -> CameraInput:
    # The request schema and the domain's input carry the same fields by design.
    return CameraInput(**body.model_dump(), quota_bytes=quota_bytes)


@router.get("", response_model=list[CameraOut])
def list_cameras(principal: CurrentPrincipal, request: Request) -> list[CameraOut]:
    require(principal, Action.VIEW_CAMERAS)
    ctx = context(request)
    statuses = ctx.status.camera_status()
    return [camera_out(c, statuses.get(c.id)) for c in ctx.services.cameras.list()]


@router.get("/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: int, principal: CurrentPrincipal, request: Request) -> CameraOut:
    require(principal, Action.VIEW_CAMERAS, camera_id)
    ctx = context(request)
    return camera_out(ctx.services.cameras.get(camera_id), ctx.status.camera_status().get(camera_id))


@router.post("", response_model=CameraOut, status_code=201)
def add_camera(body: CameraIn, principal: CurrentPrincipal, request: Request) -> CameraOut:
    require(principal, Action.CONFIGURE_CAMERAS)
    camera = context(request).services.cameras.add(_input(body))
    return camera_out(camera, None)


@router.put("/{camera_id}", response_model=CameraOut)
def update_camera(camera_id: int, body: CameraIn, principal: CurrentPrincipal, request: Request) -> CameraOut:
    require(principal, Action.CONFIGURE_CAMERAS, camera_id)
    ctx = context(request)
    existing = ctx.services.cameras.get(camera_id)
    camera = ctx.services.cameras.update(camera_id, _input(body, existing.quota_bytes))
    return camera_out(camera, ctx.status.camera_status().get(camera_id))


@router.delete("/{camera_id}", status_code=204)
def remove_camera(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    """Deletes a camera without footage; one with footage is disabled so its recordings stay attributable."""
    require(principal, Action.CONFIGURE_CAMERAS, camera_id)
    context(request).services.cameras.remove(camera_id)
    return Response(status_code=204)
