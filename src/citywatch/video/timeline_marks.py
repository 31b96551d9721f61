"""What the timeline shows besides recordings: a camera's alarms (raised to cleared), users' bookmarks
and motion.

Both are read with bounded index ranges, so a month costs what its marks cost: alarms by
``ix_alarms_camera_cleared`` (those cleared after the range starts, plus the open ones), bookmarks
by ``ix_bookmarks_camera_start`` (a bookmark spans at most ``MAX_BOOKMARK_US``, so the scan starts
that far before the range). Bookmarks are made and removed here too. Motion events are at most
``MAX_MOTION_US`` long, read the same way, and merged where they lie closer than 1/2000 of the range
(a month of a busy street is thousands of events; a timeline is a couple of thousand pixels wide).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from citywatch.access.errors import NotFound
from citywatch.timeutil import now_us
from citywatch.video.motion import MAX_MOTION_US
from citywatch.video.playback_errors import BadTimeRange

__all__ = [
    "MAX_BOOKMARK_US",
    "AlarmMark",
    "BookmarkMark",
    "BookmarkMissing",
    "MotionMark",
    "add_bookmark",
    "bookmark_by_id",
    "delete_bookmark",
    "load_alarms",
    "load_bookmarks",
    "load_motion",
]

MAX_BOOKMARK_US = 24 * 3600 * 1_000_000

_ALARMS = text(
    "SELECT id, kind, raised_us, cleared_us, message FROM alarms "
    "WHERE camera_id = :camera_id AND cleared_us IS NULL AND raised_us < :end_us "
    "UNION ALL "
    "SELECT id, kind, raised_us, cleared_us, message FROM alarms "
    "WHERE camera_id = :camera_id AND cleared_us > :start_us AND raised_us < :end_us "
    "ORDER BY raised_us, id"
)
_BOOKMARKS = text(
    "SELECT id, camera_id, start_us, end_us, name, note, created_by, created_us FROM bookmarks "
    "WHERE camera_id = :camera_id AND start_us >= :earliest_us AND start_us < :end_us "
    "AND COALESCE(end_us, start_us) >= :start_us ORDER BY start_us, id"
)
_MOTION = text(
    "SELECT start_us, end_us, peak FROM motion "
    "WHERE camera_id = :camera_id AND start_us >= :earliest_us AND start_us < :end_us "
    "AND COALESCE(end_us, start_us + :max_us) > :start_us ORDER BY start_us"
)
_BOOKMARK = text(
    "SELECT id, camera_id, start_us, end_us, name, note, created_by, created_us FROM bookmarks WHERE id = :id"
)
_INSERT = text(
    "INSERT INTO bookmarks (camera_id, start_us, end_us, name, note, created_by, user_id, created_us) "
    "VALUES (:camera_id, :start_us, :end_us, :name, :note, :created_by, :user_id, :created_us) RETURNING id"
)
_DELETE = text("DELETE FROM bookmarks WHERE id = :id")


class BookmarkMissing(NotFound):
    """No such bookmark (on that camera)."""


@dataclass(frozen=True, slots=True)
class AlarmMark:
    id: int
    kind: str
    raised_us: int
    cleared_us: int | None  # None while raised
    message: str


@dataclass(frozen=True, slots=True)
class BookmarkMark:
    id: int
    camera_id: int
    start_us: int
    end_us: int | None  # None: an instant
    name: str
    note: str
    created_by: str
    created_us: int


def load_alarms(conn: Connection, camera_id: int, start_us: int, end_us: int) -> list[AlarmMark]:
    """The camera's alarms overlapping ``[start_us, end_us)``, open ones included, oldest first."""
    params = {"camera_id": camera_id, "start_us": start_us, "end_us": end_us}
    rows = conn.execute(_ALARMS, params).all()
    return [
        AlarmMark(int(i), str(k), int(r), None if c is None else int(c), str(m or ""))
        for i, k, r, c, m in sorted(rows, key=lambda row: (row[2], row[0]))
    ]


@dataclass(frozen=True, slots=True)
class MotionMark:
    start_us: int
    end_us: int | None  # None while it lasts
    peak: float  # largest fraction of the picture seen changing


def load_motion(conn: Connection, camera_id: int, start_us: int, end_us: int) -> list[MotionMark]:
    """Motion overlapping ``[start_us, end_us)``, clipped to it; events closer than 1/2000 of it merged."""
    params = {
        "camera_id": camera_id,
        "start_us": start_us,
        "end_us": end_us,
        "earliest_us": start_us - MAX_MOTION_US,
        "max_us": MAX_MOTION_US,
    }
    join_us = (end_us - start_us) // 2000
    now = now_us()
    out: list[MotionMark] = []
    for a, b, peak in conn.execute(_MOTION, params):
        first = max(int(a), start_us)
        last: int | None = None if b is None else min(int(b), end_us)
        if b is None and int(a) + MAX_MOTION_US < now:
            last = min(int(a) + MAX_MOTION_US, end_us)  # left open by a recorder that stopped
        if out and out[-1].end_us is not None and first - out[-1].end_us <= join_us:
            prev = out.pop()
            out.append(MotionMark(prev.start_us, last, max(prev.peak, float(peak))))
        else:
            out.append(MotionMark(first, last, float(peak)))
    return out


def _mark(row: tuple[object, ...]) -> BookmarkMark:
    i, camera, start, end, name, note, by, created = row
    return BookmarkMark(
        int(i),  # type: ignore[call-overload]
        int(camera),  # type: ignore[call-overload]
        int(start),  # type: ignore[call-overload]
        None if end is None else int(end),  # type: ignore[call-overload]
        str(name),
        str(note or ""),
        str(by),
        int(created),  # type: ignore[call-overload]
    )


def load_bookmarks(conn: Connection, camera_id: int, start_us: int, end_us: int) -> list[BookmarkMark]:
    """Bookmarks of the camera overlapping ``[start_us, end_us)`` (an instant: lying in it), oldest first."""
    params = {"camera_id": camera_id, "start_us": start_us, "end_us": end_us, "earliest_us": start_us - MAX_BOOKMARK_US}
    return [_mark(tuple(r)) for r in conn.execute(_BOOKMARKS, params)]


def bookmark_by_id(conn: Connection, bookmark_id: int) -> BookmarkMark | None:
    row = conn.execute(_BOOKMARK, {"id": bookmark_id}).first()
    return None if row is None else _mark(tuple(row))


def add_bookmark(
    engine: Engine,
    camera_id: int,
    start_us: int,
    end_us: int | None,
    name: str,
    note: str,
    created_by: str,
    user_id: int | None,
) -> BookmarkMark:
    """Store a bookmark; ``BadTimeRange`` for an empty name, a range that ends before it starts or is too long."""
    name = name.strip()
    if not name:
        raise BadTimeRange("a bookmark needs a name")
    if end_us is not None and end_us <= start_us:
        raise BadTimeRange("a bookmark's end must be after its start (leave end out for an instant)")
    if end_us is not None and end_us - start_us > MAX_BOOKMARK_US:
        raise BadTimeRange("a bookmark may cover at most 24 hours; make several")
    created_us = now_us()
    row = {
        "camera_id": camera_id,
        "start_us": start_us,
        "end_us": end_us,
        "name": name,
        "note": note,
        "created_by": created_by,
        "user_id": user_id,
        "created_us": created_us,
    }
    with engine.begin() as conn:
        new_id = int(conn.execute(_INSERT, row).scalar_one())
    return BookmarkMark(new_id, camera_id, start_us, end_us, name, note, created_by, created_us)


def delete_bookmark(engine: Engine, camera_id: int, bookmark_id: int) -> BookmarkMark:
    """Remove a bookmark of ``camera_id`` and return what it was; ``BookmarkMissing`` if there is none."""
    with engine.begin() as conn:
        mark = bookmark_by_id(conn, bookmark_id)
        if mark is None or mark.camera_id != camera_id:
            raise BookmarkMissing(f"camera {camera_id} has no bookmark {bookmark_id} (deleted already?); reload")
        conn.execute(_DELETE, {"id": bookmark_id})
    return mark
