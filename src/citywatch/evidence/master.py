"""Masters: the camera's own stream, stream-copied into one MP4 per continuous span.

A span is a run of GOPs with no break in media time (``pick_segments`` flags a new run or a file
missing from a run as a discontinuity). Each span becomes a ``Clip`` (video/clip.py): the
recorded fragments byte for byte, with ``mfhd``/``tfdt`` renumbered from the span's start and each
fragment's ``prft`` still carrying the UTC time the recorder stamped on it. Nothing is decoded, so
the frames are the recorded frames bit for bit. Per source file, one sequential pass: the small
``prft``+``moof`` headers go through Python to be renumbered, the frames are read straight into
page-aligned buffers that are hashed and written past the page cache on worker threads
(evidence/direct_write.py; docs/design/evidence.md, "The master"). Footage held by another recorder node is read
from it in runs of megabytes (video/media_access.py) and written and hashed the same way.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from citywatch.evidence.direct_write import DirectWriter
from citywatch.evidence.errors import EvidenceError
from citywatch.video.clip import Clip, ClipPart, patch_fragment
from citywatch.video.fmp4 import build_init_segment
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.media_access import EXPORT_READ_AHEAD, MediaReader, default_access
from citywatch.video.mp4box import iter_boxes
from citywatch.video.playlist import Segment, pick_segments
from citywatch.video.recording_query import RecordingRef

__all__ = ["MasterFile", "Span", "split_spans", "write_master"]

_MP4_EPOCH_OFFSET_S = 2_082_844_800  # 1904-01-01 to 1970-01-01
_JOIN_TOLERANCE_US = 500_000  # a larger jump in wall-clock time between GOPs starts a new span

Progress = Callable[[int], None]  # bytes just written


@dataclass(slots=True)
class Span:
    segments: list[Segment] = field(default_factory=list)

    @property
    def start_us(self) -> int:
        return self.segments[0].start_us

    @property
    def end_us(self) -> int:
        return self.segments[-1].end_us

    @property
    def size_estimate(self) -> int:
        return sum(s.size for s in self.segments)


@dataclass(frozen=True, slots=True)
class MasterFile:
    path: Path
    sha256: str
    size_bytes: int
    start_us: int
    end_us: int
    duration_90k: int
    fragments: list[tuple[int, int]]  # (media offset in 90 kHz, UTC µs) of each fragment
    recording_ids: list[int]


def split_spans(recordings: Sequence[RecordingRef], start_us: int, end_us: int) -> list[Span]:
    """GOPs covering ``[start_us, end_us)``, cut wherever media time does not continue."""
    spans: list[Span] = []
    prev: Segment | None = None
    for seg in pick_segments(recordings, start_us, end_us):
        jump = prev is None or seg.discontinuity or seg.start_us - prev.end_us > _JOIN_TOLERANCE_US
        if jump:
            spans.append(Span())
        spans[-1].segments.append(seg)
        prev = seg
    return spans


def _init_of(rec: RecordingRef, reader: MediaReader | None) -> bytes:
    if reader is not None and not reader.is_local(rec):
        return reader.init(rec)
    with rec.file.open("rb") as f:
        return f.read(rec.init_bytes)


def _clip(by_id: dict[int, RecordingRef], span: Span, reader: MediaReader | None = None) -> Clip:
    """The span as a ``Clip`` (same layout video/clip.py serves), from its segments."""
    first = by_id[span.segments[0].recording_id]
    first_init = _init_of(first, reader)
    params = read_layout(first_init).params
    parts: list[ClipPart] = []
    media_90k = 0
    for n, seg in enumerate(span.segments):
        rec = by_id[seg.recording_id]
        parts.append(ClipPart(rec.file, seg.offset, seg.size, n + 1, media_90k, rec))
        media_90k += seg.duration_90k
    init = _stamped(build_init_segment(params, duration_90k=media_90k), span.start_us)
    starts, pos = [], len(init)
    for part in parts:
        starts.append(pos)
        pos += part.size
    return Clip(init, tuple(parts), tuple(starts), pos, media_90k, span.start_us, span.end_us)


def _stamped(init: bytes, start_us: int) -> bytes:
    """The init segment with ``mvhd``/``tkhd``/``mdhd`` creation times set to the span's UTC start (whole seconds).

    Players show it as the file's creation time; the exact time of every fragment is in its ``prft``.
    """
    data = bytearray(init)
    seconds = start_us // 1_000_000 + _MP4_EPOCH_OFFSET_S
    for header in iter_boxes(memoryview(data)):
        if header.kind == b"moov":
            _stamp_boxes(data, header.body_offset, header.end, seconds)
    return bytes(data)


def _stamp_boxes(data: bytearray, start: int, end: int, seconds: int) -> None:
    for box in iter_boxes(memoryview(data), start, end):
        if box.kind in (b"mvhd", b"tkhd", b"mdhd") and data[box.body_offset] == 0:
            struct.pack_into(">II", data, box.body_offset + 4, seconds, seconds)
        elif box.kind in (b"trak", b"mdia"):
            _stamp_boxes(data, box.body_offset, box.end, seconds)


def _check_same_stream(by_id: dict[int, RecordingRef], span: Span, reader: MediaReader | None = None) -> None:
    inits: set[bytes] = set()
    for rid in dict.fromkeys(s.recording_id for s in span.segments):
        inits.add(_init_of(by_id[rid], reader))
    if len(inits) > 1:
        raise EvidenceError("the camera's stream settings change inside this period; export it as two periods")


def _runs(parts: Sequence[ClipPart]) -> list[list[ClipPart]]:
    """Consecutive parts that lie back to back in one file: one mapping and one sequential pass each."""
    runs: list[list[ClipPart]] = []
    for part in parts:
        last = runs[-1][-1] if runs else None
        if last is not None and last.file == part.file and last.offset + last.size == part.offset:
            runs[-1].append(part)
        else:
            runs.append([part])
    return runs


def _header_end(view: memoryview, part: ClipPart) -> int:
    """Where the fragment's unchanged bytes begin (after ``prft`` and ``moof``), relative to ``part.offset``."""
    fragment = view[part.offset : part.offset + part.size]
    for header in iter_boxes(fragment):
        if header.kind == b"moof":
            return header.end
    raise EvidenceError(f"recording {part.file.name} has a fragment without a moof at byte {part.offset}")


def _copy_run(run: list[ClipPart], out: DirectWriter) -> int:
    """Copy one run of fragments (headers patched) into ``out``, which hashes what it writes; return its size."""
    first, size = run[0], sum(p.size for p in run)
    try:
        src = first.file.open("rb", buffering=0)
    except FileNotFoundError as exc:
        raise EvidenceError(f"recording {first.file.name} is gone (deleted?); place a hold and export again") from exc
    with src:
        if os.fstat(src.fileno()).st_size < first.offset + size:
            raise EvidenceError(f"recording {first.file.name} is shorter than its index says; export again")
        os.posix_fadvise(src.fileno(), first.offset, size, os.POSIX_FADV_SEQUENTIAL)
        mapping = mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(mapping)
        try:
            for part in run:
                head_end = _header_end(view, part)
                head = bytearray(view[part.offset : part.offset + head_end])
                patch_fragment(head, part)  # the renumbering video/clip.py serves
                out.write(head)
                out.copy_from(src.fileno(), part.offset + head_end, part.size - head_end)
        finally:
            view.release()
            mapping.close()
    return size


def _copy_remote_run(run: list[ClipPart], out: DirectWriter, reader: MediaReader) -> int:
    """A run held by another node: one ranged read of its bytes, headers patched in memory, written and hashed."""
    first, size = run[0], sum(p.size for p in run)
    assert first.rec is not None
    data = bytearray(reader.read(first.rec, first.offset, size))
    view = memoryview(data)
    for part in run:
        patch_fragment(view[part.offset - first.offset : part.offset - first.offset + part.size], part)
    view.release()
    out.write(data)
    return size


def write_master(
    recordings: Sequence[RecordingRef],
    span: Span,
    out: Path,
    progress: Progress | None = None,
    reader: MediaReader | None = None,
) -> MasterFile:
    """Write one span's MP4 to ``out`` (fsynced once) and return its hash and fragment times.

    Each fragment's ``prft``+``moof`` is read, renumbered and written; the rest (the ``mdat``, i.e.
    every frame) is read into the output's aligned buffers with ``preadv``, never into Python objects.
    Each full buffer is hashed and written (``O_DIRECT``) on worker threads while the next fills.
    """
    by_id = {r.id: r for r in recordings}
    if reader is None and any(not default_access().is_local(r.node) for r in recordings):
        reader = default_access().reader(EXPORT_READ_AHEAD)
    _check_same_stream(by_id, span, reader)
    clip = _clip(by_id, span, reader)
    out.parent.mkdir(parents=True, exist_ok=True)
    with DirectWriter(out) as sink:  # fsynced once, at the end
        sink.write(clip.init)
        for run in _runs(clip.parts):
            rec = run[0].rec
            if reader is not None and rec is not None and not reader.is_local(rec):
                written = _copy_remote_run(run, sink, reader)
            else:
                written = _copy_run(run, sink)
            if progress is not None:
                progress(written)
    if out.stat().st_size != clip.size:
        raise EvidenceError(f"{out.name} came out at {out.stat().st_size} bytes, not {clip.size}; export again")
    fragments = [(part.tfdt_90k, seg.start_us) for part, seg in zip(clip.parts, span.segments, strict=True)]
    return MasterFile(
        out,
        sink.sha256,
        clip.size,
        span.start_us,
        span.end_us,
        clip.duration_90k,
        fragments,
        list(dict.fromkeys(s.recording_id for s in span.segments)),
    )
