"""Both RTSP ingest paths against the virtual cameras, with and without Digest authentication."""

from __future__ import annotations

import itertools

import pytest

from citywatch.sim.network import CameraNetwork
from citywatch.video.h264 import avcc_nal_units
from citywatch.video.ingest import CameraConnectionError, RtspSource
from citywatch.video.native_ingest import NativeRtspSource
from citywatch.video.sei import find_capture_stamp


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    net = CameraNetwork(
        1, width=320, height=180, fps=25, bitrate_kbps=300, username="op", password="s3cret!",
        cache_dir=tmp_path_factory.mktemp("loops"),
    )  # fmt: skip
    with net.running_in_thread():
        yield net


@pytest.mark.parametrize("source_class", [NativeRtspSource, RtspSource])
def test_digest_credentials_open_the_stream_and_frames_are_whole(secured, source_class) -> None:  # type: ignore[no-untyped-def]
    url = secured.urls[0].replace("rtsp://", "rtsp://op:s3cret%21@")
    source = source_class(url, timeout_s=5)
    source.open()
    try:
        frames = list(itertools.islice(source.frames(), 60))
    finally:
        source.close()
    first_key = next(f for f in frames if f.key)
    assert first_key.sps and first_key.pps, "keyframes carry their parameter sets"
    assert frames[0].key or source_class is RtspSource, "the native client starts on a keyframe"
    assert source.params is not None and (source.params.width, source.params.height) == (320, 180)
    numbers = [find_capture_stamp(avcc_nal_units(f.data)).frame_no for f in frames]  # type: ignore[union-attr]
    assert numbers == list(range(numbers[0], numbers[0] + 60)), "consecutive frames, none lost or repeated"
    assert all(b.dts_90k - a.dts_90k == 3600 for a, b in itertools.pairwise(frames))
    assert "s3cret" not in source.safe_url


@pytest.mark.parametrize("source_class", [NativeRtspSource, RtspSource])
def test_wrong_credentials_say_so(secured, source_class) -> None:  # type: ignore[no-untyped-def]
    source = source_class(secured.urls[0].replace("rtsp://", "rtsp://op:Xyzzy-pass@"), timeout_s=5)
    with pytest.raises(CameraConnectionError) as err:
        source.open()
    assert "Xyzzy" not in str(err.value), "the password never appears in messages"
    if source_class is NativeRtspSource:
        assert "credentials" in str(err.value)
