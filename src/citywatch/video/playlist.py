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
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

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

    rec: Ints  # index into the recordings given
    offset: Ints
    size: Ints
    duration_90k: Ints
    start_us: Ints
    end_us: Ints
    new_file: npt.NDArray[np.bool_]
    discontinuity: npt.NDArray[np.bool_]


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
        z, no = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        return _Picked(z, z, z, z, z, z, no, no)
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
        seg_rec,
        t.offset[chosen][first],
        np.add.reduceat(t.size[chosen], first),
        np.add.reduceat(duration, first),
        t.start_us[chosen][first],
        t.end_us[chosen][last],
        new_file,
        jump,
    )


def pick_segments(
    recordings: Sequence[RecordingRef], start_us: int, end_us: int, *, min_duration_90k: int = 0
) -> list[Segment]:
    """GOPs from the one showing ``start_us`` (or the first after, in a gap) to the last starting before ``end_us``.

    With ``min_duration_90k``, consecutive GOPs of one file are joined into segments of at least that
    length (still one byte range starting with a keyframe): fewer, longer HLS segments.
    """
    p = _pick(recordings, start_us, end_us, min_duration_90k)
    columns = (p.offset, p.size, p.duration_90k, p.start_us, p.end_us, p.new_file, p.discontinuity)
    return [
        Segment(recordings[r].id, recordings[r].init_bytes, *rest)
        for r, *rest in zip(p.rec.tolist(), *(c.tolist() for c in columns), strict=True)
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


def _offset_s(
    starts_us: Sequence[int], ends_us: Sequence[int], durations_90k: Sequence[int], at_us: int, elapsed_90k: int = 0
) -> float:
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


# Clock text by parts, made once: the playlist's text is assembled from these by index, not formatted per segment.
_HOURS = np.array([f"{h:02d}:" for h in range(24)], dtype=object)
_MINUTES_SECONDS = np.array([f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)], dtype=object)
_MILLIS = np.array([f".{ms:03d}Z" for ms in range(1000)], dtype=object)
# One segment of a VOD playlist: lead (discontinuity/map lines or ""), clock in four parts, EXTINF, byte range, URI.
_SEGMENT = "%s#EXT-X-PROGRAM-DATE-TIME:%s%s%s%s\n%s\n#EXT-X-BYTERANGE:%d@%d\n%s\n"
_SEGMENT_FIELDS = 9


def _lookup(values: Ints) -> tuple[Ints, Ints]:
    """Distinct values and, per element, the index of its value among them (to format each distinct one once)."""
    distinct, where = np.unique(values, return_inverse=True)
    return distinct, where.reshape(-1)


def _segments_text(recordings: Sequence[RecordingRef], p: _Picked) -> str:
    """All segment lines in one ``%`` over a flat argument list: per segment only array lookups, no Python loop.

    The same text ``_segment_lines`` writes for ``Segment`` objects (``tests/video/test_gop_table.py``).
    """
    n = p.rec.size
    urls = np.array([media_url(r.id) for r in recordings], dtype=object)
    seg_urls = urls[p.rec]
    lead = np.full(n, "", dtype=object)
    for i in np.flatnonzero(p.new_file | p.discontinuity).tolist():
        url = seg_urls[i]
        jump = "#EXT-X-DISCONTINUITY\n" if p.discontinuity[i] else ""
        init = recordings[int(p.rec[i])].init_bytes
        lead[i] = jump + (f'#EXT-X-MAP:URI="{url}",BYTERANGE="{init}@0"\n' if p.new_file[i] else "")
    seconds, micros = np.divmod(p.start_us, 1_000_000)
    day, in_day = np.divmod(seconds, 86_400)
    days, day_at = _lookup(day)
    prefixes = np.array([program_date_time(int(d) * 86_400_000_000)[:11] for d in days.tolist()], dtype=object)
    durations, duration_at = _lookup(p.duration_90k)
    extinf = np.array([f"#EXTINF:{d / 90_000:.5f}," for d in durations.tolist()], dtype=object)
    args: list[object] = [None] * (n * _SEGMENT_FIELDS)
    for k, column in enumerate(
        (
            lead,
            prefixes[day_at],
            _HOURS[in_day // 3600],
            _MINUTES_SECONDS[in_day % 3600],
            _MILLIS[micros // 1000],
            extinf[duration_at],
            p.size,
            p.offset,
            seg_urls,
        )
    ):
        args[k::_SEGMENT_FIELDS] = column.tolist()
    return (_SEGMENT * n) % tuple(args)


def vod_playlist(
    recordings: Sequence[RecordingRef], start_us: int, end_us: int, *, min_duration_90k: int = PLAYLIST_SEGMENT_90K
) -> str | None:
    """``render_vod(pick_segments(...))`` without a ``Segment`` per line: the playback.m3u8 hot path.

    Returns None when no GOP lies in the range.
    """
    p = _pick(recordings, start_us, end_us, min_duration_90k)
    if not p.rec.size:
        return None
    target_s = max(1, math.ceil(int(p.duration_90k.max()) / 90_000))
    after = np.flatnonzero(p.end_us > start_us)  # where start lies: the first segment ending after it
    offset_s = _offset_s(
        p.start_us[after[:1]].tolist(),
        p.end_us[after[:1]].tolist(),
        p.duration_90k[after[:1]].tolist(),
        start_us,
        int(p.duration_90k[: after[0]].sum()) if after.size else int(p.duration_90k.sum()),
    )
    header = "\n".join(_vod_header(target_s, offset_s))
    return f"{header}\n{_segments_text(recordings, p)}#EXT-X-ENDLIST\n"


def render_live(
    segments: Sequence[Segment], media_sequence: int, discontinuity_sequence: int, run_numbers: Sequence[int]
) -> str:
    """A sliding-window live playlist (no ``EXT-X-ENDLIST``) over the newest GOPs.

    ``run_numbers`` gives each segment's discontinuity sequence number (one per run): where it
    changes, an ``EXT-X-DISCONTINUITY`` is written; the first segment's is the playlist's
    ``EXT-X-DISCONTINUITY-SEQUENCE``. Every file's init segment is re-stated at its first segment.
    """
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{_target_duration(segments)}",
        f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    marked = [
        replace(seg, new_file=seg.new_file or i == 0, discontinuity=i > 0 and run_numbers[i] != run_numbers[i - 1])
        for i, seg in enumerate(segments)
    ]
    lines += _segment_lines(marked)
    return "\n".join(lines) + "\n"
