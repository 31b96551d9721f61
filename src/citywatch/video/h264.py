"""H.264 bitstream helpers: Annex B <-> AVCC, emulation prevention, SPS fields.

Only what recording and the virtual cameras need; decoding is left to FFmpeg.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "NAL_IDR",
    "NAL_PPS",
    "NAL_SEI",
    "NAL_SLICE",
    "NAL_SPS",
    "AvcParams",
    "H264Error",
    "add_emulation_prevention",
    "annexb_to_avcc",
    "avcc_nal_units",
    "iter_annexb_nal_units",
    "nal_type",
    "parse_sps",
    "remove_emulation_prevention",
]

NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8

_START_CODE = re.compile(b"\x00\x00\x01")
_EMULATION = re.compile(b"\x00\x00(?=[\x00-\x03])")


class H264Error(ValueError):
    """The bytes are not the H.264 the caller expected."""


def nal_type(nal: bytes | memoryview) -> int:
    return nal[0] & 0x1F


def iter_annexb_nal_units(data: bytes) -> Iterator[bytes]:
    """Split an Annex B byte stream on its start codes (3- or 4-byte), dropping zero padding."""
    starts = [m.end() for m in _START_CODE.finditer(data)]
    if not starts:
        if data:
            yield data
        return
    for i, start in enumerate(starts):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        # A 4-byte start code (or trailing_zero_8bits) leaves zeros before the next 00 00 01.
        while end > start and data[end - 1] == 0:
            end -= 1
        if end > start:
            yield data[start:end]


def annexb_to_avcc(data: bytes) -> bytes:
    """Convert one access unit from Annex B to 4-byte length-prefixed NAL units (as MP4 stores them)."""
    if not data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
        # Already length-prefixed (some demuxers hand out AVCC): keep as it is.
        return data
    parts: list[bytes] = []
    for nal in iter_annexb_nal_units(data):
        parts.append(struct.pack(">I", len(nal)))
        parts.append(nal)
    return b"".join(parts)


def avcc_nal_units(data: bytes | memoryview) -> Iterator[memoryview]:
    """Iterate over the NAL units of a 4-byte length-prefixed access unit."""
    view = memoryview(data)
    pos = 0
    while pos + 4 <= len(view):
        (size,) = struct.unpack_from(">I", view, pos)
        pos += 4
        if size == 0 or pos + size > len(view):
            raise H264Error(f"NAL unit length {size} at byte {pos - 4} runs past the access unit")
        yield view[pos : pos + size]
        pos += size
    if pos != len(view):
        raise H264Error(f"{len(view) - pos} trailing bytes after the last NAL unit")


def add_emulation_prevention(rbsp: bytes) -> bytes:
    """Insert 0x03 after every 00 00 followed by 00..03 (H.264 7.4.1)."""
    return _EMULATION.sub(b"\x00\x00\x03", rbsp)


def remove_emulation_prevention(ebsp: bytes | memoryview) -> bytes:
    return bytes(ebsp).replace(b"\x00\x00\x03", b"\x00\x00")


class _BitReader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def bit(self) -> int:
        byte = self._pos >> 3
        if byte >= len(self._data):
            raise H264Error("SPS ended early")
        value = (self._data[byte] >> (7 - (self._pos & 7))) & 1
        self._pos += 1
        return value

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise H264Error("malformed Exp-Golomb code in SPS")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


@dataclass(frozen=True, slots=True)
class AvcParams:
    """What an MP4 init segment and an HLS CODECS attribute need to know about a stream."""

    sps: bytes
    pps: bytes
    width: int
    height: int
    profile_idc: int
    constraint_flags: int
    level_idc: int

    @property
    def codec_string(self) -> str:
        """RFC 6381 codec string, e.g. ``avc1.640028``."""
        return f"avc1.{self.profile_idc:02x}{self.constraint_flags:02x}{self.level_idc:02x}"

    @classmethod
    def from_nal_units(cls, nals: Iterable[bytes | memoryview]) -> AvcParams:
        sps = pps = None
        for nal in nals:
            kind = nal_type(nal)
            if kind == NAL_SPS and sps is None:
                sps = bytes(nal)
            elif kind == NAL_PPS and pps is None:
                pps = bytes(nal)
        if sps is None or pps is None:
            raise H264Error("no SPS/PPS in the stream parameters")
        return parse_sps(sps, pps)


def _skip_scaling_list(reader: _BitReader, size: int) -> None:
    last = nxt = 8
    for _ in range(size):
        if nxt != 0:
            nxt = (last + reader.se() + 256) % 256
        last = nxt if nxt != 0 else last


def parse_sps(sps: bytes, pps: bytes) -> AvcParams:
    """Read profile, level and picture size from an SPS NAL unit (with its header byte)."""
    if len(sps) < 4 or nal_type(sps) != NAL_SPS:
        raise H264Error("not an SPS NAL unit")
    rbsp = remove_emulation_prevention(sps[1:])
    profile_idc, constraints, level_idc = rbsp[0], rbsp[1], rbsp[2]
    r = _BitReader(rbsp[3:])
    r.ue()  # seq_parameter_set_id
    chroma_format_idc = 1
    if profile_idc in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        chroma_format_idc = r.ue()
        if chroma_format_idc == 3:
            r.bit()
        r.ue()
        r.ue()
        r.bit()
        if r.bit():  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma_format_idc != 3 else 12):
                if r.bit():
                    _skip_scaling_list(r, 16 if i < 6 else 64)
    r.ue()  # log2_max_frame_num_minus4
    poc_type = r.ue()
    if poc_type == 0:
        r.ue()
    elif poc_type == 1:
        r.bit()
        r.se()
        r.se()
        for _ in range(r.ue()):
            r.se()
    r.ue()  # max_num_ref_frames
    r.bit()
    width_mbs = r.ue() + 1
    height_map_units = r.ue() + 1
    frame_mbs_only = r.bit()
    if not frame_mbs_only:
        r.bit()
    r.bit()  # direct_8x8_inference_flag
    crop_l = crop_r = crop_t = crop_b = 0
    if r.bit():
        crop_l, crop_r, crop_t, crop_b = r.ue(), r.ue(), r.ue(), r.ue()
    sub_w = 2 if chroma_format_idc in (1, 2) else 1
    sub_h = 2 if chroma_format_idc == 1 else 1
    if chroma_format_idc == 0:
        sub_w = sub_h = 1
    height_mul = 2 - frame_mbs_only
    width = width_mbs * 16 - sub_w * (crop_l + crop_r)
    height = height_map_units * 16 * height_mul - sub_h * height_mul * (crop_t + crop_b)
    return AvcParams(sps, pps, width, height, profile_idc, constraints, level_idc)
