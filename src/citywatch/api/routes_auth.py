"""``/api/v1/health`` and ``/api/v1/auth/*``: the only routes reachable without signing in are health and login."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from citywatch import __version__
from citywatch.access.errors import AuthenticationRequired, NotFound
from citywatch.access.oidc import OidcClient
from citywatch.access.principal import Action, Principal, require
from citywatch.api.deps import (
    COOKIE_NAME,
    CurrentPrincipal,
    PendingPrincipal,
    client_address,
    context,
    request_token,
)
from citywatch.api.schemas import Health, LoginIn, LoginOut, UserOut
from citywatch.api.schemas_access import ApiTokenIn, ApiTokenOut, JustificationIn, MfaConfirmIn, MfaSetupOut
from citywatch.fleet.node_health import node_health
from citywatch.timeutil import iso, now_us

__all__ = ["router", "user_out"]

router = APIRouter(prefix="/api/v1", tags=["auth"])


def user_out(p: Principal, *, pending: bool = False) -> UserOut:
    general = sorted(p.grants.general) if not p.grants.everything else sorted(str(a) for a in Action)
    return UserOut(
        username=p.username,
        role=p.role,
        organisation=p.organisation,
        display_name=p.display_name,
        organisation_id=p.organisation_id,
        mfa_enrolment_required=pending,
        rights=general,
    )


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Public: "degraded" while a recorder node's heartbeat is overdue (how many only; names in /metrics)."""
    services = context(request).services
    settings = services.settings
    oidc = settings.oidc.label if settings.oidc.enabled else None
    nodes = node_health(services.sessions, now_us=now_us(), stale_after_s=settings.fleet.lease_s)
    stale = sum(n.stale for n in nodes)
    return Health(
        status="degraded" if stale else "ok",
        version=__version__,
        signin_notice=settings.signin_notice,
        oidc_label=oidc,
        stale_nodes=stale,
    )


@router.post("/auth/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Password, then the authenticator code where the role needs MFA (401 with code ``totp_required``).

    A role that needs MFA but has none enrolled gets a session that can only enrol
    (``user.mfa_enrolment_required``): POST /auth/mfa/setup, then /auth/mfa/confirm.
    """
    signed_in = context(request).auth.login(body.username, body.password, body.totp, client_address(request))
    max_age = max(0, (signed_in.expires_us - now_us()) // 1_000_000)
    response.set_cookie(
        COOKIE_NAME, signed_in.token, max_age=max_age, httponly=True, secure=True, samesite="strict", path="/"
    )
    return LoginOut(
        token=signed_in.token,
        csrf_token=signed_in.csrf_token,
        user=user_out(signed_in.principal, pending=signed_in.mfa_enrolment_required),
        expires_at=iso(signed_in.expires_us),
    )


@router.post("/auth/logout", status_code=204)
def logout(principal: PendingPrincipal, request: Request, response: Response) -> None:
    ctx = context(request)
    ctx.auth.logout(request_token(request) or "")
    ctx.audit.record("auth.logout", principal, client=client_address(request))
    response.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="strict")


@router.get("/auth/me", response_model=UserOut)
def me(principal: PendingPrincipal, request: Request) -> UserOut:
    """The signed-in user; for a cookie session also its CSRF token (after an identity-provider sign-in)."""
    auth = context(request).auth
    token = request_token(request) or ""
    out = user_out(principal, pending=auth.is_pending(token))
    if request.cookies.get(COOKIE_NAME) == token:
        out.csrf_token = auth.csrf_of(token)
    return out


_FLOW_COOKIE = "cw_oidc"
_OIDC_PATH = "/api/v1/auth/oidc"


def _oidc(request: Request) -> OidcClient:
    ctx = context(request)
    settings = ctx.services.settings.oidc
    if not settings.enabled:
        raise NotFound("sign-in through an identity provider is not configured here")
    client: OidcClient | None = getattr(request.app.state, "oidc", None)
    if client is None:
        client = OidcClient(settings, ctx.auth.users, ctx.services.secrets)
        request.app.state.oidc = client
    return client


@router.get("/auth/oidc/login", status_code=302, response_class=RedirectResponse)
def oidc_login(request: Request) -> RedirectResponse:
    """Start signing in at the configured identity provider (part of signing in: no session needed)."""
    callback = str(request.url_for("oidc_callback"))
    started = _oidc(request).start(callback)
    response = RedirectResponse(started.redirect_url, status_code=302)
    # Lax, not Strict: the provider's redirect back is a top-level cross-site navigation.
    response.set_cookie(
        _FLOW_COOKIE, started.flow_cookie, max_age=600, httponly=True, secure=True, samesite="lax", path=_OIDC_PATH
    )
    return response


@router.get("/auth/oidc/callback", status_code=302, response_class=RedirectResponse, name="oidc_callback")
def oidc_callback(request: Request, code: str = "", state: str = "", error: str = "") -> RedirectResponse:
    """The identity provider's answer: exchange the code, check the ID token, open a session."""
    if error:
        raise AuthenticationRequired(f"the identity provider refused the sign-in: {error[:200]}")
    ctx = context(request)
    client = _oidc(request)
    user, claims = client.finish(code, state, request.cookies.get(_FLOW_COOKIE))
    signed_in = ctx.auth.login_federated(
        user, second_factor=client.second_factor_used(claims), client=client_address(request), via="oidc"
    )
    response = RedirectResponse("/", status_code=302)
    max_age = max(0, (signed_in.expires_us - now_us()) // 1_000_000)
    response.set_cookie(
        COOKIE_NAME, signed_in.token, max_age=max_age, httponly=True, secure=True, samesite="strict", path="/"
    )
    response.delete_cookie(_FLOW_COOKIE, path=_OIDC_PATH, secure=True, httponly=True, samesite="lax")
    return response


@router.post("/auth/mfa/setup", response_model=MfaSetupOut)
def mfa_setup(principal: PendingPrincipal, request: Request) -> MfaSetupOut:
    """A new TOTP secret for the signed-in user; confirmed by the first good code."""
    ctx = context(request)
    assert principal.user_id is not None
    enrolment = ctx.auth.users.begin_totp(principal.user_id)
    ctx.audit.record("auth.mfa_setup", principal, client=client_address(request))
    return MfaSetupOut(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@router.post("/auth/mfa/confirm", status_code=204)
def mfa_confirm(body: MfaConfirmIn, principal: PendingPrincipal, request: Request) -> None:
    ctx = context(request)
    ctx.auth.confirm_totp(request_token(request) or "", principal, body.code)
    ctx.audit.record("auth.mfa_enrolled", principal, client=client_address(request))


@router.get("/auth/tokens", response_model=list[ApiTokenOut])
def list_tokens(principal: CurrentPrincipal, request: Request) -> list[ApiTokenOut]:
    if principal.user_id is None:
        return []
    return [
        ApiTokenOut(
            id=t.id,
            name=t.name,
            created=iso(t.created_us),
            expires=None if t.expires_us is None else iso(t.expires_us),
            revoked=None if t.revoked_us is None else iso(t.revoked_us),
            last_used=None if t.last_used_us is None else iso(t.last_used_us),
        )
        for t in context(request).auth.api_tokens(principal.user_id)
    ]


@router.post("/auth/tokens", response_model=ApiTokenOut, status_code=201)
def create_token(body: ApiTokenIn, principal: CurrentPrincipal, request: Request) -> ApiTokenOut:
    """An API token for an integration, acting as the caller with the caller's rights; shown once."""
    ctx = context(request)
    token_id, token = ctx.auth.create_api_token(principal, body.name, body.expires_days)
    ctx.audit.record("auth.token_created", principal, client=client_address(request), detail={"token_id": token_id})
    row = next(t for t in ctx.auth.api_tokens(principal.user_id or 0) if t.id == token_id)
    return ApiTokenOut(
        id=row.id,
        name=row.name,
        created=iso(row.created_us),
        expires=None if row.expires_us is None else iso(row.expires_us),
        revoked=None,
        last_used=None,
        token=token,
    )


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    ctx = context(request)
    owner = None if principal.grants.allows(Action.MANAGE_USERS) or principal.is_admin else principal.user_id
    ctx.auth.revoke_api_token(owner, token_id)
    ctx.audit.record("auth.token_revoked", principal, client=client_address(request), detail={"token_id": token_id})
    return Response(status_code=204)


@router.post("/justifications", status_code=204)
def justify(body: JustificationIn, principal: CurrentPrincipal, request: Request) -> None:
    """State why (and under which CAD or crime reference) footage is being viewed in this session.

    Police users must do this before playback or export; it is attached to every following audit
    entry of this session (for the camera given, or for every camera).
    """
    ctx = context(request)
    require(principal, Action.PLAYBACK, body.camera_id)  # with no camera: playback of some camera
    ctx.auth.justify(principal, body.camera_id, body.reason, body.reference)
    ctx.audit.record(
        "justification",
        principal,
        camera_id=body.camera_id,
        client=client_address(request),
        justification=f"{body.reason.strip()} [{body.reference.strip()}]",
    )
