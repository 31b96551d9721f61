"""Request dependencies: the signed-in principal (bearer token or session cookie + CSRF), times, client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket

from citywatch.access.errors import AuthenticationRequired
from citywatch.access.principal import Principal
from citywatch.api.context import ApiContext
from citywatch.timeutil import parse_iso
from citywatch.video.playback_errors import BadTimeRange

__all__ = [
    "COOKIE_NAME",
    "CurrentPrincipal",
    "PendingPrincipal",
    "client_address",
    "context",
    "current_principal",
    "parse_time",
    "request_token",
    "websocket_principal",
]

COOKIE_NAME = "cw_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


def client_address(request: Request | WebSocket) -> str:
    return request.client.host if request.client is not None else "unknown"


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def request_token(request: Request) -> str | None:
    return _bearer(request.headers.get("authorization")) or request.cookies.get(COOKIE_NAME)


def _principal(request: Request, *, allow_pending: bool) -> Principal:
    ctx = context(request)
    token = _bearer(request.headers.get("authorization"))
    if token is not None:
        principal, _csrf = ctx.auth.authenticate(token, allow_pending=allow_pending)
        return principal
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie is None:
        raise AuthenticationRequired("sign in first (POST /api/v1/auth/login), then send the token or cookie")
    principal, csrf = ctx.auth.authenticate(cookie, allow_pending=allow_pending)
    if request.method not in _SAFE_METHODS and request.headers.get("x-csrf-token") != csrf:
        raise AuthenticationRequired("missing or wrong X-CSRF-Token header; send the csrf_token given at sign-in")
    return principal


def current_principal(request: Request) -> Principal:
    return _principal(request, allow_pending=False)


def pending_principal(request: Request) -> Principal:
    """Also accepts a session that has still to enrol its authenticator (MFA set-up routes only)."""
    return _principal(request, allow_pending=True)


def websocket_principal(websocket: WebSocket) -> Principal:
    """WebSockets: bearer header (non-browser clients) or the session cookie (browsers, same origin)."""
    ctx: ApiContext = websocket.app.state.ctx
    token = _bearer(websocket.headers.get("authorization")) or websocket.cookies.get(COOKIE_NAME)
    if token is None:
        raise AuthenticationRequired("sign in first; the live WebSocket needs the session cookie or a bearer token")
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    if origin is not None and host is not None and origin.split("://", 1)[-1] != host:
        raise AuthenticationRequired(f"WebSocket from another site ({origin}) refused")
    principal, _csrf = ctx.auth.authenticate(token)
    return principal


def parse_time(value: str, name: str) -> int:
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise BadTimeRange(f"{name}: {exc}") from exc


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
PendingPrincipal = Annotated[Principal, Depends(pending_principal)]
