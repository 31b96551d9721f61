"""``/api/v1/cameras``: configuration and status of cameras."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from citywatch.access.principal import CAMERA_ACTIONS, Action, Principal, require
from citywatch.api.context import ApiContext
from citywatch.api.deps import CurrentPrincipal, client_address, context
from citywatch.api.schemas import CameraIn, CameraOut, CameraStatusOut
from citywatch.store.models import Camera, CameraStatus
from citywatch.timeutil import iso
from citywatch.video.cameras import CameraError, CameraInput, CameraNotFound

__all__ = ["camera_out", "router"]

router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])


def camera_out(
    camera: Camera, status: CameraStatus | None, principal: Principal | None = None, motion_since_us: int | None = None
) -> CameraOut:
    """A camera as ``principal`` may see it: addresses only for those who configure cameras."""
    status_out = None
    if status is not None:
        status_out = CameraStatusOut(
            state=status.state,
            since=iso(status.since_us),
            last_frame=iso(status.last_frame_us) if status.last_frame_us else None,
            bitrate_kbps=round(status.bitrate_kbps, 1),
            fps=round(status.fps, 2),
            error=status.error,
            motion_since=None if motion_since_us is None else iso(motion_since_us),
        )
    configure = principal is None or principal.is_admin or principal.grants.allows(Action.CONFIGURE_CAMERAS)
    if principal is None or principal.grants.everything or principal.is_admin:
        rights = sorted(str(a) for a in CAMERA_ACTIONS)
    else:
        rights = sorted(principal.grants.cameras.get(camera.id, frozenset()))
    return CameraOut(
        id=camera.id,
        name=camera.name,
        rtsp_url=camera.rtsp_url if configure else "",
        onvif_url=camera.onvif_url if configure else None,
        organisation_id=camera.organisation_id,
        rights=rights,
        latitude=camera.latitude,
        longitude=camera.longitude,
        bearing_deg=camera.bearing_deg,
        fov_deg=camera.fov_deg,
        range_m=camera.range_m,
        ptz=camera.ptz,
        enabled=camera.enabled,
        retention_days=camera.retention_days,
        motion=camera.motion,
        motion_min_area=camera.motion_min_area,
        status=status_out,
    )


def _input(body: CameraIn, quota_bytes: int | None = None) -> CameraInput:
    # The request schema and the domain's input carry the same fields by design.
    return CameraInput(**body.model_dump(), quota_bytes=quota_bytes)


@router.get("", response_model=list[CameraOut])
def list_cameras(principal: CurrentPrincipal, request: Request) -> list[CameraOut]:
    require(principal, Action.VIEW_CAMERAS)
    ctx = context(request)
    statuses, moving = ctx.status.camera_status(), ctx.status.moving()
    cameras = [c for c in ctx.services.cameras.list() if principal.is_admin or principal.grants.visible(c.id)]
    return [camera_out(c, statuses.get(c.id), principal, moving.get(c.id)) for c in cameras]


@router.get("/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: int, principal: CurrentPrincipal, request: Request) -> CameraOut:
    require(principal, Action.VIEW_CAMERAS, camera_id)
    if not (principal.is_admin or principal.grants.visible(camera_id)):
        raise CameraNotFound(f"no camera {camera_id}")  # another organisation's camera does not exist for you
    ctx = context(request)
    status, moving = ctx.status.camera_status().get(camera_id), ctx.status.moving().get(camera_id)
    return camera_out(ctx.services.cameras.get(camera_id), status, principal, moving)


async def _from_onvif(body: CameraIn, allowed: list[str]) -> CameraIn:
    """Fill the RTSP URL (and the PTZ flag) from the camera's ONVIF device when only its address was given."""
    from citywatch.ptz.probe import probe_device

    assert body.onvif_url is not None
    found = await probe_device(body.onvif_url, body.username, body.password, allowed)
    return body.model_copy(update={"rtsp_url": found.stream_uri, "ptz": body.ptz or found.ptz is not None})


@router.post("", response_model=CameraOut, status_code=201)
async def add_camera(body: CameraIn, principal: CurrentPrincipal, request: Request) -> CameraOut:
    """Add a camera; with ``onvif_url`` and no ``rtsp_url`` the stream address is read from the device."""
    require(principal, Action.CONFIGURE_CAMERAS)
    ctx = context(request)
    if not body.rtsp_url:
        if not body.onvif_url:
            raise CameraError("give the camera's rtsp_url, or its onvif_url to read the stream address from it")
        body = await _from_onvif(body, ctx.services.settings.camera_allowed_networks)
    return await asyncio.to_thread(_add, ctx, body, principal, client_address(request))


def _add(ctx: ApiContext, body: CameraIn, principal: Principal, client: str) -> CameraOut:
    camera = ctx.services.cameras.add(_input(body))
    if not principal.is_admin and principal.organisation_id is not None:
        ctx.directory.set_camera_owner(camera.id, principal.organisation_id)
        camera.organisation_id = principal.organisation_id
    ctx.audit.record("camera.create", principal, camera_id=camera.id, client=client, detail={"name": camera.name})
    ctx.auth.forget_cached()
    return camera_out(camera, None, principal)


@router.put("/{camera_id}", response_model=CameraOut)
def update_camera(camera_id: int, body: CameraIn, principal: CurrentPrincipal, request: Request) -> CameraOut:
    require(principal, Action.CONFIGURE_CAMERAS, camera_id)
    ctx = context(request)
    existing = ctx.services.cameras.get(camera_id)
    camera = ctx.services.cameras.update(camera_id, _input(body, existing.quota_bytes))
    ctx.audit.record(
        "camera.update",
        principal,
        camera_id=camera_id,
        client=client_address(request),
        detail=body.model_dump(exclude={"password"}),
    )
    return camera_out(camera, ctx.status.camera_status().get(camera_id), principal)


@router.delete("/{camera_id}", status_code=204)
def remove_camera(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    """Deletes a camera without footage; one with footage is disabled so its recordings stay attributable."""
    require(principal, Action.CONFIGURE_CAMERAS, camera_id)
    ctx = context(request)
    ctx.services.cameras.remove(camera_id)
    ctx.audit.record("camera.delete", principal, camera_id=camera_id, client=client_address(request))
    return Response(status_code=204)
