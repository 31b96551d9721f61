"""Reads back what fmp4.py writes: for start-up repair, for tests, and for the clip builder."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from citywatch.video.fmp4 import unix_us_from_ntp
from citywatch.video.h264 import AvcParams, parse_sps
from citywatch.video.mp4box import BoxHeader, Mp4Error, iter_boxes

__all__ = ["Fragment", "RecordingLayout", "read_layout"]


@dataclass(frozen=True, slots=True)
class Fragment:
    offset: int  # first byte (of prft, or of moof when there is none)
    size: int  # through the end of mdat
    base_media_decode_time_90k: int
    durations_90k: tuple[int, ...]
    sizes: tuple[int, ...]
    wall_clock_us: int | None
    mdat_payload_offset: int

    @property
    def duration_90k(self) -> int:
        return sum(self.durations_90k)

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True, slots=True)
class RecordingLayout:
    init_size: int
    params: AvcParams
    fragments: tuple[Fragment, ...]
    complete_size: int  # bytes up to the end of the last complete fragment
    file_size: int


def _child(data: bytes, parent: BoxHeader, kind: bytes) -> BoxHeader:
    for child in iter_boxes(data, parent.body_offset, parent.end):
        if child.kind == kind:
            return child
    raise Mp4Error(f"no {kind.decode()} box inside {parent.kind.decode()} at byte {parent.offset}")


def _params_from_moov(data: bytes, moov: BoxHeader) -> AvcParams:
    stbl = moov
    for kind in (b"trak", b"mdia", b"minf", b"stbl"):
        stbl = _child(data, stbl, kind)
    stsd = _child(data, stbl, b"stsd")
    avc1_offset = stsd.body_offset + 8
    avc1 = next(iter_boxes(data, avc1_offset, stsd.end))
    avcc = next(b for b in iter_boxes(data, avc1.body_offset + 78, avc1.end) if b.kind == b"avcC")
    pos = avcc.body_offset + 5
    pos += 1
    (sps_len,) = struct.unpack_from(">H", data, pos)
    sps = data[pos + 2 : pos + 2 + sps_len]
    pos += 2 + sps_len + 1
    (pps_len,) = struct.unpack_from(">H", data, pos)
    pps = data[pos + 2 : pos + 2 + pps_len]
    return parse_sps(bytes(sps), bytes(pps))


def _parse_moof(data: bytes, moof: BoxHeader) -> tuple[int, tuple[int, ...], tuple[int, ...], int]:
    traf = _child(data, moof, b"traf")
    tfdt = _child(data, traf, b"tfdt")
    version = data[tfdt.body_offset]
    if version == 1:
        (base,) = struct.unpack_from(">Q", data, tfdt.body_offset + 4)
    else:
        (base,) = struct.unpack_from(">I", data, tfdt.body_offset + 4)
    trun = _child(data, traf, b"trun")
    (vflags,) = struct.unpack_from(">I", data, trun.body_offset)
    flags = vflags & 0xFFFFFF
    (count,) = struct.unpack_from(">I", data, trun.body_offset + 4)
    pos = trun.body_offset + 8
    data_offset = 0
    if flags & 0x1:
        (data_offset,) = struct.unpack_from(">i", data, pos)
        pos += 4
    if flags & 0x4:
        pos += 4
    fields = [f for f in (0x100, 0x200, 0x400, 0x800) if flags & f]
    if 0x100 not in fields or 0x200 not in fields:
        raise Mp4Error(f"fragment at byte {moof.offset} lacks per-sample durations or sizes")
    values = struct.unpack_from(f">{count * len(fields)}I", data, pos)
    width = len(fields)
    di, si = fields.index(0x100), fields.index(0x200)
    durations = tuple(values[i * width + di] for i in range(count))
    sizes = tuple(values[i * width + si] for i in range(count))
    return base, durations, sizes, data_offset


def read_layout(data: bytes) -> RecordingLayout:
    """Index a recording file; a torn last fragment is left out of ``fragments`` and ``complete_size``."""
    boxes = iter_boxes(data)
    ftyp = next(boxes, None)
    moov = next(boxes, None)
    if ftyp is None or ftyp.kind != b"ftyp" or moov is None or moov.kind != b"moov":
        raise Mp4Error("file does not start with a complete ftyp + moov init segment")
    params = _params_from_moov(data, moov)
    fragments: list[Fragment] = []
    pending_prft: BoxHeader | None = None
    pending_moof: BoxHeader | None = None
    for header in boxes:
        if header.kind == b"prft":
            pending_prft = header
        elif header.kind == b"moof":
            pending_moof = header
        elif header.kind == b"mdat" and pending_moof is not None:
            base, durations, sizes, data_offset = _parse_moof(data, pending_moof)
            if data_offset and pending_moof.offset + data_offset != header.body_offset:
                raise Mp4Error(f"fragment at byte {pending_moof.offset} points outside its mdat")
            if sum(sizes) != header.size - header.header_size:
                raise Mp4Error(f"fragment at byte {pending_moof.offset}: sample sizes do not add up to mdat")
            wall = None
            start = pending_moof.offset
            if pending_prft is not None and pending_prft.end == pending_moof.offset:
                (ntp,) = struct.unpack_from(">Q", data, pending_prft.body_offset + 8)
                wall = unix_us_from_ntp(ntp)
                start = pending_prft.offset
            fragments.append(Fragment(start, header.end - start, base, durations, sizes, wall, header.body_offset))
            pending_prft = pending_moof = None
    complete = fragments[-1].end if fragments else moov.end
    return RecordingLayout(moov.end, params, tuple(fragments), complete, len(data))
