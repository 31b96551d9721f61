from __future__ import annotations

import av
import pytest

from citywatch.video.h264 import (
    NAL_IDR,
    NAL_PPS,
    NAL_SPS,
    AvcParams,
    H264Error,
    annexb_to_avcc,
    avcc_nal_units,
    iter_annexb_nal_units,
    nal_type,
)
from tests.video.encoded import x264


def _encode_frames(width: int, height: int, count: int) -> tuple[bytes, list[bytes]]:
    codec = x264(width, height, 25)
    packets: list[bytes] = []
    for i in range(count):
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(i * 7) % 256]) * plane.buffer_size)
        frame.pts = i
        packets += [bytes(p) for p in codec.encode(frame)]
    packets += [bytes(p) for p in codec.encode(None)]
    return bytes(codec.extradata or b""), packets


def test_sps_of_a_real_encoder_gives_its_picture_size() -> None:
    _, packets = _encode_frames(328, 184, 3)  # cropping is needed for both dimensions
    nals = list(iter_annexb_nal_units(packets[0]))
    assert {NAL_SPS, NAL_PPS, NAL_IDR} <= {nal_type(n) for n in nals}
    params = AvcParams.from_nal_units(nals)
    assert (params.width, params.height) == (328, 184)
    assert params.codec_string.startswith("avc1.")


def test_annexb_to_avcc_keeps_every_nal_unit() -> None:
    _, packets = _encode_frames(64, 64, 2)
    for packet in packets:
        expected = list(iter_annexb_nal_units(packet))
        avcc = annexb_to_avcc(packet)
        assert [bytes(n) for n in avcc_nal_units(avcc)] == expected


def test_truncated_avcc_is_an_error() -> None:
    with pytest.raises(H264Error, match="runs past"):
        list(avcc_nal_units(b"\x00\x00\x00\x10\x65\x00"))


def test_missing_parameter_sets_is_an_error() -> None:
    with pytest.raises(H264Error, match="SPS/PPS"):
        AvcParams.from_nal_units([b"\x65\x00"])
