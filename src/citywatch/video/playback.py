"""Playback use cases: timeline, VOD and live playlists, clips, snapshots, recording files.

The web layer calls these with parsed UTC microseconds and gets domain objects or playback errors
back. Each request costs one indexed query and decodes only the GOP indexes of the rows it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from citywatch.timeutil import now_us
from citywatch.video.clip import Clip, build_clip
from citywatch.video.live_numbers import LiveNumbers
from citywatch.video.media_access import EXPORT_READ_AHEAD, SNAPSHOT_READ_AHEAD, MediaAccess
from citywatch.video.playback_errors import BadTimeRange, LiveUnavailable, NoFootage, RecordingMissing
from citywatch.video.playlist import pick_segments, render_live, vod_playlist
from citywatch.video.recording_query import RecordingRef, latest_recordings, recording_by_id, recordings_between
from citywatch.video.snapshot import Snapshot, take_snapshot
from citywatch.video.timeline import Timeline, load_timeline
from citywatch.video.timeline_marks import (
    AlarmMark,
    BookmarkMark,
    MotionMark,
    load_alarms,
    load_bookmarks,
    load_motion,
)

__all__ = ["DEFAULT_PLAYLIST_US", "MediaFile", "PlaybackService"]

DEFAULT_PLAYLIST_US = 3600 * 1_000_000  # playback.m3u8 without end: one hour, capped at now
MAX_PLAYLIST_US = 24 * 3600 * 1_000_000
MAX_CLIP_US = 12 * 3600 * 1_000_000  # mvhd durations are 32-bit at 90 kHz (13.2 h)
MAX_TIMELINE_US = 92 * 86400 * 1_000_000
LIVE_WINDOW_GOPS = 6
LIVE_FILES = 3  # newest files the live window may reach into (across a file or run change)


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: Path
    writing: bool
    remote: RecordingRef | None = None  # held by another node: proxied through ``PlaybackService.media``


def _check_range(start_us: int, end_us: int, limit_us: int, what: str) -> None:
    if end_us <= start_us:
        raise BadTimeRange(f"end must be after start for a {what}")
    if end_us - start_us > limit_us:
        raise BadTimeRange(f"a {what} may cover at most {limit_us / 3_600_000_000:g} hours; ask for a shorter range")


class PlaybackService:
    def __init__(self, engine: Engine, media: MediaAccess | None = None) -> None:
        self._engine = engine
        self._live_numbers = LiveNumbers()
        self.media = media or MediaAccess(engine)

    def timeline(self, camera_id: int, start_us: int, end_us: int) -> Timeline:
        _check_range(start_us, end_us, MAX_TIMELINE_US, "timeline")
        nodes = self.media.nodes
        fleet = nodes is not None and bool(nodes.all())  # single-node: no nodes rows, nothing more to ask
        unavailable = frozenset(nodes.unavailable()) if fleet and nodes is not None else frozenset()
        with self._engine.connect() as conn:
            return load_timeline(conn, camera_id, start_us, end_us, with_nodes=fleet, unavailable=unavailable)

    def marks(
        self, camera_id: int, start_us: int, end_us: int, *, with_alarms: bool
    ) -> tuple[list[AlarmMark], list[BookmarkMark], list[MotionMark]]:
        """The timeline's alarms (when the caller may see them), bookmarks and motion in ``[start_us, end_us)``."""
        with self._engine.connect() as conn:
            alarms = load_alarms(conn, camera_id, start_us, end_us) if with_alarms else []
            bookmarks = load_bookmarks(conn, camera_id, start_us, end_us)
            return alarms, bookmarks, load_motion(conn, camera_id, start_us, end_us)

    def _remote(self, recordings: list[RecordingRef]) -> bool:
        return any(not self.media.is_local(r.node) for r in recordings)

    def playlist(self, camera_id: int, start_us: int, end_us: int | None = None) -> str:
        if end_us is None:
            end_us = max(min(start_us + DEFAULT_PLAYLIST_US, now_us()), start_us + 1)
        _check_range(start_us, end_us, MAX_PLAYLIST_US, "playlist")
        with self._engine.connect() as conn:
            recordings = recordings_between(conn, camera_id, start_us, end_us)
        text = vod_playlist(recordings, start_us, end_us)
        if text is None:
            raise NoFootage("nothing was recorded from that time on; pick a time inside a span of the timeline")
        return text

    def live_playlist(self, camera_id: int) -> str:
        """The newest GOPs of the camera, reaching back into the previous file or run (before a reconnect)."""
        with self._engine.connect() as conn:
            recordings = latest_recordings(conn, camera_id, LIVE_FILES)
        if not recordings or not recordings[-1].writing:
            raise LiveUnavailable("the camera is not being recorded right now; see its status for why")
        everything = pick_segments(recordings, 0, 2**62)
        if not everything:
            raise LiveUnavailable("the camera's stream has only just started; retry in a second")
        index = {r.id: i for i, r in enumerate(recordings)}
        gops = [0] * len(recordings)
        for seg in everything:
            gops[index[seg.recording_id]] += 1
        media, runs = self._live_numbers.number(recordings, gops)
        window = everything[-LIVE_WINDOW_GOPS:]
        first = index[window[0].recording_id]
        media_sequence = media[first] + gops[first] - sum(1 for s in window if s.recording_id == window[0].recording_id)
        return render_live(window, media_sequence, runs[first], [runs[index[s.recording_id]] for s in window])

    def clip(self, camera_id: int, start_us: int, end_us: int) -> Clip:
        _check_range(start_us, end_us, MAX_CLIP_US, "clip")
        with self._engine.connect() as conn:
            recordings = recordings_between(conn, camera_id, start_us, end_us)
        reader = self.media.reader(EXPORT_READ_AHEAD) if self._remote(recordings) else None
        return build_clip(recordings, start_us, end_us, reader)

    def snapshot(self, camera_id: int, at_us: int) -> Snapshot:
        with self._engine.connect() as conn:
            recordings = recordings_between(conn, camera_id, at_us, at_us + 1)
        reader = self.media.reader(SNAPSHOT_READ_AHEAD) if self._remote(recordings) else None
        return take_snapshot(recordings, at_us, reader=reader)

    def media_file(self, recording_id: int) -> tuple[int, MediaFile]:
        """The camera and file of a recording, for serving its byte ranges."""
        with self._engine.connect() as conn:
            rec = recording_by_id(conn, recording_id)
        if rec is None:
            raise RecordingMissing(f"recording {recording_id} does not exist (deleted by retention?); reload")
        if not self.media.is_local(rec.node):
            return rec.camera_id, MediaFile(rec.file, rec.writing, rec)
        if not rec.file.is_file():
            raise RecordingMissing(f"the file of recording {recording_id} is gone; reload the timeline")
        return rec.camera_id, MediaFile(rec.file, rec.writing)
