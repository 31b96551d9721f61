from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import pytest

from citywatch.video.fmp4 import Sample, build_fragment, build_init_segment, ntp_from_unix_us, unix_us_from_ntp
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.gop_index import decode_gops, encode_gops, locate
from citywatch.video.h264 import AvcParams, annexb_to_avcc
from tests.conftest import require_tool
from tests.video.encoded import encode_gops as encode_h264
from tests.video.encoded import nal_units

FRAME_90K = 3600  # 25 fps


def _write_recording(path: Path, gops: int = 4, start_us: int = 1_764_000_000_000_000) -> list[bytes]:
    units = encode_h264(gops)
    params = AvcParams.from_nal_units(nal_units(units[0][0]))
    body = [build_init_segment(params)]
    group: list[Sample] = []
    seq = 0
    base = 0
    for i, (data, key) in enumerate(units):
        if key and group:
            body.append(build_fragment(seq, base, group, wall_clock_us=start_us + base * 100 // 9))
            base += sum(s.duration_90k for s in group)
            seq += 1
            group = []
        group.append(Sample(annexb_to_avcc(data), FRAME_90K))
        assert not (i == 0 and not key)
    body.append(build_fragment(seq, base, group, wall_clock_us=start_us + base * 100 // 9))
    path.write_bytes(b"".join(body))
    return [annexb_to_avcc(d) for d, _ in units]


def test_ntp_round_trip() -> None:
    for us in (0, 1_764_107_647_123_456, 2_000_000_000_999_999):
        assert unix_us_from_ntp(ntp_from_unix_us(us)) == us


def test_ffprobe_reads_the_recording_with_the_right_frames_and_duration(tmp_path: Path) -> None:
    ffprobe = require_tool("ffprobe")
    path = tmp_path / "rec.mp4"
    _write_recording(path, gops=4)
    out = subprocess.run(
        [ffprobe, "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stderr == ""
    info = json.loads(out.stdout)
    stream = info["streams"][0]
    assert stream["codec_name"] == "h264"
    assert (stream["width"], stream["height"]) == (160, 96)
    assert int(stream["nb_read_frames"]) == 20
    assert float(info["format"]["duration"]) == pytest.approx(20 * 0.04, abs=0.001)


def test_pyav_decodes_every_frame_bit_identical_packets(tmp_path: Path) -> None:
    path = tmp_path / "rec.mp4"
    written = _write_recording(path, gops=3)
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
        assert [bytes(p) for p in packets] == written
        assert [p.dts for p in packets] == [i * FRAME_90K for i in range(15)]
        assert packets[0].is_keyframe and packets[5].is_keyframe and not packets[1].is_keyframe
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 15


def test_layout_finds_fragments_and_ignores_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "rec.mp4"
    start_us = 1_764_000_000_000_000
    _write_recording(path, gops=4, start_us=start_us)
    data = path.read_bytes()
    layout = read_layout(data)
    assert len(layout.fragments) == 4
    assert layout.complete_size == len(data)
    assert [f.wall_clock_us for f in layout.fragments] == [start_us + i * 200_000 for i in range(4)]
    assert layout.fragments[1].base_media_decode_time_90k == 5 * FRAME_90K
    torn = read_layout(data[: layout.fragments[3].offset + 50])
    assert len(torn.fragments) == 3
    assert torn.complete_size == layout.fragments[3].offset


def test_gop_index_round_trip_and_locate() -> None:
    blob = encode_gops([(1000, 90_000, 25), (2000, 90_000, 25), (300, 45_000, 12)])
    gops = decode_gops(blob, init_bytes=700, start_us=10_000_000, rate_ppm=0.0)
    assert [g.offset for g in gops] == [700, 1700, 3700]
    assert [g.start_us for g in gops] == [10_000_000, 11_000_000, 12_000_000]
    assert gops[-1].end_us == 12_500_000
    assert locate(gops, 10_999_999) == 0
    assert locate(gops, 11_000_000) == 1
    assert locate(gops, 99_000_000) == 2
    assert locate(gops, 0) == 0
    drifted = decode_gops(blob, init_bytes=700, start_us=10_000_000, rate_ppm=500.0)
    assert drifted[-1].end_us == 12_500_000 + 1250
