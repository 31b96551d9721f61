"""Recordings made through the real segmenter and index writer from libx264 frames that carry a
capture-time SEI, with controlled arrival times: two runs separated by a 10 s gap, 10 s files.

Frame ``n`` (numbered across both runs) was captured at ``T0 + n × 40 ms`` and is a flat picture of
luma ``(n × 11) mod 256``, so both its SEI and its pixels say which frame a player or snapshot shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from citywatch.config import Settings
from citywatch.store.db import advance_id_sequences
from citywatch.store.models import Camera
from citywatch.video.h264 import annexb_to_avcc, iter_annexb_nal_units, nal_type
from citywatch.video.index_writer import IndexWriter
from citywatch.video.segmenter import Frame, Segmenter
from citywatch.video.sei import make_capture_sei
from citywatch.wiring import Services, build_services
from tests.database import installation_database
from tests.video.encoded import parameter_sets, x264

T0 = 1_764_000_000_000_000  # 2025-11-24T16:00:00Z
FRAME_US = 40_000
FRAME_90K = 3600
GOP = 25
RUN1_FRAMES = 750  # 30 s
GAP_FRAMES = 250  # 10 s
RUN2_FRAMES = 375  # 15 s
RECV_DELAY_US = 2_000
ADMIN_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Recorded:
    settings: Settings
    services: Services
    camera_id: int
    run1_start_us: int
    run1_end_us: int
    run2_start_us: int
    run2_end_us: int


def capture_us(frame_no: int) -> int:
    return T0 + frame_no * FRAME_US


def luma(frame_no: int) -> int:
    return (frame_no * 11) % 256


def encode_with_sei(frame_numbers: list[int], width: int = 160, height: int = 96) -> list[tuple[bytes, bool]]:
    codec = x264(width, height, GOP)
    packets: list[tuple[bytes, bool]] = []
    for i, n in enumerate(frame_numbers):
        frame = av.VideoFrame(width, height, "yuv420p")
        for p, plane in enumerate(frame.planes):
            plane.update(bytes([luma(n) if p == 0 else 128]) * plane.buffer_size)
        frame.pts = i
        packets += [(bytes(pk), bool(pk.is_keyframe)) for pk in codec.encode(frame)]
    packets += [(bytes(pk), bool(pk.is_keyframe)) for pk in codec.encode(None)]
    out = []
    for n, (data, key) in zip(frame_numbers, packets, strict=True):
        nals = list(iter_annexb_nal_units(data))
        units: list[bytes] = []
        inserted = False
        for nal in nals:
            if not inserted and nal_type(nal) in (1, 5):
                units.append(make_capture_sei(capture_us(n), n))
                inserted = True
            units.append(nal)
        out.append((b"".join(b"\x00\x00\x00\x01" + u for u in units), key))
    return out


def _push_run(seg: Segmenter, numbers: list[int], dts0: int) -> None:
    for i, (data, key) in enumerate(encode_with_sei(numbers)):
        n = numbers[i]
        dts = dts0 + i * FRAME_90K
        recv_us = capture_us(n) + RECV_DELAY_US + (i % 3) * 3_000
        seg.push(Frame(annexb_to_avcc(data), dts, dts, key, recv_us, *parameter_sets(data)))


def record(data_dir: Path, *, camera_id: int = 1) -> Recorded:
    settings = Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, database_url=installation_database(data_dir))
    services = build_services(settings)
    with services.sessions.begin() as s:
        s.add(
            Camera(
                id=camera_id,
                name=f"Test camera {camera_id}",
                rtsp_url="rtsp://127.0.0.1:8554/cam/1",
                enabled=False,
                created_us=0,
                updated_us=0,
            )
        )
        s.flush()
        advance_id_sequences(s.connection(), "cameras")  # the id was given (PostgreSQL)
    writer = IndexWriter(services.sessions, interval_s=0.02)
    writer.start()
    seg = Segmenter(camera_id, settings.effective_media_dirs[0], writer, file_duration_s=10.0)
    _push_run(seg, list(range(RUN1_FRAMES)), dts0=90_000)
    seg.end_run("camera_offline", "connection reset by camera")
    run2 = list(range(RUN1_FRAMES + GAP_FRAMES, RUN1_FRAMES + GAP_FRAMES + RUN2_FRAMES))
    _push_run(seg, run2, dts0=5_000_000)
    seg.end_run("recorder_stopped", "recorder stopped")
    writer.flush()
    writer.stop()
    run1_start = capture_us(0) + RECV_DELAY_US
    run2_start = capture_us(run2[0]) + RECV_DELAY_US
    return Recorded(
        settings,
        services,
        camera_id,
        run1_start,
        run1_start + RUN1_FRAMES * FRAME_US,
        run2_start,
        run2_start + RUN2_FRAMES * FRAME_US,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    rec = record(tmp_path_factory.mktemp("recorded"))
    yield rec
    rec.services.close()
