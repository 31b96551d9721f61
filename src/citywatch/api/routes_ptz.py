"""PTZ control with arbitration; presets and tours; adding a camera by its ONVIF address.

Routes map requests onto ``citywatch.ptz.service.PtzService`` (built on first use, kept on ``app.state.ptz``);
``PtzBusy`` becomes 409 with the "controlled by …" message (api/errors.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.applications import FastAPI
from pydantic import ValidationError
from starlette.requests import HTTPConnection

from citywatch.access.errors import AccessError
from citywatch.access.principal import Action, Principal, require
from citywatch.api.context import ApiContext
from citywatch.api.deps import CurrentPrincipal, context, websocket_principal
from citywatch.api.errors import status_for
from citywatch.api.ptz_schemas import (
    AbsoluteIn,
    CallupIn,
    CentreIn,
    MoveIn,
    PresetIn,
    ProbeIn,
    SettingsIn,
    TakeIn,
    TourIn,
    TranslationIn,
    WsMessage,
)
from citywatch.ptz.actions import call_up
from citywatch.ptz.arbitration import Lease
from citywatch.ptz.errors import PtzError
from citywatch.ptz.geometry import Optics
from citywatch.ptz.model import Position, Velocity
from citywatch.ptz.policy import CameraPtzSettings
from citywatch.ptz.probe import probe_device
from citywatch.ptz.repository import PtzRepository
from citywatch.ptz.service import Actor, PtzService, PtzView
from citywatch.ptz.tours import Tour, TourStep
from citywatch.timeutil import iso

__all__ = ["close", "ptz_service", "router"]

router = APIRouter(prefix="/api/v1", tags=["ptz"])


# --- wiring ---------------------------------------------------------------------------------------
def ptz_service(conn: HTTPConnection) -> PtzService:
    service: PtzService | None = getattr(conn.app.state, "ptz", None)
    if service is None:
        ctx: ApiContext = conn.app.state.ctx
        s = ctx.services
        service = PtzService(s.cameras, PtzRepository(s.sessions), ctx.audit.record, decrypt=s.secrets.decrypt)
        conn.app.state.ptz = service
    return service


async def close(app: FastAPI) -> None:
    """For the app's shutdown: stop tours and close the cameras' ONVIF clients."""
    service: PtzService | None = getattr(app.state, "ptz", None)
    if service is not None:
        await service.aclose()


def _actor(principal: Principal, conn: HTTPConnection) -> Actor:
    return Actor(principal, conn.client.host if conn.client else None)


def _control(lease: Lease | None, principal: Principal | None = None) -> dict[str, Any] | None:
    if lease is None:
        return None
    h = lease.holder
    mine = principal is not None and h.kind == "user" and h.name in (principal.display_name, principal.username)
    return {
        "holder": h.name,
        "organisation": h.organisation,
        "role": h.role,
        "kind": h.kind,
        "priority": lease.priority,
        "since": iso(lease.granted_us),
        "until": iso(lease.expires_us),
        "reserved": lease.reserved,
        "yours": mine,
    }


def _position(p: Position) -> dict[str, float]:
    return {"pan": round(p.pan, 5), "tilt": round(p.tilt, 5), "zoom": round(p.zoom, 5)}


def _tour(t: Tour, service: PtzService) -> dict[str, Any]:
    runner = service.tour_state(t.id)
    return {
        "id": t.id,
        "name": t.name,
        "steps": [{"preset": s.preset, "dwell_s": s.dwell_s} for s in t.steps],
        "resume_after_s": t.resume_after_s,
        "state": runner.state if runner is not None else "stopped",
        "step": runner.step if runner is not None else None,
    }


def _view(v: PtzView, principal: Principal, service: PtzService) -> dict[str, Any]:
    caps = v.capabilities
    return {
        "camera_id": v.camera_id,
        "capabilities": None
        if caps is None
        else {
            "continuous": caps.continuous,
            "absolute": caps.absolute,
            "relative": caps.relative,
            "presets": caps.presets,
            "max_presets": caps.max_presets,
            "home": caps.home,
        },
        "position": _position(v.status.position) if v.status else None,
        "moving": v.status.moving if v.status else None,
        "control": _control(v.lease, principal),
        "you": {"priority": v.your_priority, "may_reserve": v.may_reserve},
        "tours": [_tour(t, service) for t in service.tours(v.camera_id)],
        "error": v.error,
    }


# --- status and movement --------------------------------------------------------------------------
@router.get("/cameras/{camera_id}/ptz")
async def ptz_state(camera_id: int, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Capabilities, position, who controls the camera until when, and its tours."""
    require(principal, Action.PTZ, camera_id)
    service = ptz_service(request)
    return _view(await service.view(principal, camera_id), principal, service)


@router.post("/cameras/{camera_id}/ptz/move")
async def ptz_move(camera_id: int, body: MoveIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Continuous move (joystick); the camera stops by itself after ``timeout_s`` unless re-sent (dead-man)."""
    require(principal, Action.PTZ, camera_id)
    service = ptz_service(request)
    velocity = Velocity(body.pan, body.tilt, body.zoom)
    lease = await service.move(_actor(principal, request), camera_id, velocity, body.timeout_s)
    return {"control": _control(lease, principal)}


@router.post("/cameras/{camera_id}/ptz/stop", status_code=204)
async def ptz_stop(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    await ptz_service(request).stop(_actor(principal, request), camera_id)
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/absolute", status_code=204)
async def ptz_absolute(camera_id: int, body: AbsoluteIn, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    position = Position(body.pan, body.tilt, body.zoom)
    await ptz_service(request).absolute(_actor(principal, request), camera_id, position, body.speed)
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/relative", status_code=204)
async def ptz_relative(camera_id: int, body: TranslationIn, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    translation = Position(body.pan, body.tilt, body.zoom)
    await ptz_service(request).relative(_actor(principal, request), camera_id, translation)
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/centre")
async def ptz_centre(camera_id: int, body: CentreIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Click-to-centre: (x, y) are fractions of the picture from its top left corner."""
    require(principal, Action.PTZ, camera_id)
    moved = await ptz_service(request).centre(_actor(principal, request), camera_id, body.x, body.y)
    return {"translation": _position(moved)}


@router.post("/cameras/{camera_id}/ptz/home", status_code=204)
async def ptz_home(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    await ptz_service(request).home(_actor(principal, request), camera_id)
    return Response(status_code=204)


# --- control ownership ----------------------------------------------------------------------------
@router.post("/cameras/{camera_id}/ptz/take")
async def ptz_take(
    camera_id: int, principal: CurrentPrincipal, request: Request, body: TakeIn | None = None
) -> dict[str, Any]:
    """Take control now (over a lower priority); with ``reserve_s`` hold it that long regardless of inactivity."""
    require(principal, Action.PTZ, camera_id)
    reserve_s = body.reserve_s if body is not None else None
    lease = ptz_service(request).take(_actor(principal, request), camera_id, reserve_s)
    return {"control": _control(lease, principal)}


@router.post("/cameras/{camera_id}/ptz/release", status_code=204)
async def ptz_release(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    await ptz_service(request).release(_actor(principal, request), camera_id)
    return Response(status_code=204)


# --- presets --------------------------------------------------------------------------------------
@router.get("/cameras/{camera_id}/ptz/presets")
async def list_presets(camera_id: int, principal: CurrentPrincipal, request: Request) -> list[dict[str, Any]]:
    require(principal, Action.PTZ, camera_id)
    presets = await ptz_service(request).presets(camera_id)
    return [
        {"token": p.token, "name": p.name, "position": _position(p.position) if p.position else None} for p in presets
    ]


@router.post("/cameras/{camera_id}/ptz/presets", status_code=201)
async def save_preset(camera_id: int, body: PresetIn, principal: CurrentPrincipal, request: Request) -> dict[str, str]:
    """Store the current position as a preset (a new one, or overwrite ``token``)."""
    require(principal, Action.PTZ, camera_id)
    token = await ptz_service(request).set_preset(_actor(principal, request), camera_id, body.name, body.token)
    return {"token": token, "name": body.name}


@router.delete("/cameras/{camera_id}/ptz/presets/{token}", status_code=204)
async def remove_preset(camera_id: int, token: str, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    await ptz_service(request).remove_preset(_actor(principal, request), camera_id, token)
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/presets/{token}/go", status_code=204)
async def goto_preset(camera_id: int, token: str, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    await ptz_service(request).goto_preset(_actor(principal, request), camera_id, token)
    return Response(status_code=204)


# --- tours ----------------------------------------------------------------------------------------
@router.get("/cameras/{camera_id}/ptz/tours")
def list_tours(camera_id: int, principal: CurrentPrincipal, request: Request) -> list[dict[str, Any]]:
    require(principal, Action.PTZ, camera_id)
    service = ptz_service(request)
    return [_tour(t, service) for t in service.tours(camera_id)]


def _steps(body: TourIn) -> list[TourStep]:
    return [TourStep(s.preset, s.dwell_s) for s in body.steps]


@router.post("/cameras/{camera_id}/ptz/tours", status_code=201)
def add_tour(camera_id: int, body: TourIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    require(principal, Action.PTZ, camera_id)
    service = ptz_service(request)
    service.tours(camera_id)  # the camera exists
    repo = PtzRepository(context(request).services.sessions)
    tour = repo.save_tour(camera_id, body.name, _steps(body), body.resume_after_s, principal.username)
    context(request).audit.record("ptz.tour.save", principal, camera_id=camera_id, detail={"tour": tour.name})
    return _tour(tour, service)


@router.put("/cameras/{camera_id}/ptz/tours/{tour_id}")
def update_tour(
    camera_id: int, tour_id: int, body: TourIn, principal: CurrentPrincipal, request: Request
) -> dict[str, Any]:
    require(principal, Action.PTZ, camera_id)
    repo = PtzRepository(context(request).services.sessions)
    tour = repo.save_tour(camera_id, body.name, _steps(body), body.resume_after_s, principal.username, tour_id)
    context(request).audit.record("ptz.tour.save", principal, camera_id=camera_id, detail={"tour": tour.name})
    return _tour(tour, ptz_service(request))


@router.delete("/cameras/{camera_id}/ptz/tours/{tour_id}", status_code=204)
async def delete_tour(camera_id: int, tour_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    service = ptz_service(request)
    if service.tour_state(tour_id) is not None:
        await service.stop_tour(_actor(principal, request), camera_id, tour_id)
    PtzRepository(context(request).services.sessions).delete_tour(camera_id, tour_id)
    context(request).audit.record("ptz.tour.delete", principal, camera_id=camera_id, detail={"tour_id": tour_id})
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/tours/{tour_id}/start")
async def start_tour(camera_id: int, tour_id: int, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    require(principal, Action.PTZ, camera_id)
    service = ptz_service(request)
    runner = await service.start_tour(_actor(principal, request), camera_id, tour_id)
    return _tour(runner.tour, service)


@router.post("/cameras/{camera_id}/ptz/tours/{tour_id}/stop", status_code=204)
async def stop_tour(camera_id: int, tour_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.PTZ, camera_id)
    await ptz_service(request).stop_tour(_actor(principal, request), camera_id, tour_id)
    return Response(status_code=204)


# --- settings -------------------------------------------------------------------------------------
def _settings_out(service: PtzService, camera_id: int) -> dict[str, Any]:
    stored = service.settings(camera_id)
    a, o = stored.arbitration, stored.optics
    return {
        "lease_s": a.lease_s,
        "home_on_lapse": a.home_on_lapse,
        "max_reservation_s": a.max_reservation_s,
        "tour_resume_s": a.tour_resume_s,
        "role_priority": dict(a.role_priority),
        "organisation_bonus": dict(a.organisation_bonus),
        "hfov_wide_deg": None if stored.hfov_from_camera else o.hfov_wide_deg,
        "max_zoom": o.max_zoom,
        "zoom_law": o.zoom_law,
        "tilt_range_deg": o.tilt_range_deg,
        "mount_height_m": o.mount_height_m,
    }


@router.get("/cameras/{camera_id}/ptz/settings")
def get_settings(camera_id: int, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    require(principal, Action.PTZ, camera_id)
    return _settings_out(ptz_service(request), camera_id)


@router.put("/cameras/{camera_id}/ptz/settings")
def put_settings(camera_id: int, body: SettingsIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Lease length, return-home, reservation cap, priorities and calibration of one camera."""
    require(principal, Action.PTZ, camera_id)
    require(principal, Action.CONFIGURE_CAMERAS, camera_id)
    service = ptz_service(request)
    arbitration = CameraPtzSettings(
        body.lease_s,
        body.home_on_lapse,
        body.max_reservation_s,
        body.tour_resume_s,
        body.role_priority,
        body.organisation_bonus,
    )
    camera_fov = context(request).services.cameras.get(camera_id).fov_deg
    hfov = body.hfov_wide_deg or camera_fov or 60.0
    optics = Optics(hfov, body.max_zoom, body.tilt_range_deg, body.zoom_law, mount_height_m=body.mount_height_m)
    service.save_settings(camera_id, arbitration, optics, fixed_hfov=body.hfov_wide_deg is not None)
    context(request).audit.record("ptz.settings", principal, camera_id=camera_id, detail=body.model_dump())
    return _settings_out(service, camera_id)


# --- adding a camera by ONVIF; call-up --------------------------------------------------------------
@router.post("/cameras/probe")
async def probe_camera(body: ProbeIn, principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """Read device information, profiles, stream URI and PTZ capabilities from an ONVIF address."""
    require(principal, Action.CONFIGURE_CAMERAS)
    allowed = context(request).services.settings.camera_allowed_networks
    found = await probe_device(body.onvif_url, body.username, body.password, allowed)
    return {
        "name": f"{found.device.manufacturer} {found.device.model}".strip(),
        "manufacturer": found.device.manufacturer,
        "model": found.device.model,
        "firmware": found.device.firmware,
        "serial": found.device.serial,
        "profile": found.profile_name,
        "stream_uri": found.stream_uri,
        "snapshot_uri": found.snapshot_uri,
        "ptz": found.ptz is not None,
        "presets": [{"token": p.token, "name": p.name} for p in found.presets],
    }


@router.post("/ptz/callup")
async def callup(body: CallupIn, principal: CurrentPrincipal, request: Request) -> list[dict[str, Any]]:
    """Swing the nearest PTZ cameras (that this user may control) to face a place."""
    require(principal, Action.PTZ)  # control of at least one camera
    cameras = [
        c
        for c in context(request).services.cameras.list()
        if principal.is_admin or principal.grants.allows(Action.PTZ, c.id)
    ]
    results = await call_up(
        ptz_service(request), _actor(principal, request), cameras, body.latitude, body.longitude, body.limit
    )
    return [
        {
            "camera_id": r.aim.camera_id,
            "name": r.aim.name,
            "distance_m": round(r.aim.distance_m, 1),
            "bearing_deg": round(r.aim.bearing_deg, 1),
            "position": _position(r.aim.position),
            "outcome": r.outcome,
            "detail": r.detail,
        }
        for r in results
    ]


# --- joystick WebSocket ---------------------------------------------------------------------------
@router.websocket("/cameras/{camera_id}/ptz/ws")
async def ptz_ws(websocket: WebSocket, camera_id: int) -> None:
    """Joystick: ``{"type": "move", pan, tilt, zoom, timeout_s}`` / ``stop`` / ``take`` / ``release``.

    The server answers ``ack`` (with the client's ``seq``) or ``error`` (status 409 with "controlled by …"),
    and pushes ``control`` whenever the owner changes. Closing the socket while moving stops the camera.
    """
    try:
        principal = websocket_principal(websocket)
        require(principal, Action.PTZ, camera_id)
        service = ptz_service(websocket)
        service.tours(camera_id)  # raises CameraNotFound for a camera that does not exist
    except (AccessError, LookupError) as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    await websocket.accept()
    actor = _actor(principal, websocket)
    queue = service.watch(camera_id)
    moving = False
    try:
        await websocket.send_text(
            json.dumps({"type": "control", "control": _control(service.arbiter.holder(camera_id), principal)})
        )
        receiver = _Receiver(websocket)
        while True:
            message, lease_changed = await receiver.next(queue)
            if lease_changed is not None:
                await websocket.send_text(
                    json.dumps({"type": "control", "control": _control(lease_changed[0], principal)})
                )
                continue
            if message is None:
                break
            moving = await _handle(service, actor, camera_id, message, websocket, moving)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        service.unwatch(camera_id, queue)
        if moving:
            with contextlib.suppress(PtzError):
                await service.stop(actor, camera_id)


class _Receiver:
    """Waits for whichever comes first: a client message or an owner change."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self._pending: asyncio.Future[str] | None = None

    async def next(self, queue: asyncio.Queue[Lease | None]) -> tuple[str | None, tuple[Lease | None] | None]:
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._ws.receive_text())
        change = asyncio.ensure_future(queue.get())
        waiters: set[asyncio.Future[Any]] = {self._pending, change}
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if change in done:
            return None, (change.result(),)
        change.cancel()
        pending, self._pending = self._pending, None
        try:
            return pending.result(), None
        except WebSocketDisconnect:
            return None, None


async def _handle(
    service: PtzService, actor: Actor, camera_id: int, text: str, websocket: WebSocket, moving: bool
) -> bool:
    """One joystick message; returns whether the camera is now moving under this socket's command."""
    seq = None
    try:
        m = WsMessage.model_validate_json(text)
        seq = m.seq
        if m.type == "move":
            await service.move(actor, camera_id, Velocity(m.pan, m.tilt, m.zoom), m.timeout_s)
            moving = not Velocity(m.pan, m.tilt, m.zoom).is_stop
        elif m.type == "stop":
            await service.stop(actor, camera_id)
            moving = False
        elif m.type == "take":
            service.take(actor, camera_id)
        elif m.type == "release":
            await service.release(actor, camera_id)
        else:
            raise PtzError(f"unknown message type {m.type!r}; send move, stop, take or release")
        await websocket.send_text(json.dumps({"type": "ack", "seq": m.seq}))
    except ValidationError as exc:
        await websocket.send_text(json.dumps({"type": "error", "status": 422, "detail": str(exc.errors()[0]["msg"])}))
    except PtzError as exc:
        await websocket.send_text(
            json.dumps({"type": "error", "status": status_for(exc), "detail": str(exc), "seq": seq})
        )
    return moving
