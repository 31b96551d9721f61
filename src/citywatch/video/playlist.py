"""HLS (version 7, fMP4) playlists built from the GOP index: segments are byte ranges of recorded files.

One segment per GOP (every segment starts with a keyframe). ``EXT-X-MAP`` names the init segment
of each file (its first ``init_bytes``); ``EXT-X-PROGRAM-DATE-TIME`` gives every segment's wall-clock
start, so a player can map its position to UTC; ``EXT-X-DISCONTINUITY`` marks where media time does
not continue (a new run after a gap, or a file missing from the middle of a run).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citywatch.video.recording_query import RecordingRef

__all__ = [
    "PLAYLIST_SEGMENT_90K",
    "Segment",
    "media_url",
    "pick_segments",
    "program_date_time",
    "render_live",
    "render_vod",
    "start_offset_s",
]

PLAYLIST_SEGMENT_90K = 4 * 90_000  # VOD segments join GOPs up to about 4 s (fewer lines, same byte ranges)


@dataclass(frozen=True, slots=True)
class Segment:
    recording_id: int
    init_bytes: int
    offset: int
    size: int
    duration_90k: int
    start_us: int
    end_us: int
    new_file: bool
    discontinuity: bool


def media_url(recording_id: int) -> str:
    return f"/api/v1/recordings/{recording_id}/media"


_DAY_CACHE: dict[int, str] = {}


def program_date_time(us: int) -> str:
    """ISO 8601 UTC with milliseconds and Z, as HLS ``EXT-X-PROGRAM-DATE-TIME`` wants it."""
    seconds, micros = divmod(us, 1_000_000)
    day, in_day = divmod(seconds, 86_400)
    prefix = _DAY_CACHE.get(day)
    if prefix is None:
        t = time.gmtime(day * 86_400)
        prefix = _DAY_CACHE.setdefault(day, f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T")
    hours, rest = divmod(in_day, 3600)
    return f"{prefix}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{micros // 1000:03d}Z"


def _varints(blob: bytes) -> np.ndarray:
    """The GOP index's varints (see ``gop_index``), decoded with numpy for the playlist path."""
    raw = np.frombuffer(blob, dtype=np.uint8)
    if raw.size == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.flatnonzero(raw < 0x80)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    position = np.arange(raw.size) - np.repeat(starts, ends - starts + 1)
    shifted = (raw & 0x7F).astype(np.int64) << (7 * position)
    return np.add.reduceat(shifted, starts)


def _file_gops(rec: RecordingRef) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """Per GOP: byte offset, size, duration (90 kHz), wall-clock start and end (µs)."""
    values = _varints(rec.gop_index)
    triples = values[: len(values) // 3 * 3].reshape(-1, 3)
    sizes, durations = triples[:, 0], triples[:, 1]
    offsets = rec.init_bytes + np.cumsum(sizes) - sizes
    media_end = np.cumsum(durations)
    scale = (1_000_000 + rec.rate_ppm) / 90_000
    ends = rec.start_us + np.rint(media_end * scale).astype(np.int64)
    starts = rec.start_us + np.rint((media_end - durations) * scale).astype(np.int64)
    return offsets.tolist(), sizes.tolist(), durations.tolist(), starts.tolist(), ends.tolist()


def _segment(rec: RecordingRef, cur: list[int]) -> Segment:
    return Segment(rec.id, rec.init_bytes, cur[0], cur[1], cur[2], cur[3], cur[4], bool(cur[5]), bool(cur[6]))


def pick_segments(
    recordings: Sequence[RecordingRef], start_us: int, end_us: int, *, min_duration_90k: int = 0
) -> list[Segment]:
    """GOPs from the one showing ``start_us`` (or the first after, in a gap) to the last starting before ``end_us``.

    With ``min_duration_90k``, consecutive GOPs of one file are joined into segments of at least that
    length (still one byte range starting with a keyframe): fewer, longer HLS segments.
    """
    out: list[Segment] = []
    prev: RecordingRef | None = None
    for rec in recordings:
        cur: list[int] | None = None  # offset, size, duration, start, end, new_file, discontinuity
        for here, size, duration, g_start, g_end in zip(*_file_gops(rec), strict=True):
            if g_end <= start_us or duration <= 0:
                continue
            if g_start >= end_us:
                break
            if cur is None:  # first segment of this file
                jump = prev is not None and (prev.run_id != rec.run_id or prev.run_seq + 1 != rec.run_seq)
                cur = [here, size, duration, g_start, g_end, 1, int(jump)]
                prev = rec
            elif cur[2] < min_duration_90k:
                cur[1] += size
                cur[2] += duration
                cur[4] = g_end
            else:
                out.append(_segment(rec, cur))
                cur = [here, size, duration, g_start, g_end, 0, 0]
        if cur is not None:
            out.append(_segment(rec, cur))
    return out


def _segment_lines(segments: Sequence[Segment]) -> list[str]:
    lines: list[str] = []
    for seg in segments:
        if seg.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        url = media_url(seg.recording_id)
        if seg.new_file:
            lines.append(f'#EXT-X-MAP:URI="{url}",BYTERANGE="{seg.init_bytes}@0"')
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{program_date_time(seg.start_us)}")
        lines.append(f"#EXTINF:{seg.duration_90k / 90_000:.5f},")
        lines.append(f"#EXT-X-BYTERANGE:{seg.size}@{seg.offset}")
        lines.append(url)
    return lines


def _target_duration(segments: Sequence[Segment]) -> int:
    return max(1, math.ceil(max((s.duration_90k for s in segments), default=90_000) / 90_000))


def start_offset_s(segments: Sequence[Segment], start_us: int) -> float:
    """Where ``start_us`` lies, in seconds of playlist (media) time from its first segment."""
    elapsed_90k = 0
    for seg in segments:
        if seg.end_us > start_us:
            inside_us = max(0, start_us - seg.start_us)
            return elapsed_90k / 90_000 + min(inside_us / 1e6, seg.duration_90k / 90_000)
        elapsed_90k += seg.duration_90k
    return elapsed_90k / 90_000


def render_vod(segments: Sequence[Segment], start_us: int) -> str:
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{_target_duration(segments)}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f"#EXT-X-START:TIME-OFFSET={start_offset_s(segments, start_us):.3f},PRECISE=YES",
    ]
    lines += _segment_lines(segments)
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def render_live(segments: Sequence[Segment], media_sequence: int) -> str:
    """A sliding-window live playlist (no ``EXT-X-ENDLIST``) over the newest GOPs of the growing file."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{_target_duration(segments)}",
        f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    if segments and not segments[0].new_file:
        segments = [_with_map(segments[0]), *segments[1:]]
    lines += _segment_lines(segments)
    return "\n".join(lines) + "\n"


def _with_map(seg: Segment) -> Segment:
    return Segment(
        seg.recording_id,
        seg.init_bytes,
        seg.offset,
        seg.size,
        seg.duration_90k,
        seg.start_us,
        seg.end_us,
        True,
        False,
    )
