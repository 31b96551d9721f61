"""Motion on keyframes: real libx264 pictures through the real segmenter, detector, index writer and API."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import select

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.store.db import advance_id_sequences
from citywatch.store.models import Camera, Motion
from citywatch.timeutil import iso, parse_iso
from citywatch.video.h264 import AvcParams, annexb_to_avcc
from citywatch.video.index_writer import IndexWriter
from citywatch.video.motion import (
    MAX_MOTION_US,
    CameraMotion,
    MotionDetector,
    MotionEnded,
    MotionSettings,
    MotionStarted,
    MotionWorker,
    picture_change,
)
from citywatch.video.segmenter import Frame, Segmenter
from citywatch.wiring import build_services
from tests.api.auth import client as signed_in_client
from tests.api.server import running
from tests.database import installation_database
from tests.video.encoded import parameter_sets, x264

FPS = 10
S = 1_000_000
T0 = 1_764_000_000_000_000
W, H = 320, 180


Packets = list[tuple[bytes, bool]]


def _scene(
    seconds: int, *, block: tuple[float, float] | None = None, brighten: float = 0.0, size: tuple[int, int] = (W, H)
) -> Packets:
    """A textured, noisy still (a street at night) with, in ``block``'s seconds, a 24-px square walking across.

    ``brighten``: grey levels per second added to the whole picture (auto-exposure, a cloud passing).
    """
    width, height = size
    rng = np.random.default_rng(5)
    background = rng.integers(40, 200, (height // 4, width // 4), dtype=np.uint8)
    background = background.repeat(4, 0).repeat(4, 1).astype(np.int16)
    codec = x264(width, height, FPS)
    out: list[tuple[bytes, bool]] = []
    for i in range(seconds * FPS):
        t = i / FPS
        grey = background + rng.integers(-4, 5, (height, width), dtype=np.int16) + int(brighten * t)
        if block is not None and block[0] <= t < block[1]:
            x = int(20 + (t - block[0]) * 80)
            grey[70:94, x : x + 24] = 250
        rgb: npt.NDArray[np.uint8] = np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        out += [(bytes(p), bool(p.is_keyframe)) for p in codec.encode(frame)]
    out += [(bytes(p), bool(p.is_keyframe)) for p in codec.encode(None)]
    return out


def _keyframes(packets: list[tuple[bytes, bool]]) -> list[tuple[AvcParams, bytes, int]]:
    """(parameters, AVCC access unit, wall-clock time) of each keyframe, frame i shown at T0 + i/FPS."""
    out = []
    for i, (data, key) in enumerate(packets):
        if key:
            sps, pps = parameter_sets(data)
            assert sps is not None and pps is not None
            out.append((AvcParams.from_nal_units([sps, pps]), annexb_to_avcc(data), T0 + i * S // FPS))
    return out


def _run_worker(
    packets: Packets, end_us: int, other: Packets | None = None
) -> tuple[list[MotionStarted | MotionEnded], int]:
    """Camera 7's keyframes through a worker; ``other``'s, as camera 8, interleaved with them."""
    changes: list[MotionStarted | MotionEnded] = []
    worker = MotionWorker(changes.append)
    worker.start()
    others = _keyframes(other) if other is not None else []
    for i, (params, data, at_us) in enumerate(_keyframes(packets)):
        worker.keyframe(7, params, data, at_us)
        if i < len(others):
            worker.keyframe(8, *others[i])
    worker.stream_ended(7, end_us)
    assert worker.drain(30)
    worker.stop()
    return changes, worker.analysed


def test_a_walking_figure_is_one_event_exact_to_a_keyframe_either_side() -> None:
    # The square is in view from 4.5 s to 6.5 s: keyframes at 5 and 6 s show it, 4 and 7 s do not.
    changes, analysed = _run_worker(_scene(10, block=(4.5, 6.5)), T0 + 10 * S)
    assert analysed == 10
    assert [type(c) for c in changes] == [MotionStarted, MotionEnded]
    started, ended = changes
    assert isinstance(ended, MotionEnded)
    assert started.start_us == ended.start_us == T0 + 4 * S  # the keyframe before the first change
    assert ended.end_us == T0 + 7 * S  # the keyframe that showed the last change (the square gone)
    assert 0.01 < ended.peak < 0.2  # two 24-px squares of a 320×180 picture, in 64-px-wide cells


def test_cameras_sharing_the_decoder_do_not_see_each_others_pictures() -> None:
    # Camera 8 shows a still at another resolution; its keyframes go through the same decoder in between.
    changes, analysed = _run_worker(_scene(10, block=(4.5, 6.5)), T0 + 10 * S, _scene(10, size=(160, 96)))
    assert analysed == 20
    assert [(type(c), c.camera_id, c.start_us) for c in changes] == [
        (MotionStarted, 7, T0 + 4 * S),
        (MotionEnded, 7, T0 + 4 * S),
    ]
    assert changes[-1].end_us == T0 + 7 * S  # type: ignore[union-attr]


def test_sensor_noise_and_a_whole_picture_brightening_are_not_motion() -> None:
    changes, analysed = _run_worker(_scene(8, brighten=12.0), T0 + 8 * S)
    assert analysed == 8
    assert changes == []


def test_motion_still_going_when_the_stream_ends_ends_with_it() -> None:
    changes, _ = _run_worker(_scene(6, block=(3.5, 7.0)), T0 + 6 * S)
    assert changes[-1] == MotionEnded(7, T0 + 3 * S, T0 + 6 * S, changes[-1].peak)  # type: ignore[union-attr]


def test_long_motion_is_cut_into_abutting_pieces_of_at_most_ten_minutes() -> None:
    detector = MotionDetector(1, MotionSettings())
    quiet = np.full((36, 64), 100, np.float32)
    moving = quiet.copy()
    changes: list[MotionStarted | MotionEnded] = []
    seconds = 25 * 60
    for s in range(seconds + 4):
        picture = quiet.copy()
        if s <= seconds:
            moving[:, :] = 100
            moving[10:20, s % 50 : s % 50 + 10] = 240
            picture = moving.copy()
        changes += detector.feed(picture, T0 + s * S)
    ended = [c for c in changes if isinstance(c, MotionEnded)]
    assert len(ended) == 3
    assert ended[0].start_us == T0
    for a, b in itertools.pairwise(ended):
        assert b.start_us == a.end_us  # no hole, no overlap
    assert all(e.end_us - e.start_us <= MAX_MOTION_US for e in ended)
    assert ended[-1].end_us == T0 + (seconds + 1) * S  # the keyframe showing the figure gone


def test_a_full_queue_skips_keyframes_but_never_blocks_or_drops_the_end_of_a_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    changes: list[MotionStarted | MotionEnded] = []
    worker = MotionWorker(changes.append, capacity=2)  # not started yet: nothing is taken off the queue
    frames = _keyframes(_scene(4, block=(0.5, 9.0)))
    for params, data, at_us in frames:
        worker.keyframe(7, params, data, at_us)
    assert worker.skipped == len(frames) - 2
    behind = [r for r in caplog.records if "motion detection is behind" in r.getMessage()]
    assert len(behind) == 1, "said once, not per keyframe"
    worker.stream_ended(7, T0 + 4 * S)  # returns at once although the queue is "full"
    worker.start()
    assert worker.drain(30)
    worker.stop()
    assert worker.analysed == 2
    # The two kept keyframes (0 s, 1 s) show the figure arrive; the run's end closes the event at 4 s.
    assert changes[0] == MotionStarted(7, T0)
    assert isinstance(changes[1], MotionEnded) and changes[1].end_us == T0 + 4 * S


def test_each_camera_can_be_switched_off_or_made_less_sensitive() -> None:
    own = {7: CameraMotion(enabled=True, min_area=0.5)}  # half the picture must change: a walker is not enough
    reads: list[int] = []

    def per_camera() -> dict[int, CameraMotion]:
        reads.append(1)
        return dict(own)

    changes: list[MotionStarted | MotionEnded] = []
    worker = MotionWorker(changes.append, per_camera=per_camera, refresh_s=0.0)
    worker.start()
    walk = _keyframes(_scene(10, block=(4.5, 6.5)))
    for params, data, at_us in walk:
        worker.keyframe(7, params, data, at_us)
    assert worker.drain(30)
    assert changes == [] and reads
    # Back to the installation's sensitivity, then off in the middle of an event: the event is closed then.
    own[7] = CameraMotion()
    for i, (params, data, at_us) in enumerate(walk):
        if i == 6:
            own[7] = CameraMotion(enabled=False)
        worker.keyframe(7, params, data, at_us + 20 * S)
        assert worker.drain(30)  # one at a time: the switch lands between the 5 s and 6 s keyframes
    worker.stop()
    assert changes == [MotionStarted(7, T0 + 24 * S), MotionEnded(7, T0 + 24 * S, T0 + 26 * S, changes[1].peak)]  # type: ignore[union-attr]


def test_a_new_resolution_counts_as_change_not_as_an_error() -> None:
    assert picture_change(np.zeros((36, 64), np.float32), np.zeros((18, 32), np.float32), 18) == 1.0


@pytest.fixture
def recorded_motion(tmp_path: Path) -> Settings:
    """Two runs recorded through the segmenter with motion on: a figure in the first, a still in the second."""
    settings = Settings(data_dir=tmp_path, admin_password="correct horse battery staple")
    settings = settings.model_copy(update={"database_url": installation_database(tmp_path)})
    services = build_services(settings)
    with services.sessions.begin() as s:
        camera = Camera(id=1, name="Car park", rtsp_url="rtsp://127.0.0.1:8554/1", enabled=False, created_us=0)
        s.add(camera)
        camera.updated_us = 0
        s.flush()
        advance_id_sequences(s.connection(), "cameras")  # the id was given (PostgreSQL)
    writer = IndexWriter(services.sessions, interval_s=0.02)
    writer.start()
    motion = MotionWorker(writer.motion)
    motion.start()
    seg = Segmenter(1, settings.effective_media_dirs[0], writer, file_duration_s=10.0, motion=motion)
    for run, (packets, t0) in enumerate(
        ((_scene(12, block=(4.5, 6.5)), T0), (_scene(6, block=(2.5, 12.0)), T0 + 20 * S))
    ):
        for i, (data, key) in enumerate(packets):
            dts = 90_000 + run * 10_000_000 + i * 9_000
            seg.push(Frame(annexb_to_avcc(data), dts, dts, key, t0 + i * S // FPS + 2_000, *parameter_sets(data)))
        seg.end_run("camera_offline", "connection reset by camera")
    assert motion.drain(30)
    motion.stop()
    writer.flush()
    writer.stop()
    services.close()
    return settings


def test_recorded_motion_reaches_the_index_and_the_timeline(recorded_motion: Settings) -> None:
    services = build_services(recorded_motion, migrate=False)
    try:
        with services.sessions() as s:
            rows = s.scalars(select(Motion).order_by(Motion.start_us)).all()
            got = [(r.start_us - T0, None if r.end_us is None else r.end_us - T0, r.node) for r in rows]
        # Wall-clock times come from the run's anchor (arrival 2 ms after capture).
        assert got == [(4 * S + 2_000, 7 * S + 2_000, "local"), (22 * S + 2_000, 26 * S + 2_000, "local")]
        with running(create_app(services)) as url, signed_in_client(url) as api:
            day = {"start": iso(T0 - 3600 * S), "end": iso(T0 + 3600 * S)}
            timeline = api.get("/api/v1/cameras/1/timeline", params=day).json()
            # One hour either side: 2 h / 2000 = 3.6 s, so the two events (15 s apart) stay apart.
            shown = [(parse_iso(m["start"]) - T0, parse_iso(m["end"]) - T0) for m in timeline["motion"]]
            assert shown == [(a, b) for a, b, _ in got]
            assert all(0 < m["peak"] < 1 for m in timeline["motion"])
            # A month-wide view joins events closer than 1/2000 of it (here 22 minutes).
            month = {"start": iso(T0 - 15 * 86_400 * S), "end": iso(T0 + 16 * 86_400 * S)}
            joined = api.get("/api/v1/cameras/1/timeline", params=month).json()["motion"]
            assert [(parse_iso(m["start"]) - T0, parse_iso(m["end"]) - T0) for m in joined] == [(got[0][0], got[1][1])]
            # Clipped to the range asked for.
            part = {"start": iso(T0 + 5 * S), "end": iso(T0 + 23 * S)}
            clipped = api.get("/api/v1/cameras/1/timeline", params=part).json()["motion"]
            assert [(parse_iso(m["start"]) - T0, parse_iso(m["end"]) - T0) for m in clipped] == [
                (5 * S, 7 * S + 2_000),
                (22 * S + 2_000, 23 * S),
            ]
    finally:
        services.close()
