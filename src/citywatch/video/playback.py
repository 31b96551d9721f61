"""Playback use cases: timeline, VOD and live playlists, clips, snapshots, recording files.

The web layer calls these with parsed UTC microseconds and gets domain objects or playback errors
back. Each request costs one indexed query and decodes only the GOP indexes of the rows it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from citywatch.timeutil import now_us
from citywatch.video.clip import Clip, build_clip
from citywatch.video.playback_errors import BadTimeRange, LiveUnavailable, NoFootage, RecordingMissing
from citywatch.video.playlist import pick_segments, render_live, vod_playlist
from citywatch.video.recording_query import recording_by_id, recordings_between
from citywatch.video.snapshot import Snapshot, take_snapshot
from citywatch.video.timeline import Timeline, load_timeline

__all__ = ["DEFAULT_PLAYLIST_US", "MediaFile", "PlaybackService"]

DEFAULT_PLAYLIST_US = 3600 * 1_000_000  # playback.m3u8 without end: one hour, capped at now
MAX_PLAYLIST_US = 24 * 3600 * 1_000_000
MAX_CLIP_US = 12 * 3600 * 1_000_000  # mvhd durations are 32-bit at 90 kHz (13.2 h)
MAX_TIMELINE_US = 92 * 86400 * 1_000_000
LIVE_WINDOW_GOPS = 6

_RUN_GOPS_BEFORE = text("SELECT COALESCE(SUM(gops), 0) FROM recordings WHERE run_id = :run_id AND run_seq < :run_seq")


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: Path
    writing: bool


def _check_range(start_us: int, end_us: int, limit_us: int, what: str) -> None:
    if end_us <= start_us:
        raise BadTimeRange(f"end must be after start for a {what}")
    if end_us - start_us > limit_us:
        raise BadTimeRange(f"a {what} may cover at most {limit_us / 3_600_000_000:g} hours; ask for a shorter range")


class PlaybackService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def timeline(self, camera_id: int, start_us: int, end_us: int) -> Timeline:
        _check_range(start_us, end_us, MAX_TIMELINE_US, "timeline")
        with self._engine.connect() as conn:
            return load_timeline(conn, camera_id, start_us, end_us)

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
        now = now_us()
        with self._engine.connect() as conn:
            recordings = [r for r in recordings_between(conn, camera_id, now - 30_000_000, now + 3_600_000_000)]
            if not recordings or not recordings[-1].writing:
                raise LiveUnavailable("the camera is not being recorded right now; see its status for why")
            current = recordings[-1]
            segments = pick_segments([current], 0, 2**62)[-LIVE_WINDOW_GOPS:]
            if not segments:
                raise LiveUnavailable("the camera's stream has only just started; retry in a second")
            before = conn.execute(_RUN_GOPS_BEFORE, {"run_id": current.run_id, "run_seq": current.run_seq}).scalar()
        skipped = len(current.gops) - len(segments)
        return render_live(segments, int(before or 0) + skipped)

    def clip(self, camera_id: int, start_us: int, end_us: int) -> Clip:
        _check_range(start_us, end_us, MAX_CLIP_US, "clip")
        with self._engine.connect() as conn:
            recordings = recordings_between(conn, camera_id, start_us, end_us)
        return build_clip(recordings, start_us, end_us)

    def snapshot(self, camera_id: int, at_us: int) -> Snapshot:
        with self._engine.connect() as conn:
            recordings = recordings_between(conn, camera_id, at_us, at_us + 1)
        return take_snapshot(recordings, at_us)

    def media_file(self, recording_id: int) -> tuple[int, MediaFile]:
        """The camera and file of a recording, for serving its byte ranges."""
        with self._engine.connect() as conn:
            rec = recording_by_id(conn, recording_id)
        if rec is None:
            raise RecordingMissing(f"recording {recording_id} does not exist (deleted by retention?); reload")
        if not rec.file.is_file():
            raise RecordingMissing(f"the file of recording {recording_id} is gone; reload the timeline")
        return rec.camera_id, MediaFile(rec.file, rec.writing)
