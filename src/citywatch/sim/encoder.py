"""libx264 through PyAV, configured the way IP cameras stream: no B-frames, fixed GOP, CBR-like.

Frames are forced to IDR at every ``gop_frames`` boundary so a keyframe's position is a pure
function of the frame number (the loop cache and joining clients rely on it). ``repeat-headers``
keeps SPS/PPS in-band on every keyframe, as RTSP clients joining mid-stream need.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt

from citywatch.video.h264 import NAL_PPS, NAL_SPS, iter_annexb_nal_units, nal_type

__all__ = ["EncodedFrame", "EncoderError", "H264Encoder", "StreamParams", "encode_jpeg"]


class EncoderError(RuntimeError):
    """libx264 could not be opened or produced no picture."""


@dataclass(frozen=True, slots=True)
class StreamParams:
    """What a camera streams; also the loop cache key."""

    width: int = 640
    height: int = 360
    fps: int = 25
    bitrate_kbps: int = 800
    keyframe_interval_s: float = 1.0

    def __post_init__(self) -> None:
        if self.width < 64 or self.height < 64 or self.width % 2 or self.height % 2:
            raise ValueError(f"resolution {self.width}x{self.height}: both sides must be even and ≥ 64")
        if not 1 <= self.fps <= 120:
            raise ValueError(f"fps {self.fps} is outside 1..120")
        if self.bitrate_kbps < 16:
            raise ValueError(f"bitrate {self.bitrate_kbps} kbit/s is below 16")
        if self.keyframe_interval_s <= 0:
            raise ValueError("keyframe interval must be positive")

    @property
    def gop_frames(self) -> int:
        return max(1, round(self.fps * self.keyframe_interval_s))


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """One access unit as NAL units (no start codes)."""

    nals: tuple[bytes, ...]
    keyframe: bool


class H264Encoder:
    """Encodes RGB frames one at a time; with zerolatency each input yields its output at once."""

    def __init__(self, params: StreamParams, preset: str = "ultrafast", threads: int = 1) -> None:
        self.params = params
        kbps, gop = params.bitrate_kbps, params.gop_frames
        try:
            cc = av.CodecContext.create("libx264", "w")
        except Exception as exc:  # PyAV raises its own error types per FFmpeg build
            raise EncoderError(f"libx264 is not available in this PyAV build: {exc}") from exc
        cc.width, cc.height = params.width, params.height
        cc.pix_fmt = "yuv420p"
        cc.time_base = Fraction(1, params.fps)
        cc.framerate = Fraction(params.fps, 1)
        cc.bit_rate = kbps * 1000
        cc.gop_size = gop
        cc.max_b_frames = 0
        cc.thread_count = threads
        cc.options = {
            "preset": preset,
            "tune": "zerolatency",
            "x264-params": (
                f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:repeat-headers=1:forced-idr=1:"
                f"vbv-maxrate={kbps}:vbv-bufsize={kbps}"
            ),
        }
        self._cc = cc
        self.sps: bytes | None = None
        self.pps: bytes | None = None

    def encode(self, rgb: npt.NDArray[np.uint8], frame_no: int) -> EncodedFrame:
        """Encode frame ``frame_no``; it is an IDR when ``frame_no`` is a multiple of the GOP."""
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = frame_no
        keyframe = frame_no % self.params.gop_frames == 0
        if keyframe:
            frame.pict_type = av.video.frame.PictureType.I
        packets = self._cc.encode(frame)
        if len(packets) != 1:
            raise EncoderError(f"libx264 returned {len(packets)} packets for one frame (expected 1)")
        nals = tuple(iter_annexb_nal_units(bytes(packets[0])))
        for nal in nals:
            if nal_type(nal) == NAL_SPS:
                self.sps = nal
            elif nal_type(nal) == NAL_PPS:
                self.pps = nal
        return EncodedFrame(nals, keyframe or bool(packets[0].is_keyframe))

    def close(self) -> None:
        try:
            self._cc.encode(None)
        except Exception:  # noqa: S110 - flushing a zerolatency encoder has nothing to lose
            pass


def encode_jpeg(rgb: npt.NDArray[np.uint8], quality: int = 4) -> bytes:
    """One RGB picture as a JPEG (FFmpeg's mjpeg; ``quality`` is its qscale, 2 best .. 31 worst),
    for ONVIF snapshot URIs."""
    height, width = rgb.shape[:2]
    try:
        cc = av.CodecContext.create("mjpeg", "w")
    except Exception as exc:  # PyAV raises its own error types per FFmpeg build
        raise EncoderError(f"the mjpeg encoder is not available in this PyAV build: {exc}") from exc
    cc.width, cc.height, cc.pix_fmt = width, height, "yuvj420p"
    cc.time_base = Fraction(1, 25)
    cc.options = {"qmin": str(quality), "qmax": str(quality)}
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuvj420p")
    frame.pts = 0
    packets = [*cc.encode(frame), *cc.encode(None)]
    if not packets:
        raise EncoderError("the mjpeg encoder produced no picture")
    return b"".join(bytes(p) for p in packets)
