"""Live view: fMP4 over a WebSocket for Media Source Extensions, and HLS as the fallback.

WebSocket protocol (``/api/v1/cameras/{id}/live``), server → client only:
  text   ``{"type": "init", "mime": "video/mp4; codecs=\\"avc1.…\\"", "run_id": "…"}`` announces that
         the next binary message is an init segment (first, and again whenever the run changes:
         recreate or reset the SourceBuffer);
  binary the init segment, then one message per part of a GOP (``prft`` + ``moof`` + ``mdat``,
         about 200 ms; the first part of a GOP starts with its keyframe).
A viewer that cannot keep up skips to the next keyframe. Close codes: 1008 not signed in / not
allowed (also when the viewer's rights end while watching), 1013 camera not live (try again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect

from citywatch.access.errors import AccessError
from citywatch.access.principal import Action, Principal, require
from citywatch.api.context import ApiContext
from citywatch.api.deps import CurrentPrincipal, client_address, context, websocket_principal
from citywatch.api.routes_media import HLS_TYPE
from citywatch.api.schemas_access import ViewerOut
from citywatch.timeutil import iso, now_us
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.playback_errors import LiveUnavailable

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["live"])

_HLS_AUDIT_EVERY_S = 300.0  # an HLS viewer polls every second or two: one audit entry per 5 minutes
_RECHECK_S = 5.0  # a live viewer's rights are re-checked this often


@dataclass(frozen=True, slots=True)
class _Watcher:
    username: str
    organisation: str
    since_us: int


class LiveViewers:
    """Who is watching which camera live now: the "viewed by" indicator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_camera: dict[int, dict[int, _Watcher]] = {}
        self._hls_seen: dict[tuple[str, int], float] = {}

    def add(self, camera_id: int, key: int, principal: Principal) -> None:
        with self._lock:
            watcher = _Watcher(principal.display_name or principal.username, principal.organisation, now_us())
            self._by_camera.setdefault(camera_id, {})[key] = watcher

    def remove(self, camera_id: int, key: int) -> None:
        with self._lock:
            self._by_camera.get(camera_id, {}).pop(key, None)

    def of(self, camera_id: int) -> list[_Watcher]:
        with self._lock:
            return sorted(self._by_camera.get(camera_id, {}).values(), key=lambda w: w.since_us)

    def hls_due(self, session: str, camera_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._hls_seen) > 50_000:
                self._hls_seen.clear()
            last = self._hls_seen.get((session, camera_id))
            if last is not None and now - last < _HLS_AUDIT_EVERY_S:
                return False
            self._hls_seen[(session, camera_id)] = now
            return True


def viewers_of(app_state: object) -> LiveViewers:
    found = getattr(app_state, "live_viewers", None)
    if found is None:
        found = LiveViewers()
        setattr(app_state, "live_viewers", found)  # noqa: B010 (app.state is a plain namespace)
    assert isinstance(found, LiveViewers)
    return found


@router.get("/cameras/{camera_id}/viewers", response_model=list[ViewerOut])
def viewers(camera_id: int, principal: CurrentPrincipal, request: Request) -> list[ViewerOut]:
    """Who is watching this camera live now (the "viewed by" indicator)."""
    require(principal, Action.LIVE, camera_id)
    return [
        ViewerOut(username=w.username, organisation=w.organisation, since=iso(w.since_us))
        for w in viewers_of(request.app.state).of(camera_id)
    ]


@router.get("/cameras/{camera_id}/live.m3u8")
def live_hls(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    """Sliding-window HLS over the newest GOPs of the file being written (seconds behind the WebSocket)."""
    require(principal, Action.LIVE, camera_id)
    ctx = context(request)
    ctx.services.cameras.get(camera_id)
    if viewers_of(request.app.state).hls_due(principal.session_id or principal.username, camera_id):
        ctx.audit.record("live.hls", principal, camera_id=camera_id, client=client_address(request))
    return Response(ctx.playback.live_playlist(camera_id), media_type=HLS_TYPE, headers={"Cache-Control": "no-store"})


def _mime(init: bytes) -> str:
    return f'video/mp4; codecs="{read_layout(init).params.codec_string}"'


@router.websocket("/cameras/{camera_id}/live")
async def live_ws(websocket: WebSocket, camera_id: int) -> None:
    ctx: ApiContext = websocket.app.state.ctx
    try:
        principal = websocket_principal(websocket)
        require(principal, Action.LIVE, camera_id)
    except AccessError as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    await websocket.accept()
    watching = viewers_of(websocket.app.state)
    key = id(websocket)
    client = client_address(websocket)
    started = now_us()
    await asyncio.to_thread(ctx.audit.record, "live.start", principal, camera_id=camera_id, client=client)
    watching.add(camera_id, key, principal)

    def still_allowed() -> None:
        require(websocket_principal(websocket), Action.LIVE, camera_id)

    checked = time.monotonic()
    try:
        async with ctx.hub.watch(camera_id) as viewer:
            sent: tuple[str, bytes] | None = None
            while True:
                fragment = await viewer.next()
                if fragment is None:
                    break
                if time.monotonic() - checked > _RECHECK_S:
                    # Rights can end mid-view (a sharing agreement expires, a user is disabled): re-check.
                    checked = time.monotonic()
                    try:
                        await asyncio.to_thread(still_allowed)
                    except AccessError as exc:
                        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                            await websocket.close(code=1008, reason=f"no longer allowed: {exc}"[:120])
                        break
                if (fragment.run_id, fragment.init) != sent:
                    message = {"type": "init", "mime": _mime(fragment.init), "run_id": fragment.run_id}
                    await websocket.send_text(json.dumps(message))
                    await websocket.send_bytes(fragment.init)
                    sent = (fragment.run_id, fragment.init)
                await websocket.send_bytes(fragment.data)
    except LiveUnavailable as exc:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=1013, reason=str(exc)[:120])
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    else:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=1011, reason="live feed ended")
    finally:
        watching.remove(camera_id, key)
        await asyncio.to_thread(
            ctx.audit.record,
            "live.stop",
            principal,
            camera_id=camera_id,
            client=client,
            start_us=started,
            end_us=now_us(),
            detail={"seconds": round((now_us() - started) / 1e6, 1)},
        )
