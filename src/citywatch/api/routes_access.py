"""Organisations, sites, camera groups, users, permission rules and sharing agreements.

Administrators manage everything; an organisation's own people see only their organisation.
Every change is audited and makes signed-in sessions re-read their rights at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from citywatch.access.errors import NotFound, PermissionDenied
from citywatch.access.models import PermissionRule, SharingAgreement, User
from citywatch.access.principal import Action, Principal, require
from citywatch.access.sharing import RuleInput, ShareInput
from citywatch.access.users import UserInput
from citywatch.api.context import ApiContext
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.schemas_access import (
    GroupIn,
    GroupOut,
    IncidentIn,
    OrganisationIn,
    OrganisationOut,
    OwnerIn,
    RuleIn,
    RuleOut,
    ShareIn,
    ShareOut,
    SiteIn,
    SiteOut,
    UserAdminIn,
    UserAdminOut,
)
from citywatch.timeutil import iso, now_us

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["access"])


def _changed(ctx: ApiContext, request: Request, principal: Principal, action: str, /, **detail: object) -> None:
    ctx.audit.record(action, principal, client=client_address(request), detail=detail)
    ctx.auth.forget_cached()


def _own_org_only(principal: Principal) -> int | None:
    """None for administrators (everything); otherwise the caller's organisation."""
    return None if principal.is_admin else principal.organisation_id


# -- organisations and sites -------------------------------------------------------------------


@router.get("/organisations", response_model=list[OrganisationOut])
def organisations(principal: CurrentPrincipal, request: Request) -> list[OrganisationOut]:
    """Every organisation's name and kind (needed to read sharing agreements and audit entries)."""
    return [OrganisationOut(id=o.id, name=o.name, kind=o.kind) for o in context(request).auth.users.organisations()]


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def add_organisation(body: OrganisationIn, principal: CurrentPrincipal, request: Request) -> OrganisationOut:
    require(principal, Action.MANAGE_USERS)
    if not principal.is_admin:
        raise PermissionDenied("only administrators create organisations")
    ctx = context(request)
    org = ctx.auth.users.add_organisation(body.name, body.kind)
    _changed(ctx, request, principal, "organisation.create", organisation=org.id, name=org.name, kind=org.kind)
    return OrganisationOut(id=org.id, name=org.name, kind=org.kind)


@router.get("/organisations/{org_id}/sites", response_model=list[SiteOut])
def sites(org_id: int, principal: CurrentPrincipal, request: Request) -> list[SiteOut]:
    require(principal, Action.VIEW_CAMERAS)
    return [
        SiteOut(id=s.id, organisation_id=s.organisation_id, name=s.name, address=s.address)
        for s in context(request).directory.sites(org_id)
    ]


@router.post("/organisations/{org_id}/sites", response_model=SiteOut, status_code=201)
def add_site(org_id: int, body: SiteIn, principal: CurrentPrincipal, request: Request) -> SiteOut:
    _require_manage(principal, org_id)
    ctx = context(request)
    ctx.auth.users.organisation(org_id)
    site = ctx.directory.add_site(org_id, body.name, body.address)
    _changed(ctx, request, principal, "site.create", organisation=org_id, site=site.id, name=site.name)
    return SiteOut(id=site.id, organisation_id=org_id, name=site.name, address=site.address)


def _require_manage(principal: Principal, org_id: int) -> None:
    require(principal, Action.MANAGE_USERS)
    if not principal.is_admin and principal.organisation_id != org_id:
        raise PermissionDenied("you may manage only your own organisation")


# -- camera groups and ownership -----------------------------------------------------------------


@router.get("/groups", response_model=list[GroupOut])
def groups(principal: CurrentPrincipal, request: Request) -> list[GroupOut]:
    require(principal, Action.VIEW_CAMERAS)
    return [
        GroupOut(id=g.id, organisation_id=g.organisation_id, name=g.name, camera_ids=members)
        for g, members in context(request).directory.groups(_own_org_only(principal))
    ]


@router.post("/groups", response_model=GroupOut, status_code=201)
def add_group(body: GroupIn, principal: CurrentPrincipal, request: Request) -> GroupOut:
    _require_manage(principal, body.organisation_id)
    ctx = context(request)
    group = ctx.directory.add_group(body.organisation_id, body.name, body.camera_ids)
    _changed(ctx, request, principal, "group.create", group=group.id, cameras=body.camera_ids)
    return GroupOut(id=group.id, organisation_id=group.organisation_id, name=group.name, camera_ids=body.camera_ids)


@router.put("/groups/{group_id}/cameras", status_code=204)
def set_group_cameras(group_id: int, body: list[int], principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.MANAGE_USERS)  # before looking anything up: no probing for what exists
    ctx = context(request)
    group = next((g for g, _m in ctx.directory.groups() if g.id == group_id), None)
    if group is None:
        raise NotFound(f"camera group {group_id} does not exist")
    _require_manage(principal, group.organisation_id)
    ctx.directory.set_group_cameras(group_id, body)
    _changed(ctx, request, principal, "group.update", group=group_id, cameras=body)
    return Response(status_code=204)


@router.delete("/groups/{group_id}", status_code=204)
def delete_group(group_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.MANAGE_USERS)  # before looking anything up: no probing for what exists
    ctx = context(request)
    group = next((g for g, _m in ctx.directory.groups() if g.id == group_id), None)
    if group is None:
        raise NotFound(f"camera group {group_id} does not exist")
    _require_manage(principal, group.organisation_id)
    ctx.directory.delete_group(group_id)
    _changed(ctx, request, principal, "group.delete", group=group_id)
    return Response(status_code=204)


@router.put("/cameras/{camera_id}/owner", status_code=204)
def set_owner(camera_id: int, body: OwnerIn, principal: CurrentPrincipal, request: Request) -> Response:
    """Which organisation owns a camera (administrators only)."""
    require(principal, Action.CONFIGURE_CAMERAS, camera_id)
    ctx = context(request)
    if body.organisation_id is not None:
        ctx.auth.users.organisation(body.organisation_id)
    ctx.directory.set_camera_owner(camera_id, body.organisation_id)
    ctx.audit.forget_camera(camera_id)
    ctx.audit.record(
        "camera.owner",
        principal,
        camera_id=camera_id,
        client=client_address(request),
        detail={"organisation": body.organisation_id},
    )
    ctx.auth.forget_cached()
    return Response(status_code=204)


# -- users ---------------------------------------------------------------------------------------


def _user_out(ctx: ApiContext, u: User) -> UserAdminOut:
    locked = u.locked_until_us if u.locked_until_us and u.locked_until_us > now_us() else None
    return UserAdminOut(
        id=u.id,
        username=u.username,
        display_name=u.display_name,
        organisation_id=u.organisation_id,
        role=u.role,
        mfa_enrolled=u.totp_confirmed,
        mfa_required=ctx.auth.mfa_required(u),
        disabled=u.disabled,
        locked_until=None if locked is None else iso(locked),
        signin_hours=u.signin_hours,
        last_login=None if u.last_login_us is None else iso(u.last_login_us),
    )


@router.get("/users", response_model=list[UserAdminOut])
def users(principal: CurrentPrincipal, request: Request) -> list[UserAdminOut]:
    require(principal, Action.MANAGE_USERS)
    ctx = context(request)
    return [_user_out(ctx, u) for u in ctx.auth.users.list(_own_org_only(principal))]


def _user_input(body: UserAdminIn) -> UserInput:
    return UserInput(
        body.username,
        body.display_name,
        body.organisation_id,
        body.role,
        body.password,
        body.signin_hours,
        body.disabled,
    )


@router.post("/users", response_model=UserAdminOut, status_code=201)
def add_user(body: UserAdminIn, principal: CurrentPrincipal, request: Request) -> UserAdminOut:
    _require_manage(principal, body.organisation_id)
    if body.role == "admin" and not principal.is_admin:
        raise PermissionDenied("only administrators create administrators")
    ctx = context(request)
    user = ctx.auth.users.add(_user_input(body))
    _changed(
        ctx, request, principal, "user.create", user=user.username, role=user.role, organisation=body.organisation_id
    )
    return _user_out(ctx, user)


@router.put("/users/{user_id}", response_model=UserAdminOut)
def update_user(user_id: int, body: UserAdminIn, principal: CurrentPrincipal, request: Request) -> UserAdminOut:
    require(principal, Action.MANAGE_USERS)
    ctx = context(request)
    existing = ctx.auth.users.get(user_id)
    _require_manage(principal, existing.organisation_id)
    _require_manage(principal, body.organisation_id)
    if (body.role == "admin" or existing.role == "admin") and not principal.is_admin:
        raise PermissionDenied("only administrators change administrators")
    user = ctx.auth.users.update(user_id, _user_input(body))
    _changed(
        ctx,
        request,
        principal,
        "user.update",
        user=user.username,
        role=user.role,
        disabled=user.disabled,
        password_changed=body.password is not None,
    )
    return _user_out(ctx, user)


@router.post("/users/{user_id}/unlock", status_code=204)
def unlock_user(user_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.MANAGE_USERS)
    ctx = context(request)
    _require_manage(principal, ctx.auth.users.get(user_id).organisation_id)
    ctx.auth.users.unlock(user_id)
    _changed(ctx, request, principal, "user.unlock", user=user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/mfa/reset", status_code=204)
def reset_mfa(user_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.MANAGE_USERS)
    """Forget the user's authenticator; they enrol a new one at their next sign-in."""
    ctx = context(request)
    _require_manage(principal, ctx.auth.users.get(user_id).organisation_id)
    ctx.auth.users.reset_totp(user_id)
    _changed(ctx, request, principal, "user.mfa_reset", user=user_id)
    return Response(status_code=204)


# -- permission rules ------------------------------------------------------------------------------


def _rule_out(r: PermissionRule) -> RuleOut:
    return RuleOut(
        id=r.id,
        action=r.action,
        effect=r.effect,
        target_kind=r.target_kind,
        target_id=r.target_id,
        role=r.role,
        organisation_id=r.organisation_id,
        user_id=r.user_id,
        playback_days=r.playback_days,
        hours=r.hours,
        created=iso(r.created_us),
        created_by=r.created_by,
    )


@router.get("/permissions", response_model=list[RuleOut])
def rules(principal: CurrentPrincipal, request: Request) -> list[RuleOut]:
    require(principal, Action.MANAGE_USERS)
    if not principal.is_admin:
        raise PermissionDenied("only administrators read and change permission rules")
    return [_rule_out(r) for r in context(request).directory.rules()]


@router.post("/permissions", response_model=RuleOut, status_code=201)
def add_rule(body: RuleIn, principal: CurrentPrincipal, request: Request) -> RuleOut:
    if not principal.is_admin:
        raise PermissionDenied("only administrators read and change permission rules")
    ctx = context(request)
    rule = ctx.directory.add_rule(RuleInput(**body.model_dump()), principal.username)
    _changed(ctx, request, principal, "permission.create", rule=_rule_out(rule).model_dump())
    return _rule_out(rule)


@router.delete("/permissions/{rule_id}", status_code=204)
def delete_rule(rule_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    if not principal.is_admin:
        raise PermissionDenied("only administrators read and change permission rules")
    ctx = context(request)
    rule = ctx.directory.delete_rule(rule_id)
    _changed(ctx, request, principal, "permission.delete", rule=_rule_out(rule).model_dump())
    return Response(status_code=204)


# -- sharing agreements ----------------------------------------------------------------------------


def _share_out(ctx: ApiContext, a: SharingAgreement) -> ShareOut:
    return ShareOut(
        id=a.id,
        owner_id=a.owner_id,
        recipient_id=a.recipient_id,
        rights=list(a.rights),
        condition=a.condition,
        start=iso(a.starts_us),
        expires=None if a.expires_us is None else iso(a.expires_us),
        incident_until=None if a.incident_until_us is None else iso(a.incident_until_us),
        dsa_reference=a.dsa_reference,
        camera_ids=a.camera_ids,
        group_ids=a.group_ids,
        created_by=a.created_by,
        revoked=None if a.revoked_us is None else iso(a.revoked_us),
        in_force=ctx.auth.permissions.agreement_in_force(a, now_us()),
    )


@router.get("/sharing", response_model=list[ShareOut])
def shares(principal: CurrentPrincipal, request: Request) -> list[ShareOut]:
    """Agreements the caller's organisation gives or receives (all of them for administrators)."""
    require(principal, Action.VIEW_CAMERAS)
    ctx = context(request)
    return [_share_out(ctx, a) for a in ctx.sharing.list(_own_org_only(principal))]


@router.post("/sharing", response_model=ShareOut, status_code=201)
def add_share(body: ShareIn, principal: CurrentPrincipal, request: Request) -> ShareOut:
    ctx = context(request)
    for org in (body.owner_id, body.recipient_id):
        ctx.auth.users.organisation(org)
    data = ShareInput(
        owner_id=body.owner_id,
        recipient_id=body.recipient_id,
        rights=body.rights,
        condition=body.condition,
        starts_us=now_us() if body.start is None else parse_time(body.start, "start"),
        expires_us=None if body.expires is None else parse_time(body.expires, "expires"),
        dsa_reference=body.dsa_reference,
        camera_ids=body.camera_ids,
        group_ids=body.group_ids,
    )
    agreement = ctx.sharing.create(principal, data)
    out = _share_out(ctx, agreement)
    _changed(ctx, request, principal, "sharing.create", agreement=out.model_dump())
    return out


@router.post("/sharing/{agreement_id}/revoke", response_model=ShareOut)
def revoke_share(agreement_id: int, principal: CurrentPrincipal, request: Request) -> ShareOut:
    ctx = context(request)
    out = _share_out(ctx, ctx.sharing.revoke(principal, agreement_id))
    _changed(ctx, request, principal, "sharing.revoke", agreement=agreement_id)
    return out


@router.post("/sharing/{agreement_id}/incident", response_model=ShareOut)
def declare_incident(agreement_id: int, body: IncidentIn, principal: CurrentPrincipal, request: Request) -> ShareOut:
    """Open an incident-conditional agreement for some minutes (0 closes it)."""
    ctx = context(request)
    out = _share_out(ctx, ctx.sharing.declare_incident(principal, agreement_id, body.minutes))
    _changed(ctx, request, principal, "sharing.incident", agreement=agreement_id, minutes=body.minutes)
    return out
