"""Turns a camera's frames into recordings: GOPs → fragments → one-minute files, with wall-clock times.

Time model (docs/design/recording.md, "Time"): within a run (one unbroken connection) media time
comes from the camera's RTP clock; the run is anchored to the server's clock at the least-delayed
frame of its first GOP; each file then runs at a rate corrected by at most ±500 ppm so that the
wall clock follows the server's clock when the camera's crystal drifts. Spans never overlap: a
run never starts before the previous one ended. A jump in media time ends the run, so every
hole is an explicit gap with a reason.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from citywatch.video.events import FragmentOut, RecordingSink, RecordingState, RunEnded, RunStarted
from citywatch.video.fmp4 import Sample, build_fragment, build_init_segment
from citywatch.video.gop_index import encode_gop, wall_us
from citywatch.video.h264 import AvcParams
from citywatch.video.recording_file import DiskFullError, RecordingFile

__all__ = ["Frame", "MotionHook", "Segmenter", "recording_rel_path"]

log = logging.getLogger(__name__)

MAX_RATE_PPM = 500.0
REANCHOR_US = 500_000  # wall clock this far off → new run (a gap says so) rather than slow steering
MAX_FRAME_GAP_90K = 2 * 90_000  # a longer jump in media time is an outage, not a frame


@dataclass(slots=True)
class Frame:
    """One access unit in AVCC form (as MP4 stores it), its 90 kHz times and its arrival time.

    Sources set ``sps``/``pps`` on keyframes that carry parameter sets in band.
    """

    data: bytes
    dts_90k: int
    pts_90k: int
    key: bool
    recv_us: int
    sps: bytes | None = None
    pps: bytes | None = None


class MotionHook(Protocol):
    """Where keyframes go for motion detection (video/motion.py); must not block."""

    def keyframe(self, camera_id: int, params: AvcParams, data: bytes, at_us: int) -> None: ...

    def stream_ended(self, camera_id: int, end_us: int) -> None: ...


def recording_rel_path(camera_id: int, start_us: int, run_id: str, run_seq: int) -> str:
    day = time.strftime("%Y/%m/%d", time.gmtime(start_us // 1_000_000))
    return f"{camera_id}/{day}/{start_us}-{run_id[:8]}-{run_seq:05d}.mp4"


def stagger_fraction(camera_id: int) -> float:
    """Spread file rotations of many cameras evenly over the file duration (golden-ratio sequence)."""
    return (camera_id * 0.6180339887498949) % 1.0


class Segmenter:
    """Not thread-safe: one per camera, fed by that camera's ingest thread."""

    def __init__(
        self,
        camera_id: int,
        media_dir: Path,
        sink: RecordingSink,
        *,
        file_duration_s: float = 60.0,
        live: Callable[[FragmentOut], None] | None = None,
        last_end_us: int = 0,
        live_part_ms: float = 200.0,
        motion: MotionHook | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.media_dir = media_dir
        self.sink = sink
        self.live = live
        self.motion = motion
        self.file_duration_90k = round(file_duration_s * 90_000)
        self.last_end_us = last_end_us
        self._params: AvcParams | None = None
        self._init = b""
        self._gop: list[Frame] = []
        self._run_id = ""
        self._run_seq = 0
        self._run_origin_dts = 0
        self._in_run = False
        self._file: RecordingFile | None = None
        self._rec: RecordingState | None = None
        self._fragment_seq = 0
        self._last_frame_90k = 3600
        self._file_target_90k = self.file_duration_90k
        self._tail_err_us = 0
        self.frames_written = 0
        self.bytes_written = 0
        # Live parts: media sent to live viewers before its GOP ends (0 ms: whole GOPs only).
        self.live_part_90k = round(live_part_ms * 90)
        self._live_sent = 0  # frames of the current GOP already sent live
        self._live_seq = 0
        self._live_map: tuple[int, int, float] | None = None  # the open file's time model, for parts

    # -- input -----------------------------------------------------------------------------
    def set_params(self, params: AvcParams | None) -> None:
        """Parameters from the SDP; in-band SPS/PPS on keyframes override them."""
        if params is not None and self._params is None:
            self._params = params

    def push(self, frame: Frame) -> None:
        if self._gop:
            delta = frame.dts_90k - self._gop[-1].dts_90k
            if delta <= 0 or delta > MAX_FRAME_GAP_90K:
                self.end_run("stream_discontinuity", f"media time jumped by {delta / 90:.0f} ms")
            else:
                self._last_frame_90k = delta
        if not frame.key:
            if self._gop:
                self._gop.append(frame)
                self._maybe_send_part()
            return  # before the first keyframe of a run: nothing to decode from
        if self._gop:
            self._flush_gop(next_dts=frame.dts_90k)
        self._check_params(frame)
        if self._params is None:
            return
        if not self._in_run:
            self._start_run(frame)
        self._gop = [frame]
        self._live_sent = 0

    def end_run(self, reason: str, detail: str) -> None:
        """The connection ended (or media time broke): write what is buffered, close the file."""
        if self._gop:
            self._flush_gop(next_dts=self._gop[-1].dts_90k + self._last_frame_90k)
            self._gop = []
        self._close_file()
        self._live_map = None
        if self._in_run:
            self._in_run = False
            if self.motion is not None:
                self.motion.stream_ended(self.camera_id, self.last_end_us)
            self.sink.run_ended(RunEnded(self.camera_id, self.last_end_us, reason, detail))

    # -- internals -----------------------------------------------------------------------------
    def _check_params(self, frame: Frame) -> None:
        sps, pps = frame.sps, frame.pps
        if sps is None or pps is None:
            return
        if self._params is not None and sps == self._params.sps and pps == self._params.pps:
            return
        params = AvcParams.from_nal_units([sps, pps])
        if self._params is not None and self._file is not None:
            log.info("camera %d: stream parameters changed; starting a new file", self.camera_id)
            self._close_file()
        self._live_map = None  # the new parameters' init segment exists once the GOP is written
        self._params = params

    def _start_run(self, first: Frame) -> None:
        self._in_run = True
        self._run_id = str(uuid.uuid4())
        self._run_seq = 0
        self._run_origin_dts = first.dts_90k
        self._fragment_seq = 0
        self._live_map = None
        self._file_target_90k = max(90_000, round(self.file_duration_90k * (0.5 + stagger_fraction(self.camera_id))))

    def _flush_gop(self, *, next_dts: int) -> None:
        gop, self._gop = self._gop, []
        media0 = gop[0].dts_90k - self._run_origin_dts
        if self._rec is None:
            self._open_file(gop, media0)
        rec, file = self._rec, self._file
        assert rec is not None and file is not None
        samples = []
        for i, f in enumerate(gop):
            nxt = gop[i + 1].dts_90k if i + 1 < len(gop) else next_dts
            samples.append(Sample(f.data, nxt - f.dts_90k, f.pts_90k - f.dts_90k))
        duration = next_dts - gop[0].dts_90k
        start_us = wall_us(rec.start_us, media0 - rec.media_start_90k, rec.rate_ppm)
        # Least-delayed frame of this GOP tells how far the wall clock has wandered.
        self._tail_err_us = min(
            f.recv_us - wall_us(rec.start_us, f.dts_90k - self._run_origin_dts - rec.media_start_90k, rec.rate_ppm)
            for f in gop
        )
        data = build_fragment(self._fragment_seq, media0, samples, wall_clock_us=start_us)
        try:
            file.append(data)
        except DiskFullError as exc:
            self.sink.disk_full(self.camera_id, str(exc))
            try:
                file.append(data)  # the sink may have freed space
            except DiskFullError:
                log.error("camera %d: disk full, %d frames not recorded", self.camera_id, len(gop))
                self.end_run("disk_full", str(exc))
                return
        self._fragment_seq += 1
        rec.size_bytes += len(data)
        rec.duration_90k += duration
        rec.frames += len(gop)
        rec.gops += 1
        rec.gop_index += encode_gop(len(data), duration, len(gop))
        rec.end_us = wall_us(rec.start_us, media0 + duration - rec.media_start_90k, rec.rate_ppm)
        self.last_end_us = rec.end_us
        self.frames_written += len(gop)
        self.bytes_written += len(data)
        self.sink.recording_updated(rec.snapshot())
        if self.motion is not None and self._params is not None:
            self.motion.keyframe(self.camera_id, self._params, gop[0].data, start_us)
        if self.live is not None:
            if self._live_sent:  # the GOP's first parts went out already: send the rest
                self._send_part(gop[self._live_sent :], next_dts)
            else:
                self.live(FragmentOut(self.camera_id, self._run_id, self._init, data, start_us, duration))
        self._live_sent = 0
        self._live_map = (rec.start_us, rec.media_start_90k, rec.rate_ppm)
        if rec.duration_90k >= self._file_target_90k:
            self._close_file()
            self._file_target_90k = self.file_duration_90k
        if abs(self._tail_err_us) > REANCHOR_US:
            detail = f"wall clock off by {self._tail_err_us / 1000:.0f} ms; re-anchoring"
            log.warning("camera %d: %s", self.camera_id, detail)
            self.end_run("clock_step", detail)

    def _maybe_send_part(self) -> None:
        """Send the frames of the current GOP not yet sent live once they make a part's worth.

        The newest frame is held back: its duration is known only when the next frame arrives.
        """
        if self.live is None or self.live_part_90k <= 0 or self._live_map is None:
            return
        gop, first = self._gop, self._live_sent
        if gop[-1].dts_90k - gop[first].dts_90k >= self.live_part_90k:
            self._send_part(gop[first:-1], gop[-1].dts_90k)
            self._live_sent = len(gop) - 1

    def _send_part(self, frames: list[Frame], next_dts: int) -> None:
        assert self.live is not None and self._live_map is not None and frames
        samples = []
        for i, f in enumerate(frames):
            nxt = frames[i + 1].dts_90k if i + 1 < len(frames) else next_dts
            samples.append(Sample(f.data, nxt - f.dts_90k, f.pts_90k - f.dts_90k))
        media0 = frames[0].dts_90k - self._run_origin_dts
        map_start_us, map_media_90k, rate_ppm = self._live_map
        start_us = wall_us(map_start_us, media0 - map_media_90k, rate_ppm)
        data = build_fragment(self._live_seq, media0, samples, wall_clock_us=start_us)
        self._live_seq += 1
        key = frames[0].key
        duration = next_dts - frames[0].dts_90k
        self.live(FragmentOut(self.camera_id, self._run_id, self._init, data, start_us, duration, key=key))

    def _open_file(self, gop: list[Frame], media0: int) -> None:
        assert self._params is not None
        if self._run_seq == 0 and self._fragment_seq == 0:
            # New run: anchor at the least-delayed frame of the first GOP, never before the last end.
            start_us = min(f.recv_us - (f.dts_90k - gop[0].dts_90k) * 100 // 9 for f in gop)
            start_us = max(start_us, self.last_end_us)
            rate_ppm = 0.0
            self.sink.run_started(RunStarted(self.camera_id, start_us))
        else:
            start_us = self.last_end_us
            # Aim to cancel the error seen at the end of the last file over the next one.
            correction = self._tail_err_us * 1e6 / max(1, self.file_duration_90k * 100 // 9)
            rate_ppm = max(-MAX_RATE_PPM, min(MAX_RATE_PPM, correction))
        self._init = build_init_segment(self._params)
        rel = recording_rel_path(self.camera_id, start_us, self._run_id, self._run_seq)
        self._file = RecordingFile(self.media_dir, rel, self._init)
        self._rec = RecordingState(
            camera_id=self.camera_id,
            run_id=self._run_id,
            run_seq=self._run_seq,
            media_dir=str(self.media_dir),
            path=rel,
            start_us=start_us,
            media_start_90k=media0,
            rate_ppm=rate_ppm,
            init_bytes=len(self._init),
            codec=self._params.codec_string,
            width=self._params.width,
            height=self._params.height,
            size_bytes=len(self._init),
            end_us=start_us,
        )
        self._run_seq += 1

    def _close_file(self) -> None:
        file, rec = self._file, self._rec
        self._file = self._rec = None
        if file is None or rec is None:
            return
        if rec.gops == 0:
            file.discard()
            return
        rec.sha256 = file.close()
        rec.state = "closed"
        self.sink.recording_closed(rec.snapshot())
