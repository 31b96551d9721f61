"""GOP indexes decoded for many recordings at once: the same GOPs and playlist as one file at a time."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from citywatch.video.gop_index import GopIndexError, decode_gops, encode_gops
from citywatch.video.gop_table import gop_table
from citywatch.video.playlist import pick_segments, render_vod, vod_playlist
from citywatch.video.recording_query import RecordingRef

T0 = 1_764_000_000_000_000


def _rec(
    rec_id: int, run: str, seq: int, start_us: int, gops: list[tuple[int, int, int]], rate_ppm: float
) -> RecordingRef:
    duration = sum(g[1] for g in gops)
    return RecordingRef(
        rec_id, 1, run, seq, "closed", "/m", f"{rec_id}.mp4", start_us, start_us + duration * 100 // 9, 0, duration,
        rate_ppm, 700 + rec_id, encode_gops(gops), "avc1.640028", 1920, 1080,
    )  # fmt: skip


def _recordings(rng: random.Random) -> list[RecordingRef]:
    out, at, run, seq = [], T0, "a", 0
    for rec_id in range(1, 30):
        gops = [
            (rng.randint(1, 3_000_000), rng.choice([0, 45_000, 90_000, 90_000, 180_000]), 25)
            for _ in range(rng.randint(0, 12))
        ]
        if rng.random() < 0.2:  # a gap: a new run
            at, run, seq = at + 5_000_000, f"run{rec_id}", 0
        elif rng.random() < 0.1:  # a file missing from the middle of the run
            seq += 1
        out.append(_rec(rec_id, run, seq, at, gops, rng.uniform(-80, 80)))
        at, seq = out[-1].end_us, seq + 1
    return out


def test_the_table_holds_the_gops_each_file_decodes_to() -> None:
    recs = _recordings(random.Random(3))
    t = gop_table(recs)
    expected = [
        (i, g.offset, g.size, g.duration_90k, g.start_us, g.end_us)
        for i, r in enumerate(recs)
        for g in decode_gops(r.gop_index, init_bytes=r.init_bytes, start_us=r.start_us, rate_ppm=r.rate_ppm)
    ]
    got = list(zip(*(a.tolist() for a in (t.rec, t.offset, t.size, t.duration_90k, t.start_us, t.end_us)), strict=True))
    assert got == expected


@pytest.mark.parametrize("seed", range(6))
def test_the_playlist_fast_path_writes_what_the_segments_render(seed: int) -> None:
    rng = random.Random(seed)
    recs = _recordings(rng)
    for _ in range(20):
        start = rng.randint(T0 - 2_000_000, recs[-1].end_us)
        end = start + rng.randint(1, 120_000_000)
        for min_duration_90k in (0, 4 * 90_000):
            segments = pick_segments(recs, start, end, min_duration_90k=min_duration_90k)
            text = vod_playlist(recs, start, end, min_duration_90k=min_duration_90k)
            assert text == (render_vod(segments, start) if segments else None)


def test_a_torn_index_names_its_recording() -> None:
    whole = _rec(1, "a", 0, T0, [(1000, 90_000, 25)] * 3, 0.0)
    torn = _rec(2, "a", 1, whole.end_us, [(1000, 90_000, 25)] * 3, 0.0)
    for blob in (torn.gop_index[:-1], torn.gop_index[:-3]):  # ends inside a varint; a GOP short of a value
        with pytest.raises(GopIndexError, match="recording 2"):
            vod_playlist([whole, replace(torn, gop_index=blob)], T0, T0 + 10_000_000)
