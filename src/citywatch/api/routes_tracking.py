"""GPS wearables, sting assets, safe zones and their alerts: ``/api/v1/devices``, ``/alerts``, ``/zones``.

Covert devices (sting vehicles and property) and missing-person profiles are shown only to police roles,
administrators and roles allowed to manage tracking; to everyone else they do not exist (404). Profile
reads and edits, hand-off links and their use are audited. Alert handling (acknowledge, assign, escalate,
close) is open to everyone who sees the alert queue: the control room works it. ``/alerts/ws`` pushes new alerts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citywatch.access.errors import AccessError, PermissionDenied
from citywatch.access.principal import Action, Principal, require
from citywatch.api.context import ApiContext
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time, websocket_principal
from citywatch.api.tracking_live import alert_watcher
from citywatch.api.tracking_schemas import (
    AlertOut,
    CameraPassOut,
    DeviceOut,
    NoteIn,
    PositionOut,
    ProfileIO,
    SharedTrailOut,
    ShareIn,
    ShareOut,
    ZoneOut,
)
from citywatch.api.tracking_views import (
    alert_out,
    device_out,
    pass_out,
    position_out,
    profile_from,
    profile_out,
    tracking_api,
    zone_out,
)
from citywatch.timeutil import iso
from citywatch.tracking import handoff, services
from citywatch.tracking.camera_passes import CameraFov, TrailPoint, camera_passes
from citywatch.tracking.domain import from_us, to_us, utcnow
from citywatch.tracking.errors import AlertStateError, NotFoundError

__all__ = ["router", "sees_sensitive"]

router = APIRouter(prefix="/api/v1", tags=["tracking"])

OPEN_STATES = ["new", "acknowledged", "assigned", "escalated"]
MAX_WINDOW = timedelta(days=7)
DEFAULT_WINDOW = timedelta(hours=1)


def _allowed(principal: Principal, action: Action) -> bool:
    try:
        require(principal, action)
    except PermissionDenied:
        return False
    return True


def sees_sensitive(principal: Principal) -> bool:
    """May see covert assets and missing-person profiles."""
    return principal.is_admin or principal.is_police or _allowed(principal, Action.MANAGE_TRACKING)


def _require_sensitive(principal: Principal, what: str) -> None:
    if not sees_sensitive(principal):
        raise PermissionDenied(f"{principal.username} may not see {what}; police roles and tracking managers may")


def _audit(request: Request, action: str, principal: Principal | None, detail: dict[str, object]) -> None:
    client = request.client.host if request.client else None
    context(request).audit.record(action, principal, detail=detail, client=client)


@contextmanager
def _domain_errors() -> Iterator[None]:
    """The tracking domain's errors as HTTP answers (the shared handler does not know them)."""
    try:
        yield
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except AlertStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    except handoff.HandoffExpired as exc:
        raise HTTPException(410, str(exc)) from exc
    except handoff.HandoffInvalid as exc:  # a wrong or forged link is "no such link", not a refusal
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@contextmanager
def _session(request: Request) -> Iterator[Session]:
    with _domain_errors(), context(request).services.sessions() as session:
        yield session


def _window(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    end_t = from_us(parse_time(end, "end")) if end else utcnow()
    start_t = from_us(parse_time(start, "start")) if start else end_t - DEFAULT_WINDOW
    if not start_t < end_t or end_t - start_t > MAX_WINDOW:
        raise HTTPException(
            400, "start must be before end, at most 7 days apart (ISO 8601 UTC, e.g. 2026-11-25T21:00Z)"
        )
    return start_t, end_t


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(principal: CurrentPrincipal, request: Request) -> list[DeviceOut]:
    """Every device with its latest fix and reporting status; covert ones only for those allowed."""
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    with _session(request) as s:
        devices = services.list_devices(s, include_covert=covert)
        last = services.latest_positions(s, [d.id for d in devices])
        open_by_device: dict[int, int] = {}
        for a in services.list_alerts(s, states=OPEN_STATES, include_covert=covert, limit=10_000):
            open_by_device[a.device_id] = open_by_device.get(a.device_id, 0) + 1
    now = utcnow()
    return [device_out(d, last.get(d.id), open_by_device.get(d.id, 0), now) for d in devices]


@router.get("/devices/{device_id}/positions", response_model=list[PositionOut])
def device_positions(
    device_id: int, principal: CurrentPrincipal, request: Request, start: str | None = None, end: str | None = None
) -> list[PositionOut]:
    """The trail by fix time (UTC), oldest first; late (archived) fixes included and marked."""
    require(principal, Action.VIEW_TRACKING)
    start_t, end_t = _window(start, end)
    with _session(request) as s:
        trail = services.positions(s, device_id, start_t, end_t, include_covert=sees_sensitive(principal))
    return [position_out(p) for p in trail]


def _passes(request: Request, principal: Principal, trail: list[TrailPoint]) -> list[CameraPassOut]:
    """Passes through the views of cameras with a position and a field of view that the user may play back."""
    fovs = []
    for c in context(request).services.cameras.list():
        lat, lon, bearing, fov, reach = c.latitude, c.longitude, c.bearing_deg, c.fov_deg, c.range_m
        if lat is None or lon is None or bearing is None or fov is None or reach is None:
            continue
        if _allowed_camera(principal, c.id):
            fovs.append(CameraFov(c.id, c.name, lat, lon, bearing, fov, reach))
    return [pass_out(p) for p in camera_passes(trail, fovs)]


def _allowed_camera(principal: Principal, camera_id: int) -> bool:
    try:
        require(principal, Action.PLAYBACK, camera_id)
    except PermissionDenied:
        return False
    return True


def _trail_points(s: Session, device_id: int, start: datetime, end: datetime, covert: bool) -> list[TrailPoint]:
    trail = services.positions(s, device_id, start, end, include_covert=covert)
    return [TrailPoint(p.fix_time, p.latitude, p.longitude) for p in trail]


@router.get("/devices/{device_id}/camera-passes", response_model=list[CameraPassOut])
def device_camera_passes(
    device_id: int, principal: CurrentPrincipal, request: Request, start: str | None = None, end: str | None = None
) -> list[CameraPassOut]:
    """Cameras whose field of view the trail crossed, with when; only cameras the user may play back."""
    require(principal, Action.VIEW_TRACKING)
    start_t, end_t = _window(start, end)
    with _session(request) as s:
        points = _trail_points(s, device_id, start_t, end_t, sees_sensitive(principal))
    return _passes(request, principal, points)


@router.get("/devices/{device_id}/profile", response_model=ProfileIO)
def get_profile(device_id: int, principal: CurrentPrincipal, request: Request) -> ProfileIO:
    """The missing-person (Herbert Protocol) profile; special-category data, every read audited."""
    require(principal, Action.VIEW_TRACKING)
    _require_sensitive(principal, "missing-person profiles")
    api = tracking_api(request)
    with _session(request) as s:
        services.get_device(s, device_id, include_covert=True)
    profile = api.profiles.get(device_id)
    _audit(request, "tracking.profile.view", principal, {"device_id": device_id, "found": profile is not None})
    if profile is None:
        raise HTTPException(404, f"device {device_id} has no missing-person profile yet; PUT one to create it")
    return profile_out(profile)


@router.put("/devices/{device_id}/profile", response_model=ProfileIO)
def put_profile(device_id: int, body: ProfileIO, principal: CurrentPrincipal, request: Request) -> ProfileIO:
    require(principal, Action.MANAGE_TRACKING)
    api = tracking_api(request)
    with _session(request) as s:
        device = services.get_device(s, device_id, include_covert=True)
        if device.profile != "person":
            raise ValueError(f"{device.name} is a {device.profile}; profiles are for people who wear a tracker")
        profile = profile_from(body, principal.username, utcnow())
    api.profiles.put(device_id, profile)
    _audit(request, "tracking.profile.edit", principal, {"device_id": device_id})
    return profile_out(profile)


@router.get("/zones", response_model=list[ZoneOut])
def list_zones(principal: CurrentPrincipal, request: Request) -> list[ZoneOut]:
    require(principal, Action.VIEW_TRACKING)
    with _session(request) as s:
        return [zone_out(z) for z in services.list_zones(s)]


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(
    principal: CurrentPrincipal, request: Request, device_id: int | None = None, recent_h: float = 24.0
) -> list[AlertOut]:
    """Open alerts and every alert raised in the last ``recent_h`` hours: most urgent, then newest, first."""
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    since = utcnow() - timedelta(hours=max(0.0, min(recent_h, 24 * 31)))
    with _session(request) as s:
        alerts = services.list_alerts(
            s, states=OPEN_STATES, raised_since=since, device_id=device_id, include_covert=covert
        )
        devices = {d.id: d for d in services.list_devices(s, include_covert=covert)}
    return [alert_out(a, devices.get(a.device_id)) for a in alerts]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: int, principal: CurrentPrincipal, request: Request, body: NoteIn | None = None) -> AlertOut:
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    with _session(request) as s:
        a = services.acknowledge_alert(
            s, alert_id, principal.username, note=body.note if body else None, include_covert=covert
        )
        device = services.get_device(s, a.device_id, include_covert=covert)
    _audit(request, "tracking.alert.acknowledge", principal, {"alert_id": alert_id})
    return alert_out(a, device)


class AssignIn(BaseModel):
    to: str = Field(min_length=1, max_length=200, description="the person or team who handles it")
    note: str | None = Field(default=None, max_length=2000)


class EscalateIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="e.g. 'passed to police, CAD 1234'")


class CloseIn(BaseModel):
    outcome: str = Field(min_length=1, max_length=2000, description="e.g. 'found safe in the café'")


@router.post("/alerts/{alert_id}/assign", response_model=AlertOut)
def assign(alert_id: int, body: AssignIn, principal: CurrentPrincipal, request: Request) -> AlertOut:
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    with _session(request) as s:
        a = services.assign_alert(s, alert_id, body.to, principal.username, note=body.note, include_covert=covert)
        device = services.get_device(s, a.device_id, include_covert=covert)
    _audit(request, "tracking.alert.assign", principal, {"alert_id": alert_id, "to": body.to})
    return alert_out(a, device)


@router.post("/alerts/{alert_id}/escalate", response_model=AlertOut)
def escalate(alert_id: int, body: EscalateIn, principal: CurrentPrincipal, request: Request) -> AlertOut:
    """Raise the priority one step (1 stays 1) and record why, e.g. handed to police."""
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    with _session(request) as s:
        a = services.escalate_alert(s, alert_id, principal.username, body.reason, include_covert=covert)
        device = services.get_device(s, a.device_id, include_covert=covert)
    _audit(request, "tracking.alert.escalate", principal, {"alert_id": alert_id, "reason": body.reason})
    return alert_out(a, device)


@router.post("/alerts/{alert_id}/close", response_model=AlertOut)
def close(alert_id: int, body: CloseIn, principal: CurrentPrincipal, request: Request) -> AlertOut:
    """Close with an outcome; holds placed for the alert stop being extended and run to their end."""
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    with _session(request) as s:
        a = services.close_alert(s, alert_id, principal.username, body.outcome, include_covert=covert)
        device = services.get_device(s, a.device_id, include_covert=covert)
    _audit(request, "tracking.alert.close", principal, {"alert_id": alert_id, "outcome": body.outcome})
    return alert_out(a, device)


@router.websocket("/alerts/ws")
async def alerts_ws(websocket: WebSocket) -> None:
    """New alerts as they are raised: ``{"type": "alert", "alert": AlertOut}``; ``{"type": "ready"}`` first.

    Signed in like the joystick socket (session cookie or bearer); covert alerts only for those who see them.
    A client that cannot connect polls ``GET /alerts`` instead.
    """
    try:
        principal = websocket_principal(websocket)
        require(principal, Action.VIEW_TRACKING)
    except AccessError as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    ctx: ApiContext = websocket.app.state.ctx
    watcher = alert_watcher(websocket.app)
    watcher.start()
    covert = sees_sensitive(principal)
    queue = watcher.subscribe()
    await websocket.accept()
    await asyncio.to_thread(
        ctx.audit.record, "tracking.alert.stream", principal, detail={}, client=client_address(websocket)
    )
    receiver = asyncio.ensure_future(_until_closed(websocket))
    try:
        await websocket.send_json({"type": "ready"})
        while not receiver.done():
            getter = asyncio.ensure_future(queue.get())
            done, _pending = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            alert, device = getter.result()
            if device.covert and not covert:
                continue
            await websocket.send_json({"type": "alert", "alert": alert_out(alert, device).model_dump()})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        watcher.unsubscribe(queue)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await receiver


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


def _alert_window(raised: datetime) -> tuple[datetime, datetime]:
    """The trail an alert is about: 30 min before it, until now (at most 2 h after it)."""
    return raised - timedelta(minutes=30), min(utcnow(), raised + timedelta(hours=2)) + timedelta(seconds=1)


@router.get("/alerts/{alert_id}/camera-passes", response_model=list[CameraPassOut])
def alert_camera_passes(alert_id: int, principal: CurrentPrincipal, request: Request) -> list[CameraPassOut]:
    require(principal, Action.VIEW_TRACKING)
    covert = sees_sensitive(principal)
    with _session(request) as s:
        a = services.get_alert(s, alert_id, include_covert=covert)
        points = _trail_points(s, a.device_id, *_alert_window(a.raised), covert)
    return _passes(request, principal, points)


@router.post("/alerts/{alert_id}/share", response_model=ShareOut, status_code=201)
def share(alert_id: int, principal: CurrentPrincipal, request: Request, body: ShareIn | None = None) -> ShareOut:
    """An expiring read-only link to the trail, camera passes and profile, for police."""
    require(principal, Action.VIEW_TRACKING)
    body = body or ShareIn()
    covert = sees_sensitive(principal)
    expires = utcnow() + timedelta(hours=body.ttl_h)
    with _session(request) as s:
        a = services.get_alert(s, alert_id, include_covert=covert)
        grant = handoff.Handoff(
            alert_id, a.device_id, a.raised - timedelta(hours=body.trail_h), expires, principal.username
        )
        token = handoff.issue(tracking_api(request).cipher, grant)
        services.add_alert_note(
            s,
            alert_id,
            principal.username,
            "shared",
            f"hand-off link until {iso(to_us(expires))}",
            include_covert=covert,
        )
    _audit(request, "tracking.alert.share", principal, {"alert_id": alert_id, "expires": iso(to_us(expires))})
    return ShareOut(
        token=token,
        url=f"#/tracking/shared/{quote(token)}",
        api_url=f"/api/v1/shared/tracking/{quote(token)}",
        expires=iso(to_us(expires)),
    )


@router.get("/shared/tracking/{token}", response_model=SharedTrailOut)
def shared_trail(token: str, principal: CurrentPrincipal, request: Request) -> SharedTrailOut:
    """What a hand-off link shows: live position, trail since the alert, camera passes, profile."""
    if not principal.is_police:
        require(principal, Action.VIEW_TRACKING)
    api = tracking_api(request)
    with _session(request) as s:
        grant = handoff.verify(api.cipher, token)
        end = utcnow() + timedelta(seconds=1)
        trail = services.positions(s, grant.device_id, grant.trail_from, end, include_covert=True)
        device = services.get_device(s, grant.device_id, include_covert=True)
        last = services.latest_positions(s, [device.id]).get(device.id)
        a = services.get_alert(s, grant.alert_id, include_covert=True)
    profile = api.profiles.get(grant.device_id) if device.profile == "person" else None
    _audit(request, "tracking.shared.view", principal, {"alert_id": grant.alert_id, "issued_by": grant.issued_by})
    points = [TrailPoint(p.fix_time, p.latitude, p.longitude) for p in trail]
    return SharedTrailOut(
        device=device_out(device, last, 0, utcnow()),
        alert=alert_out(a, device),
        trail=[position_out(p) for p in trail],
        camera_passes=_passes(request, principal, points),
        profile=profile_out(profile) if profile else None,
        expires=iso(to_us(grant.expires)),
        issued_by=grant.issued_by,
    )
