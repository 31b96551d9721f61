"""Bookmarks: a user's named instants and ranges on a camera's recordings, shown on the timeline.

Bookmarks are shared by everyone who may play a camera's footage back: they list, add (for the
period their playback rights reach) and remove them. Adding and removing are audited, with who made
the bookmark, so a removal by someone else stays traceable.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from citywatch.access.principal import Action, require, require_range
from citywatch.api.deps import CurrentPrincipal, client_address, context, parse_time
from citywatch.api.schemas import BookmarkIn, BookmarkOut
from citywatch.timeutil import iso, now_us
from citywatch.video.playback import MAX_TIMELINE_US
from citywatch.video.playback_errors import BadTimeRange
from citywatch.video.timeline_marks import (
    BookmarkMark,
    BookmarkMissing,
    add_bookmark,
    bookmark_by_id,
    delete_bookmark,
    load_bookmarks,
)

__all__ = ["bookmark_out", "router"]

router = APIRouter(prefix="/api/v1", tags=["playback"])


def bookmark_out(b: BookmarkMark) -> BookmarkOut:
    return BookmarkOut(
        id=b.id,
        camera_id=b.camera_id,
        start=iso(b.start_us),
        end=None if b.end_us is None else iso(b.end_us),
        name=b.name,
        note=b.note,
        created_by=b.created_by,
        created=iso(b.created_us),
    )


@router.get("/cameras/{camera_id}/bookmarks", response_model=list[BookmarkOut])
def list_bookmarks(
    camera_id: int, start: str, end: str, principal: CurrentPrincipal, request: Request
) -> list[BookmarkOut]:
    """Bookmarks overlapping ``[start, end)`` (at most 92 days), oldest first."""
    require(principal, Action.PLAYBACK, camera_id)
    start_us, end_us = parse_time(start, "start"), parse_time(end, "end")
    if not 0 < end_us - start_us <= MAX_TIMELINE_US:
        raise BadTimeRange("end must be after start, and the range at most 92 days")
    ctx = context(request)
    ctx.services.cameras.get(camera_id)
    with ctx.services.engine.connect() as conn:
        return [bookmark_out(b) for b in load_bookmarks(conn, camera_id, start_us, end_us)]


@router.post("/cameras/{camera_id}/bookmarks", response_model=BookmarkOut, status_code=201)
def create_bookmark(camera_id: int, body: BookmarkIn, principal: CurrentPrincipal, request: Request) -> BookmarkOut:
    """Bookmark an instant (no ``end``) or a range of up to 24 hours."""
    start_us = parse_time(body.start, "start")
    end_us = None if body.end is None else parse_time(body.end, "end")
    require_range(principal, Action.PLAYBACK, camera_id, start_us, now_us())
    ctx = context(request)
    ctx.services.cameras.get(camera_id)
    mark = add_bookmark(
        ctx.services.engine, camera_id, start_us, end_us, body.name, body.note, principal.username, principal.user_id
    )
    ctx.audit.record(
        "bookmark.create",
        principal,
        camera_id=camera_id,
        start_us=start_us,
        end_us=end_us,
        client=client_address(request),
        detail={"bookmark_id": mark.id, "name": mark.name},
    )
    return bookmark_out(mark)


@router.delete("/cameras/{camera_id}/bookmarks/{bookmark_id}", status_code=204)
def remove_bookmark(camera_id: int, bookmark_id: int, principal: CurrentPrincipal, request: Request) -> Response:
    """Remove a bookmark (anyone who may play the camera back; the audit log names both who made and who removed it)."""
    require(principal, Action.PLAYBACK, camera_id)
    ctx = context(request)
    with ctx.services.engine.connect() as conn:
        mark = bookmark_by_id(conn, bookmark_id)
    if mark is None or mark.camera_id != camera_id:
        raise BookmarkMissing(f"camera {camera_id} has no bookmark {bookmark_id} (deleted already?); reload")
    delete_bookmark(ctx.services.engine, camera_id, bookmark_id)
    ctx.audit.record(
        "bookmark.delete",
        principal,
        camera_id=camera_id,
        start_us=mark.start_us,
        end_us=mark.end_us,
        client=client_address(request),
        detail={"bookmark_id": mark.id, "name": mark.name, "created_by": mark.created_by},
    )
    return Response(status_code=204)
