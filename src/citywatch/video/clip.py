"""A clip as one MP4 made on request from recorded fragments: nothing copied, nothing re-encoded.

Layout: one init segment (``ftyp`` + ``moov`` whose ``mvhd``/``tkhd``/``mdhd`` durations and
``mehd`` give the clip's length), then the recorded fragments in order. Each fragment's header is
patched in place (same size) so that ``mfhd`` sequence numbers count up from 1 and ``tfdt`` (and
``prft``'s media time) continue without a jump across files and across gaps; the ``mdat`` bytes are
served straight from the files. Fragmented MP4 was chosen over a progressive ``moov`` with full
sample tables because the clip's size and every byte's source are known from the GOP index alone,
so ``Content-Length`` and any ``Range`` are answered without reading the files first, and the
first byte goes out at once even for a 24-hour clip. Gaps are left out of the clip's media time;
each fragment's ``prft`` still carries its wall-clock time.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from citywatch.video.fmp4 import build_init_segment
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.media_access import MediaReader, read_file_range
from citywatch.video.mp4box import Mp4Error, iter_boxes
from citywatch.video.playback_errors import NoFootage
from citywatch.video.playlist import pick_segments
from citywatch.video.recording_query import RecordingRef

__all__ = ["Clip", "ClipPart", "build_clip", "patch_fragment"]


@dataclass(frozen=True, slots=True)
class ClipPart:
    file: Path
    offset: int
    size: int
    sequence: int
    tfdt_90k: int
    rec: RecordingRef | None = None  # set where the bytes may live on another node


@dataclass(frozen=True, slots=True)
class Clip:
    init: bytes
    parts: tuple[ClipPart, ...]
    starts: tuple[int, ...]  # byte position of each part in the clip
    size: int
    duration_90k: int
    start_us: int
    end_us: int
    reader: MediaReader | None = None  # None: every part is a local file

    def iter_range(self, first: int, last: int) -> Iterator[bytes]:
        """Bytes ``first..last`` (inclusive) of the clip."""
        if first < len(self.init):
            yield self.init[first : last + 1]
        if last < len(self.init):
            return
        i = max(0, bisect.bisect_right(self.starts, first) - 1)
        while i < len(self.parts) and self.starts[i] <= last:
            part, pos = self.parts[i], self.starts[i]
            data = _patched_fragment(part, self.reader)
            lo, hi = max(first - pos, 0), min(last - pos, part.size - 1)
            yield data[lo : hi + 1]
            i += 1


def _patched_fragment(part: ClipPart, reader: MediaReader | None) -> bytes:
    if reader is not None and part.rec is not None:
        data = bytearray(reader.read(part.rec, part.offset, part.size))
    else:
        data = bytearray(read_file_range(part.file, part.offset, part.size))
    patch_fragment(data, part)
    return bytes(data)


def patch_fragment(data: bytearray | memoryview, part: ClipPart) -> None:
    """Renumber one recorded fragment (``data``, read from ``part``) in place for its place in the clip."""
    for header in iter_boxes(memoryview(data)):
        if header.kind == b"prft" and data[header.body_offset] == 1:
            struct.pack_into(">Q", data, header.body_offset + 16, part.tfdt_90k)
        elif header.kind == b"moof":
            for child in iter_boxes(memoryview(data), header.body_offset, header.end):
                if child.kind == b"mfhd":
                    struct.pack_into(">I", data, child.body_offset + 4, part.sequence)
                elif child.kind == b"traf":
                    _patch_tfdt(data, child.body_offset, child.end, part.tfdt_90k)
            break


def _patch_tfdt(data: bytearray | memoryview, start: int, end: int, tfdt_90k: int) -> None:
    for box in iter_boxes(memoryview(data), start, end):
        if box.kind == b"tfdt":
            if data[box.body_offset] != 1:
                raise Mp4Error("tfdt version 0 cannot be rewritten in place")
            struct.pack_into(">Q", data, box.body_offset + 4, tfdt_90k)
            return


def build_clip(
    recordings: Sequence[RecordingRef], start_us: int, end_us: int, reader: MediaReader | None = None
) -> Clip:
    """The clip of ``[start_us, end_us)``; with ``reader``, recordings held by other nodes are read through it."""

    def init_of(rec: RecordingRef, fresh: bool = False) -> bytes:
        return read_file_range(rec.file, 0, rec.init_bytes) if reader is None else reader.init(rec, fresh=fresh)

    segments = pick_segments(recordings, start_us, end_us)
    if not segments:
        raise NoFootage("nothing was recorded in that period; pick times inside a span of the timeline")
    by_id = {r.id: r for r in recordings}
    first = by_id[segments[0].recording_id]
    first_init = init_of(first, fresh=True)  # remote: the node answers now, before the response starts
    parts: list[ClipPart] = []
    starts: list[int] = []
    checked: set[int] = {first.id}
    media_90k = 0
    for n, seg in enumerate(segments):
        rec = by_id[seg.recording_id]
        if rec.id not in checked:
            if init_of(rec) != first_init:
                raise NoFootage(
                    "the camera's stream settings (resolution or codec) change inside this period; "
                    "export it as two clips split at that time"
                )
            checked.add(rec.id)
        parts.append(ClipPart(rec.file, seg.offset, seg.size, n + 1, media_90k, rec if reader is not None else None))
        media_90k += seg.duration_90k
    params = read_layout(first_init).params
    init = build_init_segment(params, duration_90k=media_90k)
    pos = len(init)
    for part in parts:
        starts.append(pos)
        pos += part.size
    return Clip(init, tuple(parts), tuple(starts), pos, media_90k, segments[0].start_us, segments[-1].end_us, reader)
