"""The frame shown at an instant, as a JPEG: decode the GOP holding it from its keyframe.

Only one fragment (one GOP, about a second) and the file's init segment are read and decoded.
The frame chosen is the last one whose wall-clock time is at or before the instant, i.e. the
frame a viewer would see on screen then. PyAV/FFmpeg stay inside this module.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

from citywatch.video.gop_index import locate, wall_us
from citywatch.video.h264 import avcc_nal_units
from citywatch.video.media_access import MediaReader, read_file_range
from citywatch.video.playback_errors import NoFootage, PlaybackError
from citywatch.video.recording_query import RecordingRef
from citywatch.video.sei import find_capture_stamp

__all__ = ["Snapshot", "take_snapshot"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    jpeg: bytes
    frame_us: int  # wall-clock time of the frame shown, from the index
    capture_us: int | None  # the camera's own capture time, when its frames carry a capture-time SEI
    width: int
    height: int


def _find_gop(recordings: list[RecordingRef], at_us: int) -> tuple[RecordingRef, int]:
    for rec in recordings:
        gops = rec.gops
        if gops and gops[0].start_us <= at_us < gops[-1].end_us:
            return rec, locate(gops, at_us)
    raise NoFootage("nothing was recorded at that instant; pick a time inside a span of the timeline")


def take_snapshot(
    recordings: list[RecordingRef], at_us: int, *, quality: int = 4, reader: MediaReader | None = None
) -> Snapshot:
    rec, index = _find_gop(recordings, at_us)
    gop = rec.gops[index]
    if reader is None:
        blob = read_file_range(rec.file, 0, rec.init_bytes) + read_file_range(rec.file, gop.offset, gop.size)
    else:
        blob = reader.init(rec) + reader.read(rec, gop.offset, gop.size)
    best: tuple[av.VideoFrame, int, int | None] | None = None
    stamps: dict[int, int] = {}
    passed = False
    try:
        with av.open(io.BytesIO(blob), mode="r", format="mp4") as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if passed:
                    break
                if packet.pts is not None and packet.size:
                    stamp = find_capture_stamp(avcc_nal_units(bytes(packet)))
                    if stamp is not None:
                        stamps[int(packet.pts)] = stamp.capture_us
                for frame in packet.decode():
                    if frame.pts is None:
                        continue
                    frame_us = wall_us(rec.start_us, int(frame.pts) - rec.media_start_90k, rec.rate_ppm)
                    if best is None or frame_us <= at_us:
                        best = (frame, frame_us, stamps.get(int(frame.pts)))
                    else:
                        passed = True
    except av.error.FFmpegError as exc:
        raise PlaybackError(f"the recording at that instant cannot be decoded ({exc}); try a moment later") from exc
    if best is None:
        raise NoFootage("the recording at that instant holds no decodable frame; try a moment later")
    frame, frame_us, capture_us = best
    return Snapshot(_jpeg(frame, quality), frame_us, capture_us, frame.width, frame.height)


def _jpeg(frame: av.VideoFrame, quality: int) -> bytes:
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height = frame.width, frame.height
    codec.pix_fmt = "yuvj420p"
    codec.time_base = Fraction(1, 25)
    codec.options = {"qmin": str(quality), "qmax": str(quality)}
    image = frame.reformat(format="yuvj420p")
    image.pts = 0
    packets = [bytes(p) for p in codec.encode(image)] + [bytes(p) for p in codec.encode(None)]
    return b"".join(packets)
