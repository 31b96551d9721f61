"""The segmenter on real encoded frames, real files, and the real index writer over SQLite."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from citywatch.store.db import make_engine, make_sessionmaker, upgrade
from citywatch.store.models import Camera, Gap, Recording
from citywatch.video.events import RecordingState, RunEnded, RunStarted
from citywatch.video.fmp4_reader import read_layout
from citywatch.video.gop_index import decode_gops
from citywatch.video.h264 import annexb_to_avcc
from citywatch.video.index_writer import IndexWriter
from citywatch.video.segmenter import Frame, Segmenter
from tests.database import database_url
from tests.video.encoded import encode_gops, parameter_sets

FRAME_90K = 3600
T0 = 1_764_000_000_000_000


class FakeSink:
    """Collects events in memory: the database side is tested separately below."""

    def __init__(self) -> None:
        self.updated: list[RecordingState] = []
        self.closed: list[RecordingState] = []
        self.started: list[RunStarted] = []
        self.ended: list[RunEnded] = []

    def recording_updated(self, rec: RecordingState) -> None:
        self.updated.append(rec)

    def recording_closed(self, rec: RecordingState) -> None:
        self.closed.append(rec)

    def run_started(self, event: RunStarted) -> None:
        self.started.append(event)

    def run_ended(self, event: RunEnded) -> None:
        self.ended.append(event)

    def disk_full(self, camera_id: int, detail: str) -> None:
        raise AssertionError("no disk-full expected")


def _frames(gops: int, *, t0_us: int = T0, dts0: int = 1000, delay_us: int = 2000) -> list[Frame]:
    units = encode_gops(gops, frames_per_gop=25, width=96, height=64)
    out = []
    for i, (data, key) in enumerate(units):
        dts = dts0 + i * FRAME_90K
        recv = t0_us + i * 40_000 + delay_us + (i % 3) * 5000
        out.append(Frame(annexb_to_avcc(data), dts, dts, key, recv, *parameter_sets(data)))
    return out


def test_files_rotate_on_keyframes_and_times_follow_the_least_delayed_frame(tmp_path: Path) -> None:
    sink = FakeSink()
    seg = Segmenter(4, tmp_path, sink, file_duration_s=2.0)
    frames = _frames(7)
    for f in frames:
        seg.push(f)
    seg.end_run("camera_offline", "test end")
    assert len(sink.started) == 1 and sink.started[0].start_us == T0 + 2000
    assert [e.reason for e in sink.ended] == ["camera_offline"]
    assert sum(r.frames for r in sink.closed) == len(frames)
    # Files are contiguous: each starts where the last ended, and none overlaps.
    for a, b in zip(sink.closed, sink.closed[1:], strict=False):
        assert b.start_us == a.end_us
        assert b.media_start_90k == a.media_start_90k + a.duration_90k
    last = sink.closed[-1]
    assert last.end_us == pytest.approx(T0 + 2000 + 7 * 1_000_000, abs=2000)
    # Every file stands alone: a real demuxer reads all its frames, and the index matches the file.
    for rec in sink.closed:
        path = tmp_path / rec.path
        layout = read_layout(path.read_bytes())
        gops = decode_gops(
            bytes(rec.gop_index), init_bytes=rec.init_bytes, start_us=rec.start_us, rate_ppm=rec.rate_ppm
        )
        assert [g.offset for g in gops] == [f.offset for f in layout.fragments]
        assert [g.start_us for g in gops] == [f.wall_clock_us for f in layout.fragments]
        with av.open(str(path)) as container:
            assert sum(1 for p in container.demux(video=0) if p.size) == rec.frames
        assert rec.sha256 is not None and len(rec.sha256) == 64


def test_a_jump_in_media_time_ends_the_run_with_a_gap(tmp_path: Path) -> None:
    sink = FakeSink()
    seg = Segmenter(1, tmp_path, sink, file_duration_s=60.0)
    frames = _frames(4)
    for f in frames[:50]:
        seg.push(f)
    # Camera stalled 5 s: RTP clock and arrival both jump.
    for f in frames[50:]:
        seg.push(
            Frame(f.data, f.dts_90k + 5 * 90_000, f.pts_90k + 5 * 90_000, f.key, f.recv_us + 5_000_000, f.sps, f.pps)
        )
    seg.end_run("camera_offline", "end")
    assert [e.reason for e in sink.ended] == ["stream_discontinuity", "camera_offline"]
    assert len(sink.started) == 2
    assert sink.started[1].start_us >= sink.ended[0].end_us + 4_900_000


def test_never_starts_before_the_previous_end(tmp_path: Path) -> None:
    sink = FakeSink()
    seg = Segmenter(1, tmp_path, sink, last_end_us=T0 + 10_000_000)
    for f in _frames(2):
        seg.push(f)
    seg.end_run("camera_offline", "end")
    assert sink.started[0].start_us == T0 + 10_000_000


def test_index_writer_stores_rows_gaps_and_closes_them(tmp_path: Path) -> None:
    engine = make_engine(database_url(tmp_path / "db.sqlite"))
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        s.add(Camera(id=1, name="c1", rtsp_url="rtsp://127.0.0.1/x", created_us=0, updated_us=0))
    writer = IndexWriter(sessions, interval_s=0.05)
    writer.start()
    seg = Segmenter(1, tmp_path / "media", writer, file_duration_s=2.0)
    frames = _frames(5)
    for f in frames[:75]:
        seg.push(f)
    seg.end_run("camera_offline", "connection refused")
    for f in frames[75:]:
        seg.push(Frame(f.data, f.dts_90k, f.pts_90k, f.key, f.recv_us + 3_000_000, f.sps, f.pps))
    seg.end_run("recorder_stopped", "stop")
    writer.flush()
    writer.stop()
    with sessions() as s:
        rows = s.scalars(select(Recording).order_by(Recording.start_us)).all()
        gaps = s.scalars(select(Gap).order_by(Gap.start_us)).all()
    assert all(r.state == "closed" and r.sha256 for r in rows)
    assert sum(r.frames for r in rows) == len(frames)
    assert [(g.reason, g.end_us is None) for g in gaps] == [("camera_offline", False), ("recorder_stopped", True)]
    first_run_end = max(r.end_us for r in rows if r.start_us < gaps[0].end_us)  # type: ignore[operator]
    assert gaps[0].start_us == first_run_end
    assert gaps[0].end_us == min(r.start_us for r in rows if r.start_us >= gaps[0].start_us)
    for a, b in itertools.pairwise(rows):
        assert b.start_us >= a.end_us


def test_live_gets_parts_of_each_gop_before_it_ends_and_they_decode(tmp_path: Path) -> None:
    from citywatch.video.events import FragmentOut

    sent: list[FragmentOut] = []
    seg = Segmenter(5, tmp_path, FakeSink(), file_duration_s=2.0, live=sent.append, live_part_ms=200)
    frames = _frames(5)
    arrived_with: list[int] = []  # how many frames had been pushed when each live message was sent
    for i, f in enumerate(frames):
        before = len(sent)
        seg.push(f)
        arrived_with += [i + 1] * (len(sent) - before)
    seg.end_run("camera_offline", "test end")
    # The first GOP of a run goes out whole (its time model is set when it ends); later ones in parts:
    # five frames (200 ms) at a time, each part sent as soon as the frame after it arrives.
    assert sent[0].key and sent[0].duration_90k == 25 * FRAME_90K
    parts = sent[1:]
    assert [p.key for p in parts[:6]] == [True, False, False, False, False, True]
    assert all(p.duration_90k == 5 * FRAME_90K for p in parts)
    assert arrived_with[1:4] == [31, 36, 41]  # frames 26–30 leave when frame 31 arrives
    # Live parts carry the same wall-clock times as the recording, and together decode to every frame.
    assert parts[0].start_us == sent[0].start_us + 1_000_000
    stream = sent[0].init_segment + b"".join(p.data for p in sent)
    path = tmp_path / "live.mp4"
    path.write_bytes(stream)
    with av.open(str(path)) as container:
        decoded = sum(1 for _ in container.decode(video=0))
    assert decoded == len(frames)


def test_live_parts_can_be_switched_off(tmp_path: Path) -> None:
    from citywatch.video.events import FragmentOut

    sent: list[FragmentOut] = []
    seg = Segmenter(6, tmp_path, FakeSink(), live=sent.append, live_part_ms=0)
    for f in _frames(3):
        seg.push(f)
    seg.end_run("camera_offline", "test end")
    assert [p.key for p in sent] == [True, True, True]
