"""RTSP ingest through PyAV/FFmpeg: the camera protocol stays in C, Python sees one object per frame.

Library errors are translated here into ``CameraConnectionError`` with a message an operator can
act on; nothing else in the recorder imports ``av``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from types import TracebackType

import av
import av.error

from citywatch.video.h264 import NAL_PPS, NAL_SPS, AvcParams, H264Error, annexb_to_avcc, iter_annexb_nal_units, nal_type
from citywatch.video.segmenter import Frame

__all__ = ["CameraConnectionError", "RtspSource", "redact_url"]


class CameraConnectionError(Exception):
    """The camera could not be reached, refused us, or its stream broke."""


def redact_url(url: str) -> str:
    """The URL without credentials, for logs and messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class RtspSource:
    """One RTSP session over TCP. Iterating yields frames until the stream ends or breaks."""

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._container: av.container.InputContainer | None = None
        self.params: AvcParams | None = None
        self.corrupt_packets = 0

    @property
    def safe_url(self) -> str:
        return redact_url(self._url)

    def _scrub(self, exc: BaseException) -> str:
        """FFmpeg's messages quote the URL it was given, credentials and all."""
        return str(exc).replace(self._url, self.safe_url)

    def open(self) -> None:
        options = {
            "rtsp_transport": "tcp",
            "rtsp_flags": "prefer_tcp",
            "probesize": "32768",
            "analyzeduration": "0",
            "fflags": "nobuffer",
            "max_delay": "500000",
        }
        try:
            container = av.open(self._url, options=options, timeout=(self._timeout_s, self._timeout_s))
        except (av.error.FFmpegError, OSError) as exc:
            raise CameraConnectionError(f"cannot open {self.safe_url}: {self._scrub(exc)}") from None
        if not container.streams.video:
            container.close()
            raise CameraConnectionError(f"{redact_url(self._url)} has no video stream")
        stream = container.streams.video[0]
        if stream.codec_context.name != "h264":
            container.close()
            raise CameraConnectionError(
                f"{redact_url(self._url)} sends {stream.codec_context.name}; only H.264 is recorded"
            )
        extradata = stream.codec_context.extradata
        if extradata:
            try:
                self.params = AvcParams.from_nal_units(iter_annexb_nal_units(bytes(extradata)))
            except H264Error:
                self.params = None  # wait for in-band parameter sets
        self._container = container

    def frames(self) -> Iterator[Frame]:
        container = self._container
        if container is None:
            raise RuntimeError("open() first")
        stream = container.streams.video[0]
        tb = stream.time_base
        scale = 90_000 * tb if tb is not None else 1
        native = scale == 1  # RTSP H.264 is 90 kHz: no arithmetic per frame
        # FFmpeg's H.264 parser hands out a frame only once the next one starts to arrive, so a
        # frame really arrived about one frame interval before demux returns it.
        interval_us = 40_000
        last_dts: int | None = None
        try:
            for packet in container.demux(stream):
                recv_us = time.time_ns() // 1000
                if not packet.size:
                    continue
                dts = packet.dts if packet.dts is not None else packet.pts
                if dts is None:
                    self.corrupt_packets += 1
                    continue
                pts = packet.pts if packet.pts is not None else dts
                if not native:
                    dts, pts = int(dts * scale), int(pts * scale)
                if last_dts is not None and 0 < dts - last_dts <= 18_000:
                    interval_us = (dts - last_dts) * 100 // 9
                last_dts = dts
                key = bool(packet.is_keyframe)
                data = bytes(packet)
                sps = pps = None
                if key:
                    for nal in iter_annexb_nal_units(data):
                        if nal_type(nal) == NAL_SPS:
                            sps = nal
                        elif nal_type(nal) == NAL_PPS:
                            pps = nal
                yield Frame(annexb_to_avcc(data), dts, pts, key, recv_us - interval_us, sps, pps)
        except (av.error.FFmpegError, OSError) as exc:
            raise CameraConnectionError(f"stream from {self.safe_url} broke: {self._scrub(exc)}") from None
        raise CameraConnectionError(f"{redact_url(self._url)} ended the stream")

    def close(self) -> None:
        if self._container is not None:
            with contextlib.suppress(av.error.FFmpegError, OSError):
                self._container.close()
            self._container = None

    def __enter__(self) -> RtspSource:
        self.open()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()
