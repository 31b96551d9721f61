"""Live view: fMP4 over a WebSocket for Media Source Extensions, and HLS as the fallback.

WebSocket protocol (``/api/v1/cameras/{id}/live``), server → client only:
  text   ``{"type": "init", "mime": "video/mp4; codecs=\\"avc1.…\\"", "run_id": "…"}`` announces that
         the next binary message is an init segment (first, and again whenever the run changes:
         recreate or reset the SourceBuffer);
  binary the init segment, then one message per GOP (``prft`` + ``moof`` + ``mdat``).
A viewer that cannot keep up skips to the newest GOP. Close codes: 1008 not signed in / not
allowed, 1013 camera not live (try again later).
"""

from __future__ import annotations

import contextlib
import json
import logging

from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect

from citywatch.access.errors import AccessError
from citywatch.access.principal import Action, require
from citywatch.api.context import ApiContext
from citywatch.api.deps import CurrentPrincipal, context, websocket_principal
from citywatch.api.routes_media import HLS_TYPE
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.playback_errors import LiveUnavailable

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["live"])


@router.get("/cameras/{camera_id}/live.m3u8")
def live_hls(camera_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    """Sliding-window HLS over the newest GOPs of the file being written (seconds behind the WebSocket)."""
    require(principal, Action.VIEW_LIVE, camera_id)
    ctx = context(request)
    ctx.services.cameras.get(camera_id)
    return Response(ctx.playback.live_playlist(camera_id), media_type=HLS_TYPE, headers={"Cache-Control": "no-store"})


def _mime(init: bytes) -> str:
    return f'video/mp4; codecs="{read_layout(init).params.codec_string}"'


@router.websocket("/cameras/{camera_id}/live")
async def live_ws(websocket: WebSocket, camera_id: int) -> None:
    ctx: ApiContext = websocket.app.state.ctx
    try:
        principal = websocket_principal(websocket)
        require(principal, Action.VIEW_LIVE, camera_id)
    except AccessError as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    await websocket.accept()
    try:
        async with ctx.hub.watch(camera_id) as viewer:
            sent: tuple[str, bytes] | None = None
            while True:
                fragment = await viewer.next()
                if fragment is None:
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
