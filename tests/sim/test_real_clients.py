"""FFmpeg's tools and PyAV read the virtual cameras: the proof that real recorders will too."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import av

from citywatch.sim.network import CameraNetwork
from citywatch.video.h264 import iter_annexb_nal_units
from citywatch.video.sei import find_capture_stamp
from tests.conftest import require_tool

from .conftest import SMALL


def _ffprobe(url: str, timeout_s: float = 20) -> subprocess.CompletedProcess[str]:
    cmd = [require_tool("ffprobe"), "-v", "error", "-rtsp_transport", "tcp", "-print_format", "json"]
    cmd += ["-show_streams", "-select_streams", "v", url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)


def test_ffprobe_sees_h264_at_the_configured_size(network: CameraNetwork) -> None:
    for url in network.urls[:2]:  # one live, one loop
        result = _ffprobe(url)
        assert result.returncode == 0 and not result.stderr.strip(), result.stderr
        (stream,) = json.loads(result.stdout)["streams"]
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 320, 180)
        assert stream["r_frame_rate"] == "25/1"


def test_ffmpeg_decodes_without_errors(network: CameraNetwork) -> None:
    cmd = [require_tool("ffmpeg"), "-v", "error", "-rtsp_transport", "tcp", "-i", network.urls[0]]
    cmd += ["-t", "2", "-f", "framemd5", "-"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    frames = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    assert len(frames) >= 45  # 2 s at 25 fps


def _read_with_pyav(url: str, count: int) -> tuple[list[tuple[int, int, int]], bool, tuple[int, int]]:
    """(frame_no, capture_us, received_us) of ``count`` packets, first-is-keyframe, size."""
    container = av.open(url, options={"rtsp_transport": "tcp", "timeout": "5000000"})
    try:
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
        stamps, first_key = [], None
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if first_key is None:
                first_key = bool(packet.is_keyframe)
            stamp = find_capture_stamp(iter_annexb_nal_units(bytes(packet)))
            assert stamp is not None, "a frame without capture-time SEI"
            stamps.append((stamp.frame_no, stamp.capture_us, time.time_ns() // 1000))
            assert len(packet.decode()) <= 1
            if len(stamps) == count:
                break
        return stamps, bool(first_key), size
    finally:
        container.close()


def test_pyav_reads_stamps_consecutive_and_on_time(network: CameraNetwork) -> None:
    for url in (network.urls[0], network.urls[5]):
        stamps, first_key, size = _read_with_pyav(url, 45)
        assert first_key and size == (320, 180)
        frame_nos = [s[0] for s in stamps]
        assert frame_nos == list(range(frame_nos[0], frame_nos[0] + 45))
        # The demuxer buffers the first second while probing; after that frames arrive on time.
        lags_ms = [(recv - cap) / 1000 for _, cap, recv in stamps[30:]]
        assert min(lags_ms) > 0 and max(lags_ms) < 100, lags_ms


def test_client_joining_mid_gop_starts_with_a_keyframe(network: CameraNetwork) -> None:
    time.sleep(0.52)  # the other clients are mid-GOP now whatever their phase
    stamps, first_key, _ = _read_with_pyav(network.urls[6], 5)
    assert first_key and stamps[0][0] % 25 == 0


def test_digest_auth_with_ffprobe(loop_cache: Path) -> None:
    net = CameraNetwork(1, username="officer", password="pa55word", cache_dir=loop_cache, **SMALL)  # type: ignore[arg-type]
    with net.running_in_thread():
        denied = _ffprobe(net.urls[0])
        assert denied.returncode != 0 and "401" in denied.stderr
        wrong = _ffprobe(net.urls[0].replace("rtsp://", "rtsp://officer:nope@"))
        assert wrong.returncode != 0 and "401" in wrong.stderr
        ok = _ffprobe(net.urls[0].replace("rtsp://", "rtsp://officer:pa55word@"))
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["streams"][0]["width"] == 320


def test_live_viewport_moves_the_picture(network: CameraNetwork) -> None:
    container = av.open(network.urls[0], options={"rtsp_transport": "tcp", "timeout": "5000000"})
    try:
        frames = container.decode(video=0)
        before = [next(frames).to_ndarray(format="gray").astype(int) for _ in range(2)]
        still = abs(before[1] - before[0]).mean()
        viewport = network.camera(1).set_viewport(120.0, 0.0, 1.0)
        assert viewport.pan_deg == 120.0
        # PyAV buffered about a second while probing, and the live encoder works a few frames ahead.
        for _ in range(50):
            after = next(frames).to_ndarray(format="gray").astype(int)
        moved = abs(after - before[1]).mean()
        assert moved > 3 * still and moved > 10, (still, moved)
    finally:
        container.close()
        network.camera(1).set_viewport(0.0, 0.0, 1.0)
