from __future__ import annotations

import struct

import pytest

from citywatch.video.h264 import avcc_nal_units
from citywatch.video.rtp_h264 import H264Depacketizer, RtpError


def rtp(seq: int, ts: int, payload: bytes, *, marker: bool = False, csrc: int = 0, pad: int = 0) -> bytes:
    b0 = 0x80 | csrc | (0x20 if pad else 0)
    header = struct.pack(">BBHII", b0, (0x80 if marker else 0) | 96, seq & 0xFFFF, ts & 0xFFFFFFFF, 7)
    return header + bytes(4 * csrc) + payload + (bytes(pad - 1) + bytes([pad]) if pad else b"")


SPS = bytes([0x67, 0x42, 0x00, 0x1E, 0xAB])
PPS = bytes([0x68, 0xCE, 0x3C, 0x80])
IDR = bytes([0x65]) + bytes(range(200)) * 10


def fu_a(nal: bytes, size: int) -> list[bytes]:
    body = nal[1:]
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    out = []
    for i, chunk in enumerate(chunks):
        header = (0x80 if i == 0 else 0) | (0x40 if i == len(chunks) - 1 else 0) | (nal[0] & 0x1F)
        out.append(bytes([(nal[0] & 0xE0) | 28, header]) + chunk)
    return out


def test_stap_a_and_fu_a_make_one_keyframe_with_parameter_sets() -> None:
    d = H264Depacketizer()
    stap = bytes([24]) + struct.pack(">H", len(SPS)) + SPS + struct.pack(">H", len(PPS)) + PPS
    units = d.push(rtp(1, 9000, stap))
    fragments = fu_a(IDR, 300)
    for i, frag in enumerate(fragments):
        units += d.push(rtp(2 + i, 9000, frag, marker=i == len(fragments) - 1, csrc=1 if i == 1 else 0, pad=3))
    assert len(units) == 1
    unit = units[0]
    assert unit.key and unit.sps == SPS and unit.pps == PPS and not unit.damaged
    assert [bytes(n) for n in avcc_nal_units(unit.data)] == [SPS, PPS, IDR]
    assert unit.timestamp == 9000


def test_a_missing_marker_is_recovered_from_the_timestamp_change() -> None:
    d = H264Depacketizer()
    assert d.push(rtp(1, 0, bytes([0x41, 1, 2, 3]))) == []
    units = d.push(rtp(2, 3600, bytes([0x41, 4, 5, 6]), marker=True))
    assert [u.timestamp for u in units] == [0, 3600]


def test_a_frame_with_lost_fragments_is_dropped_and_timestamps_unwrap() -> None:
    d = H264Depacketizer()
    frags = fu_a(IDR, 500)
    d.push(rtp(65534, 0xFFFFF000, frags[0]))
    units = d.push(rtp(1, 0xFFFFF000, frags[-1], marker=True))  # 65535 and 0 went missing
    assert units == [], "a NAL unit missing fragments is dropped, never passed on torn"
    later = d.push(rtp(2, 0x00000E10, bytes([0x41, 9]), marker=True))
    assert later[0].timestamp == 0xFFFFF000 + 0x1E10  # past the 32-bit wrap, still increasing
    assert d.sequence_gaps == 1


def test_not_rtp_is_an_error() -> None:
    with pytest.raises(RtpError):
        H264Depacketizer().push(b"\x00" * 20)
    with pytest.raises(RtpError):
        H264Depacketizer().push(b"\x80\x60")
