"""HLS text from index rows: pure functions, no I/O."""

from __future__ import annotations

from dataclasses import replace

import pytest

from citywatch.video.gop_index import GopIndexError, decode_gops, encode_gop, encode_gops
from citywatch.video.gop_table import gop_table
from citywatch.video.playlist import pick_segments, program_date_time, render_vod, start_offset_s
from citywatch.video.recording_query import RecordingRef

T0 = 1_764_000_000_000_000


def _rec(rec_id: int, run: str, seq: int, start_us: int, gops: int) -> RecordingRef:
    blob = encode_gops([(1000 + i, 90_000, 25) for i in range(gops)])
    return RecordingRef(
        rec_id,
        1,
        run,
        seq,
        "closed",
        "/m",
        f"{rec_id}.mp4",
        start_us,
        start_us + gops * 1_000_000,
        0,
        gops * 90_000,
        0.0,
        700,
        blob,
        "avc1.640028",
        1920,
        1080,
    )


def test_program_date_time_has_milliseconds_and_z() -> None:
    assert program_date_time(T0 + 123_456) == "2025-11-24T16:00:00.123Z"
    assert program_date_time(T0 + 8 * 3600 * 1_000_000 - 1) == "2025-11-24T23:59:59.999Z"
    assert program_date_time(T0 + 8 * 3600 * 1_000_000) == "2025-11-25T00:00:00.000Z"


def test_segments_start_at_the_keyframe_before_start_and_group_within_files() -> None:
    recs = [_rec(1, "a", 0, T0, 10), _rec(2, "a", 1, T0 + 10_000_000, 10), _rec(3, "b", 0, T0 + 30_000_000, 5)]
    per_gop = pick_segments(recs, T0 + 2_500_000, T0 + 40_000_000)
    assert per_gop[0].start_us == T0 + 2_000_000 and per_gop[0].offset == 700 + 1000 + 1001
    assert [s.discontinuity for s in per_gop].count(True) == 1
    assert per_gop[8].new_file and not per_gop[8].discontinuity  # next file of the same run
    grouped = pick_segments(recs, T0 + 2_500_000, T0 + 40_000_000, min_duration_90k=4 * 90_000)
    assert [s.duration_90k // 90_000 for s in grouped] == [4, 4, 4, 4, 2, 4, 1]
    assert sum(s.size for s in grouped if s.recording_id == 1) == sum(s.size for s in per_gop if s.recording_id == 1)
    text = render_vod(grouped, T0 + 2_500_000)
    assert "#EXT-X-START:TIME-OFFSET=0.500,PRECISE=YES" in text
    assert text.count("#EXT-X-DISCONTINUITY") == 1 and text.count("#EXT-X-MAP") == 3
    assert "#EXT-X-TARGETDURATION:4" in text and text.endswith("#EXT-X-ENDLIST\n")
    assert start_offset_s(grouped, T0 + 31_000_000) == 8 + 10 + 1.0


def test_gop_table_reads_varints_of_every_length_and_refuses_longer_ones() -> None:
    sizes = [0, 1, 127, 128, 16_383, 16_384, 2**21, 2**28 + 5, 2**35 + 7, 2**49 - 1, 2**56 + 3, 2**63 - 1]
    blob = encode_gops([(size, 90_000 + i, 25) for i, size in enumerate(sizes)])
    rec = replace(_rec(1, "a", 0, T0, 1), gop_index=blob)
    table = gop_table([rec])
    assert table.size.tolist() == sizes
    assert table.duration_90k.tolist() == [90_000 + i for i in range(len(sizes))]
    assert table.size.tolist() == [g.size for g in decode_gops(blob, init_bytes=700, start_us=T0)]
    too_long = b"\xff" * 9 + b"\x01" + encode_gop(1, 1, 1)[1:]
    with pytest.raises(GopIndexError, match="longer than 64 bits"):
        gop_table([replace(rec, gop_index=too_long)])
