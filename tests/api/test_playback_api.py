"""Playback end to end: real HTTP against uvicorn, the bytes decoded by FFmpeg (PyAV), SEI times checked."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
from collections.abc import Iterator

import av
import httpx
import pytest

from citywatch.api import create_app
from citywatch.config import Settings
from citywatch.store.db import advance_id_sequences
from citywatch.store.models import Camera
from citywatch.timeutil import iso, parse_iso
from citywatch.video.h264 import annexb_to_avcc
from citywatch.video.index_writer import IndexWriter
from citywatch.video.segmenter import Frame, Segmenter
from citywatch.wiring import build_services
from tests.api.auth import client as signed_in_client
from tests.api.hls import Playlist, decode, mean_luma, media_bytes, parse_playlist
from tests.api.server import running
from tests.conftest import require_tool
from tests.database import installation_database
from tests.playback_fixtures import (
    ADMIN_PASSWORD,
    FRAME_90K,
    FRAME_US,
    GAP_FRAMES,
    GOP,
    RECV_DELAY_US,
    RUN1_FRAMES,
    RUN2_FRAMES,
    Recorded,
    capture_us,
    encode_with_sei,
    luma,
)
from tests.video.encoded import parameter_sets

PLAYLIST = "/api/v1/cameras/1/playback.m3u8"


@pytest.fixture(scope="module")
def base_url(recorded: Recorded) -> Iterator[str]:
    with running(create_app(recorded.services)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with signed_in_client(base_url) as c:
        yield c


def _shown_at(api: httpx.Client, t_us: int, *, segments: int = 2) -> tuple[float, list]:  # type: ignore[type-arg]
    r = api.get(PLAYLIST, params={"start": iso(t_us)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    pl = parse_playlist(r.text)
    assert pl.start_offset_s is not None and pl.ended
    assert pl.segments[0].program_date_us <= t_us < pl.segments[0].program_date_us + 1_000_000
    chosen = pl.segments[:1] + [s for s in pl.segments[1:segments] if not s.discontinuity][: segments - 1]
    frames = decode(media_bytes(api, chosen))
    return pl.start_offset_s, frames


@pytest.mark.parametrize("offset_ms", [0, 1, 39, 480, 999, 9_990, 11_988, 12_001, 29_950])
def test_the_frame_shown_at_t_is_within_one_frame_of_t(api: httpx.Client, recorded: Recorded, offset_ms: int) -> None:
    t_us = recorded.run1_start_us + offset_ms * 1000
    offset_s, frames = _shown_at(api, t_us)
    first_pts = frames[0].pts_90k
    shown = [f for f in frames if (f.pts_90k - first_pts) / 90_000 <= offset_s + 1e-6][-1]
    assert shown.capture_us is not None and shown.frame_no is not None
    assert abs(shown.capture_us - t_us) <= FRAME_US + RECV_DELAY_US, (iso(shown.capture_us), iso(t_us))
    assert shown.mean_luma == pytest.approx(luma(shown.frame_no), abs=2)  # the pixels are that frame's


def test_a_start_in_the_second_run_and_at_its_last_frame(api: httpx.Client, recorded: Recorded) -> None:
    for t_us in (recorded.run2_start_us + 3_333_000, recorded.run2_end_us - 10_000):
        offset_s, frames = _shown_at(api, t_us, segments=1)
        shown = [f for f in frames if (f.pts_90k - frames[0].pts_90k) / 90_000 <= offset_s + 1e-6][-1]
        assert shown.capture_us is not None
        assert abs(shown.capture_us - t_us) <= FRAME_US + RECV_DELAY_US


def test_media_is_continuous_across_the_files_of_a_run(api: httpx.Client, recorded: Recorded) -> None:
    r = api.get(PLAYLIST, params={"start": iso(recorded.run1_start_us), "end": iso(recorded.run1_end_us)})
    pl = parse_playlist(r.text)
    assert len({s.uri for s in pl.segments}) == 3  # three 10-ish-second files
    assert not any(s.discontinuity for s in pl.segments)
    assert r.text.count("#EXT-X-MAP:") == 3
    assert r.text.count("#EXT-X-PROGRAM-DATE-TIME:") == len(pl.segments)
    frames = decode(media_bytes(api, pl.segments))
    assert [f.frame_no for f in frames] == list(range(RUN1_FRAMES))
    assert all(b.pts_90k - a.pts_90k == 3600 for a, b in itertools.pairwise(frames))
    assert sum(s.duration_s for s in pl.segments) == pytest.approx(RUN1_FRAMES * FRAME_US / 1e6)
    for a, b in itertools.pairwise(pl.segments):
        assert b.program_date_us == a.program_date_us + round(a.duration_s * 1e6)


def test_a_gap_is_a_discontinuity_with_the_new_wall_clock(api: httpx.Client, recorded: Recorded) -> None:
    r = api.get(PLAYLIST, params={"start": iso(recorded.run1_end_us - 2_500_000), "end": iso(recorded.run2_end_us)})
    pl = parse_playlist(r.text)
    breaks = [i for i, s in enumerate(pl.segments) if s.discontinuity]
    assert len(breaks) == 1
    before, after = pl.segments[breaks[0] - 1], pl.segments[breaks[0]]
    assert before.program_date_us + round(before.duration_s * 1e6) == recorded.run1_end_us
    assert after.program_date_us == recorded.run2_start_us // 1000 * 1000
    assert after.map_uri != before.map_uri
    # Each side decodes on its own, and the frames are the right ones.
    tail = decode(media_bytes(api, pl.segments[breaks[0] :]))
    assert tail[0].frame_no == RUN1_FRAMES + GAP_FRAMES and len(tail) == RUN2_FRAMES


def test_a_start_inside_a_gap_begins_at_the_next_recording(api: httpx.Client, recorded: Recorded) -> None:
    r = api.get(PLAYLIST, params={"start": iso(recorded.run1_end_us + 4_000_000)})
    pl = parse_playlist(r.text)
    assert pl.start_offset_s == 0.0
    assert pl.segments[0].program_date_us == recorded.run2_start_us // 1000 * 1000
    assert not pl.segments[0].discontinuity


def test_no_footage_and_bad_times_are_explained(api: httpx.Client, recorded: Recorded) -> None:
    r = api.get(PLAYLIST, params={"start": iso(recorded.run2_end_us + 60_000_000)})
    assert r.status_code == 404 and "nothing was recorded" in r.json()["detail"]
    r = api.get(PLAYLIST, params={"start": "yesterday"})
    assert r.status_code == 400 and "ISO 8601" in r.json()["detail"]
    r = api.get(PLAYLIST)
    assert r.status_code == 422 and "start" in r.json()["detail"]
    r = api.get("/api/v1/cameras/99/playback.m3u8", params={"start": iso(recorded.run1_start_us)})
    assert r.status_code == 404 and r.json()["detail"] == "no camera 99"


def test_clip_opens_in_ffprobe_with_the_right_duration_and_serves_ranges(
    api: httpx.Client, base_url: str, recorded: Recorded
) -> None:
    ffprobe = require_tool("ffprobe")
    start, end = recorded.run1_start_us + 5_500_000, recorded.run2_start_us + 1_500_000
    params = {"start": iso(start), "end": iso(end)}
    full = api.get("/api/v1/cameras/1/clip.mp4", params=params)
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    size = int(full.headers["content-length"])
    assert size == len(full.content)
    # GOPs 5..29 of run 1 and 0..1 of run 2: 25 s + 2 s, without the gap.
    expected_s = 27.0
    token = api.headers["authorization"]
    url = str(httpx.URL(f"{base_url}/api/v1/cameras/1/clip.mp4", params=params))
    probe = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-headers",
            f"Authorization: {token}\r\n",
            "-count_packets",
            "-of",
            "json",
            "-show_entries",
            "format=duration:stream=nb_read_packets,codec_name",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    info = json.loads(probe.stdout)
    assert float(info["format"]["duration"]) == pytest.approx(expected_s, abs=0.01)
    assert info["streams"][0]["codec_name"] == "h264"
    assert int(info["streams"][0]["nb_read_packets"]) == 27 * 25
    for header, expected in (
        ("bytes=100-199", full.content[100:200]),
        (f"bytes={size - 5000}-", full.content[-5000:]),
        ("bytes=-777", full.content[-777:]),
        ("bytes=0-", full.content),
        (f"bytes=700-{size + 10}", full.content[700:]),
    ):
        part = api.get("/api/v1/cameras/1/clip.mp4", params=params, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.content == expected, header
        assert part.headers["content-range"].endswith(f"/{size}")
    assert api.get("/api/v1/cameras/1/clip.mp4", params=params, headers={"Range": f"bytes={size}-"}).status_code == 416
    head = api.head("/api/v1/cameras/1/clip.mp4", params=params)
    assert head.status_code == 200 and int(head.headers["content-length"]) == size
    # Decoded: frames in order and tfdt rewritten so media time does not jump at the gap.
    frames = decode(full.content)
    assert len(frames) == 27 * 25
    assert all(b.pts_90k - a.pts_90k == 3600 for a, b in itertools.pairwise(frames))


def test_snapshot_at_t_is_the_frame_with_that_capture_time(api: httpx.Client, recorded: Recorded) -> None:
    for offset_us in (0, 7_777_000, 12_010_000, 29_990_000):
        t_us = recorded.run1_start_us + offset_us
        r = api.get("/api/v1/cameras/1/snapshot.jpg", params={"at": iso(t_us)})
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        capture_us = parse_iso(r.headers["x-capture-time"])
        assert abs(capture_us - t_us) <= FRAME_US + RECV_DELAY_US
        assert parse_iso(r.headers["x-frame-time"]) <= t_us
        frame_no = (capture_us - (recorded.run1_start_us - RECV_DELAY_US)) // FRAME_US
        with av.open(io.BytesIO(r.content)) as container:
            image = next(container.decode(video=0))
        full_range = min(255, max(0, (luma(frame_no) - 16) * 255 / 219))  # JPEG is full-range, H.264 limited
        assert mean_luma(image) == pytest.approx(full_range, abs=3)
    gap = api.get("/api/v1/cameras/1/snapshot.jpg", params={"at": iso(recorded.run1_end_us + 1_000_000)})
    assert gap.status_code == 404


def test_recording_media_serves_byte_ranges(api: httpx.Client) -> None:
    r = api.get("/api/v1/recordings/1/media", headers={"Range": "bytes=0-7"})
    assert r.status_code == 206 and r.content[4:8] == b"ftyp"
    assert api.get("/api/v1/recordings/12345/media").status_code == 404


def _live_sequences(text: str) -> tuple[int, int]:
    """EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE of a live playlist."""
    tags = dict(line.split(":", 1) for line in text.splitlines() if line.startswith("#EXT-X-") and ":" in line)
    return int(tags["#EXT-X-MEDIA-SEQUENCE"]), int(tags["#EXT-X-DISCONTINUITY-SEQUENCE"])


def test_live_hls_numbers_keep_growing_across_a_reconnect(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A player reloading live.m3u8 while the camera reconnects: every segment keeps its media and discontinuity
    numbers in every reload, the playlist says DISCONTINUITY where the new run starts, and the window decodes."""
    data_dir = tmp_path_factory.mktemp("live-reconnect")
    settings = Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, database_url=installation_database(data_dir))
    services = build_services(settings)
    with services.sessions.begin() as s:
        s.add(Camera(id=1, name="Reconnecting", rtsp_url="rtsp://127.0.0.1:8554/cam/1", enabled=False, created_us=0,
                     updated_us=0))  # fmt: skip
        s.flush()
        advance_id_sequences(s.connection(), "cameras")
    writer = IndexWriter(services.sessions, interval_s=0.02)
    writer.start()
    seg = Segmenter(1, settings.effective_media_dirs[0], writer, file_duration_s=10.0)
    run_a = list(range(GOP * 13))  # 13 s: two files, the window crosses the file boundary
    run_b = list(range(GOP * 13 + GAP_FRAMES, GOP * 21 + GAP_FRAMES))  # 8 s after a 10 s outage
    reloads: list[tuple[str, Playlist]] = []
    try:
        with running(create_app(services)) as url, signed_in_client(url) as api:

            def reload() -> None:
                writer.flush()
                r = api.get("/api/v1/cameras/1/live.m3u8")
                if r.status_code == 200:
                    reloads.append((r.text, parse_playlist(r.text)))
                else:
                    assert r.status_code == 503, r.text  # between the runs: not live

            for run, dts0 in ((run_a, 90_000), (run_b, 5_000_000)):
                for k, (data, key) in enumerate(encode_with_sei(run)):
                    n = run[k]
                    dts = dts0 + k * FRAME_90K
                    recv_us = capture_us(n) + RECV_DELAY_US
                    seg.push(Frame(annexb_to_avcc(data), dts, dts, key, recv_us, *parameter_sets(data)))
                    if key and k:
                        reload()
                reload()
                seg.end_run("camera_offline", "connection reset by camera")  # the reconnect
                reload()
            numbers: dict[tuple[str, int], tuple[int, int]] = {}  # segment → (media, discontinuity) sequence
            previous = (-1, -1)
            across: list[Playlist] = []
            for text, pl in reloads:
                assert not pl.ended
                media_seq, disc_seq = _live_sequences(text)
                assert (media_seq, disc_seq) >= previous, "numbers went back"
                assert media_seq >= previous[0] and disc_seq >= previous[1]
                previous = (media_seq, disc_seq)
                cc = disc_seq
                for i, hs in enumerate(pl.segments):
                    cc += hs.discontinuity
                    got = numbers.setdefault((hs.uri, hs.offset), (media_seq + i, cc))
                    assert got == (media_seq + i, cc), f"segment {hs.uri}@{hs.offset} renumbered"
                if any(hs.discontinuity for hs in pl.segments):
                    across.append(pl)
            assert across, "no reload showed the run change"
            pl = across[0]
            cut = next(i for i, hs in enumerate(pl.segments) if hs.discontinuity)
            assert cut > 0 and pl.segments[cut].map_uri != pl.segments[cut - 1].map_uri
            gap_us = pl.segments[cut].program_date_us - pl.segments[cut - 1].program_date_us
            assert gap_us >= (GAP_FRAMES + GOP) * FRAME_US - 50_000  # the outage lies between them
            runs = {cc for _, cc in numbers.values()}
            assert len(runs) == 2 and max(runs) == min(runs) + 1
            media = sorted(m for m, _ in numbers.values())
            assert media == list(range(media[0], media[0] + len(media))), "numbers skip or repeat across the runs"
            last = reloads[-1][1]  # run B alone: its numbers continue those of run A
            assert _live_sequences(reloads[-1][0])[1] == max(runs)
            frames = [f.frame_no for f in decode(media_bytes(api, last.segments[-2:]))]
            assert frames == run_b[-3 * GOP : -GOP]  # the newest two GOPs written (the last waits for a keyframe)
    finally:
        writer.stop()
        services.close()
