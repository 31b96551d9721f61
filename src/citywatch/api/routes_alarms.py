"""``/api/v1/alarms`` and ``/api/v1/holds``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from citywatch.access.principal import Action, require
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.schemas import AlarmOut, HoldIn, HoldOut, HoldRelease
from citywatch.store.models import Hold
from citywatch.timeutil import iso
from citywatch.video.holds import HoldInput

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["alarms", "holds"])


@router.get("/alarms", response_model=list[AlarmOut])
def alarms(principal: CurrentPrincipal, request: Request, open: bool = True) -> list[AlarmOut]:
    """Open alarms (``open=true``, the default) or the 500 newest of all."""
    require(principal, Action.VIEW_ALARMS)
    grants = principal.grants
    return [
        AlarmOut(
            id=a.id,
            kind=a.kind,
            camera_id=a.camera_id,
            raised=iso(a.raised_us),
            cleared=None if a.cleared_us is None else iso(a.cleared_us),
            message=a.message,
        )
        for a in context(request).status.alarms(open_only=open)
        if a.camera_id is None or principal.is_admin or grants.visible(a.camera_id)
    ]


def _hold_out(h: Hold) -> HoldOut:
    return HoldOut(
        id=h.id,
        camera_id=h.camera_id,
        start=iso(h.start_us),
        end=iso(h.end_us),
        reason=h.reason,
        reference=h.reference,
        created_by=h.created_by,
        created=iso(h.created_us),
        released=None if h.released_us is None else iso(h.released_us),
        released_by=h.released_by,
        release_reason=h.release_reason,
    )


@router.post("/holds", response_model=HoldOut, status_code=201)
def place_hold(body: HoldIn, principal: CurrentPrincipal, request: Request) -> HoldOut:
    require(principal, Action.HOLD, body.camera_id)
    data = HoldInput(
        body.camera_id, parse_time(body.start, "start"), parse_time(body.end, "end"), body.reason, body.reference
    )
    ctx = context(request)
    hold = ctx.holds.place(data, by=principal.username)
    ctx.audit.record(
        "hold.place",
        principal,
        camera_id=hold.camera_id,
        start_us=hold.start_us,
        end_us=hold.end_us,
        client=client_address(request),
        detail={"hold": hold.id, "reason": hold.reason, "reference": hold.reference},
    )
    return _hold_out(hold)


@router.get("/holds", response_model=list[HoldOut])
def list_holds(principal: CurrentPrincipal, request: Request) -> list[HoldOut]:
    """Holds on the cameras the caller may place holds on."""
    require(principal, Action.HOLD)
    return [_hold_out(h) for h in context(request).holds.list() if principal.grants.allows(Action.HOLD, h.camera_id)]


@router.post("/holds/{hold_id}/release", response_model=HoldOut)
def release_hold(hold_id: int, body: HoldRelease, principal: CurrentPrincipal, request: Request) -> HoldOut:
    ctx = context(request)
    existing = next((h for h in ctx.holds.list() if h.id == hold_id), None)
    require(principal, Action.HOLD_RELEASE, None if existing is None else existing.camera_id)
    hold = ctx.holds.release(hold_id, by=principal.username, reason=body.reason)
    ctx.audit.record(
        "hold.release",
        principal,
        camera_id=hold.camera_id,
        start_us=hold.start_us,
        end_us=hold.end_us,
        client=client_address(request),
        detail={"hold": hold.id, "reason": body.reason},
    )
    return _hold_out(hold)
