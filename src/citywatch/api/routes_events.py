"""``/api/v1/events``: camera status changes, alarms and motion pushed to the web app as they commit.

WebSocket, server → client only, JSON text messages: ``{"type": "ready"}`` once listening, then
``{"type": "camera.status" | "alarm.raised" | "alarm.cleared" | "motion.started" | "motion.ended",
"camera_id", "at_us", "node", "state", "error", "alarm", "message"}``. A client gets the events of the
cameras it may see (status and motion: camera details; alarms: also the alarms right); rights are
re-checked every few seconds and the socket is closed with 1008 when they end. Events are hints: a
client keeps polling ``/cameras`` (whose status also says ``motion_since``) and ``/alarms`` (less
often) for what a dropped connection missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect

from citywatch.access.errors import AccessError
from citywatch.access.principal import Action, Principal, require
from citywatch.api.context import ApiContext
from citywatch.api.deps import websocket_principal
from citywatch.fleet.events import EventListener, FleetEvent

__all__ = ["event_listener", "router", "visible_to"]

router = APIRouter(prefix="/api/v1", tags=["events"])

_RECHECK_S = 5.0


def event_listener(app: FastAPI) -> EventListener:
    """The app's one listener (started by the lifespan; made on first use in tests without one)."""
    listener: EventListener | None = getattr(app.state, "fleet_events", None)
    if listener is None:
        ctx: ApiContext = app.state.ctx
        listener = EventListener(ctx.services.engine)
        app.state.fleet_events = listener
    return listener


def visible_to(principal: Principal, event: FleetEvent) -> bool:
    """The same rule as ``GET /cameras`` (status) and ``GET /alarms`` (alarms)."""
    if principal.is_admin:
        return True
    if event.kind.startswith("alarm.") and not principal.grants.allows(Action.VIEW_ALARMS):
        return False
    if event.camera_id is None:
        return event.kind.startswith("alarm.")
    return principal.grants.allows(Action.VIEW_CAMERAS) and principal.grants.visible(event.camera_id)


async def _until_closed(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


@router.websocket("/events")
async def events_ws(websocket: WebSocket) -> None:
    try:
        principal = websocket_principal(websocket)
        require(principal, Action.VIEW_CAMERAS)
    except AccessError as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    listener = event_listener(websocket.app)
    queue = listener.subscribe()
    await websocket.accept()
    receiver = asyncio.ensure_future(_until_closed(websocket))
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.listening.wait(), 10.0)
        await websocket.send_json({"type": "ready"})
        checked = time.monotonic()
        while not receiver.done():
            getter = asyncio.ensure_future(queue.get())
            wait_s = max(0.0, _RECHECK_S - (time.monotonic() - checked))
            done, _pending = await asyncio.wait({getter, receiver}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
            if receiver in done:
                break
            if time.monotonic() - checked >= _RECHECK_S:
                # Rights can end while connected (a sharing agreement expires, a user is disabled).
                checked = time.monotonic()
                try:
                    principal = await asyncio.to_thread(websocket_principal, websocket)
                    require(principal, Action.VIEW_CAMERAS)
                except AccessError as exc:
                    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                        await websocket.close(code=1008, reason=f"no longer allowed: {exc}"[:120])
                    break
            if getter in done:
                event = getter.result()
                if visible_to(principal, event):
                    await websocket.send_json(event.to_client())
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        listener.unsubscribe(queue)
        receiver.cancel()
