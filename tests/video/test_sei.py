from __future__ import annotations

import pytest

from citywatch.video.h264 import NAL_SEI, add_emulation_prevention, nal_type, remove_emulation_prevention
from citywatch.video.sei import CAPTURE_TIME_UUID, make_capture_sei, parse_capture_sei


@pytest.mark.parametrize(
    "capture_us",
    [0, 1_764_107_647_123_456, 0x0000_0300_0000_0001, -1, 2**62],
)
def test_round_trip_including_bytes_that_need_emulation_prevention(capture_us: int) -> None:
    nal = make_capture_sei(capture_us, 77)
    assert nal_type(nal) == NAL_SEI
    assert b"\x00\x00\x00" not in nal and b"\x00\x00\x01" not in nal and b"\x00\x00\x02" not in nal
    stamp = parse_capture_sei(nal)
    assert stamp is not None
    assert (stamp.capture_us, stamp.frame_no) == (capture_us, 77)


def test_other_sei_messages_are_ignored() -> None:
    # user_data_unregistered with a different UUID, then nothing.
    other = bytes([NAL_SEI, 5, 24]) + bytes(16) + bytes(8) + b"\x80"
    assert parse_capture_sei(other) is None
    assert parse_capture_sei(b"\x65\x88\x84") is None  # an IDR slice


def test_uuid_is_stable() -> None:
    # Documented in docs/design/recording.md; tools outside the project rely on it.
    assert str(CAPTURE_TIME_UUID) == "6a1c2f3e-8d47-4c1b-9b7e-0c17e3a7c0de"


def test_emulation_prevention_round_trip() -> None:
    raw = b"\x00\x00\x00\x00\x00\x01\x00\x00\x02\x00\x00\x03\x00\x00\x04"
    assert remove_emulation_prevention(add_emulation_prevention(raw)) == raw
