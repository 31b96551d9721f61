"""Fragmented MP4 as the recorder writes it: one init segment, then one fragment per GOP.

A fragment is ``prft`` (the wall-clock time of its first frame, so a file alone says when it was
recorded), ``moof`` and ``mdat``, written with a single ``write``. The media timescale is 90 kHz,
the RTP clock of H.264, so durations are copied from the camera without rounding.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from citywatch.video.h264 import AvcParams
from citywatch.video.mp4box import box, full_box

__all__ = [
    "TIMESCALE",
    "TRACK_ID",
    "Sample",
    "build_fragment",
    "build_init_segment",
    "ntp_from_unix_us",
    "unix_us_from_ntp",
]

TIMESCALE = 90_000
TRACK_ID = 1
_NTP_UNIX_OFFSET_S = 2_208_988_800
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_SAMPLE_SYNC = 0x02000000  # depends on no other sample
_SAMPLE_NON_SYNC = 0x01010000  # depends on others, is not a sync sample


@dataclass(frozen=True, slots=True)
class Sample:
    """One access unit in AVCC form, with its duration and composition offset in 90 kHz units."""

    data: bytes
    duration_90k: int
    cts_offset_90k: int = 0


def ntp_from_unix_us(unix_us: int) -> int:
    seconds, micros = divmod(unix_us, 1_000_000)
    return ((seconds + _NTP_UNIX_OFFSET_S) << 32) | ((micros << 32) // 1_000_000)


def unix_us_from_ntp(ntp: int) -> int:
    seconds = (ntp >> 32) - _NTP_UNIX_OFFSET_S
    micros = ((ntp & 0xFFFFFFFF) * 1_000_000 + (1 << 31)) >> 32
    return seconds * 1_000_000 + micros


def _avc_sample_entry(params: AvcParams) -> bytes:
    avcc = box(
        b"avcC",
        bytes([1, params.profile_idc, params.constraint_flags, params.level_idc, 0xFF, 0xE1]),
        struct.pack(">H", len(params.sps)),
        params.sps,
        b"\x01",
        struct.pack(">H", len(params.pps)),
        params.pps,
    )
    return box(
        b"avc1",
        bytes(6),
        struct.pack(">H", 1),  # data_reference_index
        bytes(16),
        struct.pack(">HH", params.width, params.height),
        struct.pack(">II", 0x00480000, 0x00480000),  # 72 dpi
        bytes(4),
        struct.pack(">H", 1),  # frame_count
        bytes(32),  # compressorname
        struct.pack(">Hh", 0x0018, -1),
        avcc,
    )


def build_init_segment(params: AvcParams, *, duration_90k: int = 0) -> bytes:
    """``ftyp`` + ``moov`` for one H.264 track. ``duration_90k`` > 0 adds ``mehd`` (a clip's length)."""
    ftyp = box(b"ftyp", b"iso6", struct.pack(">I", 0), b"iso6isomavc1mp41")
    mvhd = full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, TIMESCALE, duration_90k),
        struct.pack(">IH", 0x00010000, 0x0100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack(">I", TRACK_ID + 1),
    )
    tkhd = full_box(
        b"tkhd",
        0,
        0x3,
        struct.pack(">IIII", 0, 0, TRACK_ID, 0),
        struct.pack(">I", duration_90k),
        bytes(8),
        struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", params.width << 16, params.height << 16),
    )
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, duration_90k, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"citywatch video\x00")
    vmhd = full_box(b"vmhd", 0, 1, bytes(8))
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack(">I", 1), _avc_sample_entry(params)),
        full_box(b"stts", 0, 0, bytes(4)),
        full_box(b"stsc", 0, 0, bytes(4)),
        full_box(b"stsz", 0, 0, bytes(8)),
        full_box(b"stco", 0, 0, bytes(4)),
    )
    trak = box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, box(b"minf", vmhd, dinf, stbl)))
    trex = full_box(b"trex", 0, 0, struct.pack(">IIIII", TRACK_ID, 1, 0, 0, 0))
    mvex_parts = [trex]
    if duration_90k:
        mvex_parts.insert(0, full_box(b"mehd", 1, 0, struct.pack(">Q", duration_90k)))
    moov = box(b"moov", mvhd, trak, box(b"mvex", *mvex_parts))
    return ftyp + moov


def build_fragment(
    sequence: int,
    base_media_decode_time_90k: int,
    samples: Sequence[Sample],
    *,
    wall_clock_us: int | None = None,
) -> bytes:
    """``[prft] moof mdat`` for one GOP. The first sample must be a keyframe."""
    if not samples:
        raise ValueError("a fragment needs at least one sample")
    with_cts = any(s.cts_offset_90k for s in samples)
    trun_flags = 0x000001 | 0x000004 | 0x000100 | 0x000200 | (0x000800 if with_cts else 0)
    per_sample: list[int] = []
    for s in samples:
        per_sample += (s.duration_90k, len(s.data))
        if with_cts:
            per_sample.append(s.cts_offset_90k & 0xFFFFFFFF)
    entries = struct.pack(f">{len(per_sample)}I", *per_sample)
    tfhd = full_box(b"tfhd", 0, 0x020000 | 0x000020, struct.pack(">II", TRACK_ID, _SAMPLE_NON_SYNC))
    tfdt = full_box(b"tfdt", 1, 0, struct.pack(">Q", base_media_decode_time_90k))
    trun_len = 12 + 12 + len(entries)
    traf_len = 8 + len(tfhd) + len(tfdt) + trun_len
    moof_len = 8 + 16 + traf_len
    data_offset = moof_len + 8  # from the start of moof to the first byte of mdat's payload
    trun = full_box(
        b"trun",
        1 if with_cts else 0,
        trun_flags,
        struct.pack(">IiI", len(samples), data_offset, _SAMPLE_SYNC),
        entries,
    )
    moof = box(b"moof", full_box(b"mfhd", 0, 0, struct.pack(">I", sequence)), box(b"traf", tfhd, tfdt, trun))
    assert len(moof) == moof_len
    payload = b"".join(s.data for s in samples)
    mdat_header = struct.pack(">I4s", 8 + len(payload), b"mdat")
    prft = b""
    if wall_clock_us is not None:
        prft = full_box(
            b"prft",
            1,
            0,
            struct.pack(">IQQ", TRACK_ID, ntp_from_unix_us(wall_clock_us), base_media_decode_time_90k),
        )
    return prft + moof + mdat_header + payload
