"""Timeline, playback playlist, clip, snapshot and recording byte ranges for one camera."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from citywatch.access.errors import PermissionDenied
from citywatch.access.principal import Action, Principal, require, require_justified, require_range
from citywatch.api.byte_ranges import ranged_response
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.routes_bookmarks import bookmark_out
from citywatch.api.schemas import AlarmMarkOut, GapOut, MotionOut, SpanOut, TimelineOut
from citywatch.timeutil import iso, now_us
from citywatch.video.playback_errors import NoFootage

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["playback"])

HLS_TYPE = "application/vnd.apple.mpegurl"


@router.get("/cameras/{camera_id}/timeline", response_model=TimelineOut)
def timeline(camera_id: int, start: str, end: str, principal: CurrentPrincipal, request: Request) -> TimelineOut:
    """Recorded spans (files of a run merged) and gaps with reasons in ``[start, end)``; open gaps have no end."""
    require(principal, Action.PLAYBACK, camera_id)
    ctx = context(request)
    ctx.services.cameras.get(camera_id)
    t = ctx.playback.timeline(camera_id, parse_time(start, "start"), parse_time(end, "end"))
    alarms, bookmarks, motion = ctx.playback.marks(
        camera_id, t.start_us, t.end_us, with_alarms=_may(principal, Action.VIEW_ALARMS)
    )
    return TimelineOut(
        camera_id=camera_id,
        start=iso(t.start_us),
        end=iso(t.end_us),
        spans=[SpanOut(start=iso(s.start_us), end=iso(s.end_us), node=s.node, available=s.available) for s in t.spans],
        gaps=[
            GapOut(
                start=iso(g.start_us), end=None if g.end_us is None else iso(g.end_us), reason=g.reason, detail=g.detail
            )
            for g in t.gaps
        ],
        alarms=[
            AlarmMarkOut(
                id=a.id,
                kind=a.kind,
                raised=iso(a.raised_us),
                cleared=None if a.cleared_us is None else iso(a.cleared_us),
                message=a.message,
            )
            for a in alarms
        ],
        bookmarks=[bookmark_out(b) for b in bookmarks],
        motion=[
            MotionOut(start=iso(m.start_us), end=None if m.end_us is None else iso(m.end_us), peak=round(m.peak, 4))
            for m in motion
        ],
    )


def _may(principal: Principal, action: Action) -> bool:
    try:
        require(principal, action)
    except PermissionDenied:
        return False
    return True


@router.get("/cameras/{camera_id}/playback.m3u8")
def playback(
    camera_id: int, start: str, principal: CurrentPrincipal, request: Request, end: str | None = None
) -> Response:
    """HLS v7 VOD playlist from the GOP at or before ``start``; without ``end``, one hour capped at now."""
    start_us = parse_time(start, "start")
    require_range(principal, Action.PLAYBACK, camera_id, start_us, now_us())
    require_justified(principal, camera_id)
    ctx = context(request)
    end_us = None if end is None else parse_time(end, "end")
    try:
        text = ctx.playback.playlist(camera_id, start_us, end_us)
    except NoFootage:
        ctx.services.cameras.get(camera_id)  # an unknown camera says so (404), not "nothing recorded"
        raise
    ctx.audit.record_later(  # off the request's critical path; ordered, never dropped (see audit)
        "playback", principal, camera_id=camera_id, start_us=start_us, end_us=end_us, client=client_address(request)
    )
    return Response(text, media_type=HLS_TYPE, headers={"Cache-Control": "no-store"})


@router.get("/cameras/{camera_id}/clip.mp4")
def clip(camera_id: int, start: str, end: str, principal: CurrentPrincipal, request: Request) -> Response:
    """One MP4 of ``[start, end)`` (from the keyframe at or before ``start``), with HTTP Range support."""
    start_us, end_us = parse_time(start, "start"), parse_time(end, "end")
    require_range(principal, Action.EXPORT, camera_id, start_us, now_us())
    require_justified(principal, camera_id)
    ctx = context(request)
    camera = ctx.services.cameras.get(camera_id)
    made = ctx.playback.clip(camera_id, start_us, end_us)
    if request.method != "HEAD" and request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
        # Audited once per download, not per range request a player makes while seeking.
        ctx.audit.record(
            "export.clip",
            principal,
            camera_id=camera_id,
            start_us=made.start_us,
            end_us=made.end_us,
            client=client_address(request),
            detail={"bytes": made.size},
        )
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(made.start_us // 1_000_000))
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in camera.name)[:60]
    headers = {
        "Content-Disposition": f'attachment; filename="{safe_name}-{stamp}.mp4"',
        "Cache-Control": "private, max-age=60",
        "X-Clip-Start": iso(made.start_us),
        "X-Clip-End": iso(made.end_us),
    }
    return ranged_response(
        request.headers.get("range"),
        made.size,
        made.iter_range,
        media_type="video/mp4",
        headers=headers,
        head_only=request.method == "HEAD",
    )


@router.get("/cameras/{camera_id}/snapshot.jpg")
def snapshot(camera_id: int, at: str, principal: CurrentPrincipal, request: Request) -> Response:
    """The frame on screen at ``at``; headers give its index time and, when present, the camera's capture time."""
    at_us = parse_time(at, "at")
    require_range(principal, Action.PLAYBACK, camera_id, at_us, now_us())
    require_justified(principal, camera_id)
    ctx = context(request)
    ctx.services.cameras.get(camera_id)
    shot = ctx.playback.snapshot(camera_id, at_us)
    ctx.audit.record_later(
        "snapshot", principal, camera_id=camera_id, start_us=shot.frame_us, client=client_address(request)
    )
    headers = {"X-Frame-Time": iso(shot.frame_us), "Cache-Control": "private, max-age=3600"}
    if shot.capture_us is not None:
        headers["X-Capture-Time"] = iso(shot.capture_us)
    return Response(shot.jpeg, media_type="image/jpeg", headers=headers)


@router.get("/recordings/{recording_id}/media")
def recording_media(recording_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    """A recorded file as it is on disk; playlists address its init segment and GOPs as byte ranges."""
    ctx = context(request)
    camera_id, media = ctx.playback.media_file(recording_id)
    require(principal, Action.PLAYBACK, camera_id)
    require_justified(principal, camera_id)
    if media.remote is not None:  # held by another recorder node: its answer to this same range, passed through
        got = ctx.playback.media.proxy(media.remote, request.headers.get("range"), head=request.method == "HEAD")
        cache = "no-store" if media.writing else "private, max-age=86400"
        headers = {**got.headers, "Cache-Control": cache}
        return StreamingResponse(got.body, status_code=got.status, headers=headers, media_type="video/mp4")
    if media.writing:
        # The file grows, so its ETag changes every second: a browser revalidating a cached range with If-Range
        # would get the whole file back (a correct answer that hls.js misreads). Not cached, ranges stay ranges.
        return FileResponse(media.path, media_type="video/mp4", headers={"Cache-Control": "no-store"})
    cache = "private, max-age=86400"  # a closed recording never changes
    return FileResponse(media.path, media_type="video/mp4", headers={"Cache-Control": cache})


# HEAD for players that probe first (VLC); same handlers, kept out of the OpenAPI document.
router.add_api_route("/cameras/{camera_id}/clip.mp4", clip, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/recordings/{recording_id}/media", recording_media, methods=["HEAD"], include_in_schema=False)
