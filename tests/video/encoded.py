"""Small H.264 streams made with libx264 through PyAV, for tests that need real frames."""

from __future__ import annotations

import fractions

import av

from citywatch.video.h264 import iter_annexb_nal_units


def x264(width: int, height: int, frames_per_gop: int) -> av.video.codeccontext.VideoCodecContext:
    """A 25 fps libx264 encoder with fixed GOPs, no B-frames and parameter sets on every keyframe."""
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = fractions.Fraction(1, 25)
    codec.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "bf": "0",
        "g": str(frames_per_gop),
        "keyint_min": str(frames_per_gop),
        "sc_threshold": "0",
        "x264-params": "repeat-headers=1",
    }
    return codec


def encode_gops(gops: int, frames_per_gop: int = 5, width: int = 160, height: int = 96) -> list[tuple[bytes, bool]]:
    """Annex B access units with a keyframe every ``frames_per_gop`` frames, as (bytes, is_key)."""
    codec = x264(width, height, frames_per_gop)
    out: list[tuple[bytes, bool]] = []
    for i in range(gops * frames_per_gop):
        frame = av.VideoFrame(width, height, "yuv420p")
        for n, plane in enumerate(frame.planes):
            plane.update(bytes([(i * 11 + n * 40) % 256]) * plane.buffer_size)
        frame.pts = i
        out += [(bytes(p), bool(p.is_keyframe)) for p in codec.encode(frame)]
    out += [(bytes(p), bool(p.is_keyframe)) for p in codec.encode(None)]
    return out


def nal_units(annexb: bytes) -> list[bytes]:
    return list(iter_annexb_nal_units(annexb))


def parameter_sets(annexb: bytes) -> tuple[bytes | None, bytes | None]:
    """The SPS and PPS an access unit carries in band, as a source hands them to the segmenter."""
    nals = nal_units(annexb)
    sps = next((n for n in nals if n[0] & 0x1F == 7), None)
    pps = next((n for n in nals if n[0] & 0x1F == 8), None)
    return sps, pps
