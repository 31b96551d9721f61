"""The playback side's view of the index: recording rows for a time range in one indexed query.

Every playback request (playlist, clip, snapshot) starts here. ``recordings_between`` returns the
rows overlapping ``[start_us, end_us)`` plus, when ``start_us`` falls inside a file, that file: the
lower bound is the start of the last file starting at or before ``start_us``, found with an index
seek on ``ix_recordings_camera_start``, so the scan never reaches back further than one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Connection, text

from citywatch.video.gop_index import GopEntry, decode_gops

__all__ = ["RecordingRef", "latest_recordings", "recording_by_id", "recordings_between"]

_SELECT = (
    "SELECT id, camera_id, run_id, run_seq, state, media_dir, path, start_us, end_us, media_start_90k, "
    "duration_90k, rate_ppm, init_bytes, gop_index, codec, width, height, node FROM recordings "
)

_BETWEEN = text(
    _SELECT  # noqa: S608 (constant text, bound parameters)
    + "WHERE camera_id = :camera_id AND start_us < :end_us AND end_us > :start_us "
    "AND start_us >= COALESCE((SELECT MAX(start_us) FROM recordings "
    "WHERE camera_id = :camera_id AND start_us <= :start_us), :start_us) "
    "ORDER BY start_us"
)
_BY_ID = text(_SELECT + "WHERE id = :id")
_LATEST = text(_SELECT + "WHERE camera_id = :camera_id ORDER BY start_us DESC LIMIT :count")


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    camera_id: int
    run_id: str
    run_seq: int
    state: str
    media_dir: str
    path: str
    start_us: int
    end_us: int
    media_start_90k: int
    duration_90k: int
    rate_ppm: float
    init_bytes: int
    gop_index: bytes
    codec: str
    width: int
    height: int
    node: str = "local"  # whose disk holds the file (video/media_access.py)


class RecordingRef(_Row):
    """One recording row; ``gops`` decodes its index on first use."""

    __slots__ = ("__dict__",)

    @cached_property
    def gops(self) -> list[GopEntry]:
        return decode_gops(self.gop_index, init_bytes=self.init_bytes, start_us=self.start_us, rate_ppm=self.rate_ppm)

    @property
    def file(self) -> Path:
        """The file on its node's disk: readable here only when that node is this process's (see media_access)."""
        return Path(self.media_dir) / self.path

    @property
    def writing(self) -> bool:
        return self.state == "writing"


def _ref(row: tuple[object, ...]) -> RecordingRef:
    values = list(row)
    values[13] = bytes(values[13] or b"")  # type: ignore[call-overload]
    return RecordingRef(*values)  # type: ignore[arg-type]


def recordings_between(conn: Connection, camera_id: int, start_us: int, end_us: int) -> list[RecordingRef]:
    rows = conn.execute(_BETWEEN, {"camera_id": camera_id, "start_us": start_us, "end_us": end_us}).all()
    return [_ref(tuple(r)) for r in rows]  # all() fetches in one call: ~0.3 ms less for an hour's 60 rows


def recording_by_id(conn: Connection, recording_id: int) -> RecordingRef | None:
    row = conn.execute(_BY_ID, {"id": recording_id}).first()
    return None if row is None else _ref(tuple(row))


def latest_recordings(conn: Connection, camera_id: int, count: int) -> list[RecordingRef]:
    """The camera's newest ``count`` files, oldest first (a backward seek on ``ix_recordings_camera_start``)."""
    rows = conn.execute(_LATEST, {"camera_id": camera_id, "count": count})
    return [_ref(tuple(r)) for r in rows][::-1]
