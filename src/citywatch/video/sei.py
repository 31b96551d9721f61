"""Capture-time SEI: every virtual-camera frame says when it was captured.

Format (documented in docs/design/recording.md, "Capture-time SEI"): an H.264 SEI NAL unit
(type 6) holding one ``user_data_unregistered`` message (payload type 5) of 32 bytes:

    16 bytes  CAPTURE_TIME_UUID
     8 bytes  capture time, microseconds since 1970-01-01T00:00:00Z, big-endian signed
     8 bytes  frame number since the camera started, big-endian unsigned

followed by the RBSP stop bit (0x80), with emulation prevention applied. Any tool that can
list SEI messages (ffprobe -show_frames, PyAV side data, this module) can check end-to-end
time accuracy without trusting the recorder.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from citywatch.video.h264 import (
    NAL_SEI,
    add_emulation_prevention,
    nal_type,
    remove_emulation_prevention,
)

__all__ = ["CAPTURE_TIME_UUID", "CaptureStamp", "find_capture_stamp", "make_capture_sei", "parse_capture_sei"]

CAPTURE_TIME_UUID = uuid.UUID("6a1c2f3e-8d47-4c1b-9b7e-0c17e3a7c0de")
_PAYLOAD_TYPE_USER_DATA_UNREGISTERED = 5
_BODY = struct.Struct(">qQ")
_PAYLOAD_SIZE = 16 + _BODY.size


@dataclass(frozen=True, slots=True)
class CaptureStamp:
    capture_us: int
    frame_no: int


def make_capture_sei(capture_us: int, frame_no: int) -> bytes:
    """The SEI NAL unit (header byte included, no start code) for one frame."""
    payload = CAPTURE_TIME_UUID.bytes + _BODY.pack(capture_us, frame_no)
    rbsp = bytes([_PAYLOAD_TYPE_USER_DATA_UNREGISTERED, _PAYLOAD_SIZE]) + payload + b"\x80"
    return bytes([NAL_SEI]) + add_emulation_prevention(rbsp)


def parse_capture_sei(nal: bytes | memoryview) -> CaptureStamp | None:
    """The stamp in one SEI NAL unit, or None when it carries no capture-time message."""
    if not nal or nal_type(nal) != NAL_SEI:
        return None
    rbsp = remove_emulation_prevention(nal[1:])
    pos = 0
    while pos < len(rbsp) and rbsp[pos] != 0x80:
        ptype = 0
        while pos < len(rbsp) and rbsp[pos] == 0xFF:
            ptype += 255
            pos += 1
        if pos >= len(rbsp):
            return None
        ptype += rbsp[pos]
        pos += 1
        psize = 0
        while pos < len(rbsp) and rbsp[pos] == 0xFF:
            psize += 255
            pos += 1
        if pos >= len(rbsp):
            return None
        psize += rbsp[pos]
        pos += 1
        body = rbsp[pos : pos + psize]
        if (
            ptype == _PAYLOAD_TYPE_USER_DATA_UNREGISTERED
            and psize == _PAYLOAD_SIZE
            and body[:16] == CAPTURE_TIME_UUID.bytes
        ):
            capture_us, frame_no = _BODY.unpack_from(body, 16)
            return CaptureStamp(capture_us, frame_no)
        pos += psize
    return None


def find_capture_stamp(nals: Iterable[bytes | memoryview]) -> CaptureStamp | None:
    """The first capture stamp among an access unit's NAL units."""
    for nal in nals:
        stamp = parse_capture_sei(nal)
        if stamp is not None:
            return stamp
    return None
