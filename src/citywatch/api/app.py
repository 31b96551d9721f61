"""The FastAPI application: ``create_app(services, …)`` wires routers, error handling and the web app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from citywatch import __version__
from citywatch.access.sessions import AdminCredentials, AuthService
from citywatch.api import routes_alarms, routes_auth, routes_cameras, routes_live, routes_media
from citywatch.api.context import ApiContext
from citywatch.api.errors import install_error_handlers
from citywatch.api.spa import default_web_dist, mount_spa
from citywatch.video.holds import HoldService
from citywatch.video.live import LiveHub
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
    ctx = ApiContext(
        services=services,
        auth=AuthService(
            services.sessions, admin, idle_s=settings.session_idle_s, absolute_s=settings.session_absolute_s
        ),
        playback=PlaybackService(services.engine),
        holds=HoldService(services.sessions),
        status=StatusService(services.sessions),
        hub=hub or LiveHub(settings.data_dir / "run"),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for item in background:
            await asyncio.to_thread(item.start)
        try:
            yield
        finally:
            await ctx.hub.close()
            for item in reversed(background):
                await asyncio.to_thread(item.stop)

    app = FastAPI(
        title="citywatch",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    for module in (routes_auth, routes_cameras, routes_media, routes_live, routes_alarms):
        app.include_router(module.router)
    dist = settings.web_dist or default_web_dist()
    if mount_spa(app, dist):
        log.info("serving the web app from %s", dist)
    return app
