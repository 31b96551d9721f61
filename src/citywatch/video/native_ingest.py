"""The recorder's own RTSP ingest: the default, because it costs a fraction of FFmpeg's.

Same interface as ``ingest.RtspSource`` (open / frames / close / params), so a camera can be
switched to the FFmpeg path (``recorder.ingest = "ffmpeg"``) if it needs something this client
lacks (UDP-only cameras, B-frames).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator

from citywatch.video.fmp4 import unix_us_from_ntp
from citywatch.video.h264 import AvcParams, H264Error
from citywatch.video.ingest import CameraConnectionError, redact_url
from citywatch.video.rtp_h264 import H264Depacketizer, RtpError
from citywatch.video.rtsp_client import RtspClient, RtspError
from citywatch.video.segmenter import Frame

__all__ = ["NativeRtspSource"]


class NativeRtspSource:
    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        self._url = url
        self._client = RtspClient(url, timeout_s=timeout_s)
        self.params: AvcParams | None = None
        self.corrupt_packets = 0
        self.damaged_frames = 0
        self.camera_clock_offset_us: int | None = None  # camera's clock minus ours, from RTCP
        self.batch_window_s = 0.1  # 0 turns batching off (lowest live latency)

    @property
    def safe_url(self) -> str:
        return redact_url(self._url)

    def open(self) -> None:
        try:
            self._client.connect()
            video = self._client.start()
        except (RtspError, OSError) as exc:
            self._client.close()
            raise CameraConnectionError(f"cannot open {self.safe_url}: {exc}") from exc
        if video.sprop:
            try:
                self.params = AvcParams.from_nal_units(video.sprop)
            except H264Error:
                self.params = None  # in-band parameter sets will do

    def frames(self) -> Iterator[Frame]:
        client = self._client
        depack = H264Depacketizer()
        last_ts: int | None = None
        started = time.monotonic()
        received = 0
        batching = False
        try:
            while True:
                buf, packets = client.read_packets()
                recv_us = time.time_ns() // 1000
                for channel, start, end in packets:
                    if channel == 0:
                        try:
                            units = depack.push_from(buf, start, end)
                        except RtpError:
                            self.corrupt_packets += 1
                            continue
                        for unit in units:
                            if unit.damaged:
                                self.damaged_frames += 1
                            if last_ts is not None and unit.timestamp < last_ts:
                                raise CameraConnectionError(
                                    f"{self.safe_url} sends frames out of order (B-frames?); set the camera to a "
                                    "profile without B-frames or record it with ingest = ffmpeg"
                                )
                            last_ts = unit.timestamp
                            yield Frame(
                                unit.data, unit.timestamp, unit.timestamp, unit.key, recv_us, unit.sps, unit.pps
                            )
                    elif channel == 1:
                        self._rtcp(memoryview(bytes(buf[start:end])))
                if not batching:
                    received += sum(end - start for _, start, end in packets)
                    elapsed = time.monotonic() - started
                    if elapsed > 3.0:
                        client.batch_reads(received / elapsed, self.batch_window_s)
                        batching = True
                if client.keepalive_due():
                    client.send_keepalive()
                if client.rr_due():
                    client.send_receiver_report()
        except RtspError as exc:
            raise CameraConnectionError(f"stream from {self.safe_url} broke: {exc}") from exc
        except OSError as exc:
            raise CameraConnectionError(f"stream from {self.safe_url} broke: {exc}") from exc

    def _rtcp(self, data: memoryview) -> None:
        pos = 0
        while pos + 4 <= len(data):
            pt = data[pos + 1]
            length = (struct.unpack_from(">H", data, pos + 2)[0] + 1) * 4
            if pt == 200 and pos + 20 <= len(data):  # sender report: the camera's clock
                (ntp,) = struct.unpack_from(">Q", data, pos + 8)
                self.camera_clock_offset_us = unix_us_from_ntp(ntp) - time.time_ns() // 1000
            pos += length

    def close(self) -> None:
        self._client.close()
