"""``/api/v1/health`` and ``/api/v1/auth/*``: the only routes reachable without signing in are health and login."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from citywatch import __version__
from citywatch.api.deps import COOKIE_NAME, CurrentPrincipal, context
from citywatch.api.schemas import Health, LoginIn, LoginOut, UserOut
from citywatch.timeutil import iso, now_us

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok", version=__version__)


@router.post("/auth/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    signed_in = context(request).auth.login(body.username, body.password, body.totp)
    max_age = max(0, (signed_in.expires_us - now_us()) // 1_000_000)
    response.set_cookie(
        COOKIE_NAME, signed_in.token, max_age=max_age, httponly=True, secure=True, samesite="strict", path="/"
    )
    p = signed_in.principal
    return LoginOut(
        token=signed_in.token,
        csrf_token=signed_in.csrf_token,
        user=UserOut(username=p.username, role=p.role, organisation=p.organisation),
        expires_at=iso(signed_in.expires_us),
    )


@router.post("/auth/logout", status_code=204)
def logout(principal: CurrentPrincipal, request: Request, response: Response) -> None:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else request.cookies.get(COOKIE_NAME, "")
    context(request).auth.logout(token)
    response.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="strict")


@router.get("/auth/me", response_model=UserOut)
def me(principal: CurrentPrincipal) -> UserOut:
    return UserOut(username=principal.username, role=principal.role, organisation=principal.organisation)
