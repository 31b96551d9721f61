"""The FastAPI application: ``create_app(services, …)`` wires routers, error handling and the web app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from citywatch import __version__
from citywatch.access.audit import AuditLog
from citywatch.access.models import SharingAgreement
from citywatch.access.permissions import PermissionService
from citywatch.access.sessions import AdminCredentials, AuthService, ensure_admin
from citywatch.access.sharing import Directory, SharingService
from citywatch.access.users import UserService
from citywatch.api import (
    routes_access,
    routes_alarms,
    routes_audit,
    routes_auth,
    routes_bookmarks,
    routes_cameras,
    routes_crime,
    routes_events,
    routes_evidence,
    routes_layouts,
    routes_live,
    routes_media,
    routes_metrics,
    routes_partners,
    routes_ptz,
    routes_tracking,
)
from citywatch.api.context import ApiContext
from citywatch.api.docs_page import install_docs
from citywatch.api.errors import install_error_handlers
from citywatch.api.security import SecurityHeaders
from citywatch.api.spa import default_web_dist, mount_spa
from citywatch.api.tracking_live import start_alert_response
from citywatch.fleet.live_relay import LeaseLocator
from citywatch.video.holds import HoldService
from citywatch.video.live import LiveHub
from citywatch.video.media_access import FootageUnavailable, MediaAccess, set_default_access
from citywatch.video.playback import PlaybackService
from citywatch.video.status import StatusService
from citywatch.wiring import Services

__all__ = ["Background", "create_app"]

log = logging.getLogger(__name__)


class Background(Protocol):
    """Something that runs alongside the API, e.g. the recorder supervisor in single-node mode."""

    def start(self) -> None: ...

    def stop(self, timeout_s: float = ...) -> None: ...


def create_app(
    services: Services,
    *,
    admin: AdminCredentials | None = None,
    hub: LiveHub | None = None,
    background: Sequence[Background] = (),
) -> FastAPI:
    settings = services.settings
    admin = admin or AdminCredentials(settings.admin_password)
    audit = AuditLog(services.sessions)

    def share_expired(agreement: SharingAgreement) -> None:
        audit.record(
            "sharing.expired",
            None,
            username="system",
            detail={"agreement": agreement.id, "owner": agreement.owner_id, "recipient": agreement.recipient_id},
        )

    users = UserService(services.sessions, services.secrets)
    permissions = PermissionService(services.sessions, share_expired)
    media = MediaAccess(services.engine, settings)  # footage on this disk, or on the recorder node that holds it
    set_default_access(media)
    run_dir = settings.data_dir / "run"
    ensure_admin(users, admin, operator_name=settings.operator_organisation, mfa_exempt=settings.admin_mfa_exempt)
    ctx = ApiContext(
        services=services,
        auth=AuthService(
            services.sessions,
            users,
            permissions,
            audit,
            idle_s=settings.session_idle_s,
            absolute_s=settings.session_absolute_s,
            mfa_roles=frozenset(settings.mfa_roles),
        ),
        audit=audit,
        sharing=SharingService(services.sessions),
        directory=Directory(services.sessions),
        playback=PlaybackService(services.engine, media),
        holds=HoldService(services.sessions),
        status=StatusService(services.sessions),
        hub=hub or LiveHub(run_dir, locate=LeaseLocator(services.engine, media, run_dir)),
    )

    async def sweep_shares() -> None:
        while True:
            try:
                if await asyncio.to_thread(permissions.sweep_expired):
                    ctx.auth.forget_cached()
            except Exception:
                log.exception("sharing-agreement expiry sweep failed; retrying in a minute")
            await asyncio.sleep(60)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for item in background:
            await asyncio.to_thread(item.start)
        sweeper = asyncio.create_task(sweep_shares())
        alert_response = start_alert_response(app)
        fleet_events = routes_events.event_listener(app)  # status/alarm changes from recorder nodes
        fleet_events.start()
        try:
            yield
        finally:
            sweeper.cancel()
            alert_response.cancel()
            await fleet_events.stop()
            await routes_ptz.close(app)
            await ctx.hub.close()
            for item in reversed(background):
                await asyncio.to_thread(item.stop)
            media.close()

    app = FastAPI(
        title="citywatch",
        version=__version__,
        docs_url=None,
        openapi_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)

    async def footage_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})

    app.add_exception_handler(FootageUnavailable, footage_unavailable)  # a node down: not missing, not a fault
    install_docs(app)
    app.add_middleware(SecurityHeaders)
    routers = (routes_auth, routes_access, routes_audit, routes_cameras, routes_media, routes_live, routes_alarms)
    app.include_router(routes_bookmarks.router)
    app.include_router(routes_events.router)
    more = (routes_ptz, routes_evidence, routes_tracking, routes_crime, routes_layouts, routes_partners, routes_metrics)
    for module in (*routers, *more):
        app.include_router(module.router)
    dist = settings.web_dist or default_web_dist()
    if mount_spa(app, dist):
        log.info("serving the web app from %s", dist)
    return app
