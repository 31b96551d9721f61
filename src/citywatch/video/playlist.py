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

from citywatch.video.gop_table import Ints, gop_table
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
    "vod_playlist",
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


@dataclass(frozen=True, slots=True)
class _Picked:
    """Segments as columns: what ``pick_segments`` and ``vod_playlist`` share."""

    rec: list[int]  # index into the recordings given
    offset: list[int]
    size: list[int]
    duration_90k: list[int]
    start_us: list[int]
    end_us: list[int]
    new_file: list[bool]
    discontinuity: list[bool]


def _segment_starts(rec: Ints, duration_90k: Ints, min_duration_90k: int) -> Ints:
    """Where each segment starts among the chosen GOPs: a new file, or the current one long enough."""
    n = rec.size
    if min_duration_90k <= 0 or n == 0:
        return np.arange(n, dtype=np.int64)
    file_start = np.flatnonzero(np.diff(rec, prepend=-1) != 0)
    first_duration = np.repeat(duration_90k[file_start], np.diff(file_start, append=n))
    if np.array_equal(duration_90k, first_duration):  # the usual case: one GOP length per file
        per_segment = -(-min_duration_90k // first_duration)  # GOPs until the segment is long enough
        index_in_file = np.arange(n) - np.repeat(file_start, np.diff(file_start, append=n))
        return np.flatnonzero(index_in_file % per_segment == 0)
    starts: list[int] = []
    current, length = -1, 0
    for i, (r, d) in enumerate(zip(rec.tolist(), duration_90k.tolist(), strict=True)):
        if r != current or length >= min_duration_90k:
            starts.append(i)
            current, length = r, d
        else:
            length += d
    return np.asarray(starts, dtype=np.int64)


def _pick(recordings: Sequence[RecordingRef], start_us: int, end_us: int, min_duration_90k: int) -> _Picked:
    t = gop_table(recordings)
    chosen = np.flatnonzero((t.end_us > start_us) & (t.start_us < end_us) & (t.duration_90k > 0))
    rec, duration = t.rec[chosen], t.duration_90k[chosen]
    first = _segment_starts(rec, duration, min_duration_90k)
    if not first.size:
        return _Picked([], [], [], [], [], [], [], [])
    last = np.append(first[1:] - 1, chosen.size - 1)
    seg_rec = rec[first]
    new_file = np.ones(first.size, dtype=bool)
    new_file[1:] = seg_rec[1:] != seg_rec[:-1]
    runs: dict[str, int] = {}
    run_code = np.fromiter((runs.setdefault(r.run_id, len(runs)) for r in recordings), dtype=np.int64)
    run_seq = np.fromiter((r.run_seq for r in recordings), dtype=np.int64, count=len(recordings))
    jump = np.zeros(first.size, dtype=bool)
    here, before = seg_rec[1:], seg_rec[:-1]
    jump[1:] = new_file[1:] & ((run_code[here] != run_code[before]) | (run_seq[here] != run_seq[before] + 1))
    return _Picked(
        seg_rec.tolist(),
        t.offset[chosen][first].tolist(),
        np.add.reduceat(t.size[chosen], first).tolist(),
        np.add.reduceat(duration, first).tolist(),
        t.start_us[chosen][first].tolist(),
        t.end_us[chosen][last].tolist(),
        new_file.tolist(),
        jump.tolist(),
    )


def pick_segments(
    recordings: Sequence[RecordingRef], start_us: int, end_us: int, *, min_duration_90k: int = 0
) -> list[Segment]:
    """GOPs from the one showing ``start_us`` (or the first after, in a gap) to the last starting before ``end_us``.

    With ``min_duration_90k``, consecutive GOPs of one file are joined into segments of at least that
    length (still one byte range starting with a keyframe): fewer, longer HLS segments.
    """
    p = _pick(recordings, start_us, end_us, min_duration_90k)
    return [
        Segment(recordings[r].id, recordings[r].init_bytes, *rest)
        for r, *rest in zip(
            p.rec, p.offset, p.size, p.duration_90k, p.start_us, p.end_us, p.new_file, p.discontinuity, strict=True
        )
    ]


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


def _offset_s(starts_us: Sequence[int], ends_us: Sequence[int], durations_90k: Sequence[int], at_us: int) -> float:
    elapsed_90k = 0
    for seg_start, seg_end, duration in zip(starts_us, ends_us, durations_90k, strict=True):
        if seg_end > at_us:
            inside_us = max(0, at_us - seg_start)
            return elapsed_90k / 90_000 + min(inside_us / 1e6, duration / 90_000)
        elapsed_90k += duration
    return elapsed_90k / 90_000


def start_offset_s(segments: Sequence[Segment], start_us: int) -> float:
    """Where ``start_us`` lies, in seconds of playlist (media) time from its first segment."""
    return _offset_s(
        [s.start_us for s in segments], [s.end_us for s in segments], [s.duration_90k for s in segments], start_us
    )


def _vod_header(target_s: int, offset_s: float) -> list[str]:
    return [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target_s}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f"#EXT-X-START:TIME-OFFSET={offset_s:.3f},PRECISE=YES",
    ]


def render_vod(segments: Sequence[Segment], start_us: int) -> str:
    lines = _vod_header(_target_duration(segments), start_offset_s(segments, start_us))
    lines += _segment_lines(segments)
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


# Clock text by parts, made once: joining four ready strings beats four format specs per segment.
_HOURS = tuple(f"{h:02d}:" for h in range(24))
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))
_MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))


def _clock_lines(starts_us: Sequence[int]) -> list[str]:
    """``EXT-X-PROGRAM-DATE-TIME`` lines for many instants: the arithmetic in numpy, text from the parts above."""
    t = np.asarray(starts_us, dtype=np.int64)
    seconds, ms = t // 1_000_000, t % 1_000_000 // 1000
    day, in_day = seconds // 86_400, seconds % 86_400
    prefixes = {
        d: "#EXT-X-PROGRAM-DATE-TIME:" + program_date_time(d * 86_400_000_000)[:11] for d in np.unique(day).tolist()
    }
    hours, minutes_seconds, millis = _HOURS, _MINUTES_SECONDS, _MILLIS
    return [
        f"{prefixes[d]}{hours[h]}{minutes_seconds[m]}{millis[milli]}"
        for d, h, m, milli in zip(
            day.tolist(), (in_day // 3600).tolist(), (in_day % 3600).tolist(), ms.tolist(), strict=True
        )
    ]


def vod_playlist(
    recordings: Sequence[RecordingRef], start_us: int, end_us: int, *, min_duration_90k: int = PLAYLIST_SEGMENT_90K
) -> str | None:
    """``render_vod(pick_segments(...))`` without a ``Segment`` per line: the playback.m3u8 hot path.

    Returns None when no GOP lies in the range.
    """
    p = _pick(recordings, start_us, end_us, min_duration_90k)
    if not p.rec:
        return None
    target_s = max(1, math.ceil(max(p.duration_90k) / 90_000))
    lines = _vod_header(target_s, _offset_s(p.start_us, p.end_us, p.duration_90k, start_us))
    urls = [media_url(r.id) for r in recordings]
    inits = [r.init_bytes for r in recordings]
    extinf = {d: f"#EXTINF:{d / 90_000:.5f}," for d in set(p.duration_90k)}
    for r, offset, size, duration, clock, new_file, jump in zip(
        p.rec, p.offset, p.size, p.duration_90k, _clock_lines(p.start_us), p.new_file, p.discontinuity, strict=True
    ):
        url = urls[r]
        if jump:
            lines.append("#EXT-X-DISCONTINUITY")
        if new_file:
            lines.append(f'#EXT-X-MAP:URI="{url}",BYTERANGE="{inits[r]}@0"')
        lines.append(f"{clock}\n{extinf[duration]}\n#EXT-X-BYTERANGE:{size}@{offset}\n{url}")
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
