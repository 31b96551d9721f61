"""Wiring of live alerts in the API process: the alert watcher and the automatic sting response.

``start_alert_response(app)`` is called once from the app's lifespan; the live-alert WebSocket subscribes to the
same watcher (``alert_watcher``), so one query a second serves every connected control-room screen.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from citywatch.api.context import ApiContext
from citywatch.ptz.repository import PtzRepository
from citywatch.ptz.service import PtzService
from citywatch.tracking.response import AlertResponder
from citywatch.tracking.watcher import AlertWatcher

__all__ = ["HOLD_EXTEND_EVERY_S", "alert_watcher", "start_alert_response"]

HOLD_EXTEND_EVERY_S = 30.0


def alert_watcher(app: FastAPI) -> AlertWatcher:
    watcher: AlertWatcher | None = getattr(app.state, "alert_watcher", None)
    if watcher is None:
        ctx: ApiContext = app.state.ctx
        watcher = AlertWatcher(ctx.services.sessions)
        app.state.alert_watcher = watcher
    return watcher


def _ptz(app: FastAPI) -> PtzService:
    """The app's PTZ service (the same one the PTZ routes use, so arbitration sees the call-up's lease)."""
    service: PtzService | None = getattr(app.state, "ptz", None)
    if service is None:
        ctx: ApiContext = app.state.ctx
        s = ctx.services
        service = PtzService(s.cameras, PtzRepository(s.sessions), ctx.audit.record, decrypt=s.secrets.decrypt)
        app.state.ptz = service
    return service


def start_alert_response(app: FastAPI) -> asyncio.Task[None]:
    """Start watching for new alerts; sting alerts swing cameras and hold footage. Cancel the task to stop."""
    ctx: ApiContext = app.state.ctx
    watcher = alert_watcher(app)
    responder = AlertResponder(
        ctx.services.cameras.list,
        _ptz(app),
        ctx.services.sessions,
        ctx.audit.record,
        organisation=ctx.services.settings.operator_organisation,
    )
    app.state.alert_responder = responder
    watcher.add_handler(responder.respond)
    watcher.add_ticker(responder.extend_holds, HOLD_EXTEND_EVERY_S)
    return watcher.start()
