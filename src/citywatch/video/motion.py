"""Motion detection on keyframes: decode each GOP's keyframe to a small grey thumbnail, compare it
with the camera's previous one, and turn "changed / unchanged" into motion events.

Why keyframes only: a keyframe decodes on its own, so the recorder never keeps a decoder's
reference chain per camera, and the cost is one picture per GOP (1 s at the usual setting) rather
than every frame — 25× less CPU at 25 fps (docs/design/motion.md has the figures). What is lost:
motion shorter than a GOP that leaves the picture as it was (a bird through the frame) is not
seen; anything that moves for longer, or moves something, is. Recording never waits for this:
detection runs on one thread per recorder worker process (so at most a core each) behind a queue
of at most 256 keyframes; a keyframe that finds it full is skipped (the end of a run is never
dropped and never waits). With more cameras than a core can follow, comparisons span two GOPs or
more instead of recording slowing down.

A cell counts as changed when its grey level moved by more than ``level`` after the picture's
median change is taken away (so auto-exposure and clouds do not count); a keyframe shows motion
when at least ``min_area`` of the cells changed. An event runs from the keyframe before the first
change to the keyframe that showed the last, and is held ``hold_gops`` quiet keyframes so a person
pausing mid-scene does not split it. Events longer than ``MAX_MOTION_US`` are cut into pieces, which keeps the
timeline's index range bounded.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import av
import av.error
import numpy as np
import numpy.typing as npt
from av.video.codeccontext import VideoCodecContext

from citywatch.video.h264 import AvcParams, avcc_nal_units

__all__ = [
    "DECODER_OPTIONS",
    "MAX_MOTION_US",
    "THUMB_WIDTH",
    "CameraMotion",
    "KeyframeThumbnailer",
    "MotionDetector",
    "MotionEnded",
    "MotionSettings",
    "MotionStarted",
    "MotionWorker",
    "picture_change",
]

log = logging.getLogger(__name__)

MAX_MOTION_US = 10 * 60 * 1_000_000
THUMB_WIDTH = 64
_START_CODE = b"\x00\x00\x00\x01"

Thumb = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class MotionSettings:
    level: float = 18.0  # grey levels (0–255) a cell must change by
    min_area: float = 0.004  # fraction of cells that must change (0.004 of 64×36 ≈ 9 cells)
    hold_gops: int = 2  # quiet keyframes before an event ends


@dataclass(frozen=True, slots=True)
class CameraMotion:
    """One camera's own setting (``cameras.motion``, ``cameras.motion_min_area``)."""

    enabled: bool = True
    min_area: float | None = None  # None: the installation's


_DEFAULT_CAMERA = CameraMotion()


@dataclass(frozen=True, slots=True)
class MotionStarted:
    camera_id: int
    start_us: int


@dataclass(frozen=True, slots=True)
class MotionEnded:
    camera_id: int
    start_us: int
    end_us: int
    peak: float  # the largest fraction of the picture seen changing


MotionChange = MotionStarted | MotionEnded


def picture_change(before: Thumb, after: Thumb, level: float) -> float:
    """Fraction of cells whose grey level changed by more than ``level``, global shifts removed."""
    if before.shape != after.shape:
        return 1.0  # the stream changed resolution: something happened, and the baseline is gone
    delta = after - before
    changed = np.abs(delta - np.median(delta)) > level
    return float(np.count_nonzero(changed) / changed.size)


class MotionDetector:
    """One camera's state: the last thumbnail and the event in progress. Not thread-safe.

    A change between two keyframes is motion somewhere in between, so it covers ``[previous, this]``
    keyframe: events are exact to one GOP on either side, never late.
    """

    def __init__(self, camera_id: int, settings: MotionSettings) -> None:
        self.camera_id = camera_id
        self.settings = settings
        self._last: tuple[Thumb, int] | None = None
        self._start_us: int | None = None
        self._end_us = 0  # the keyframe that showed the last change seen
        self._peak = 0.0
        self._quiet = 0

    def feed(self, thumb: Thumb, at_us: int) -> list[MotionChange]:
        """The keyframe shown at ``at_us``; returns the events it starts or ends."""
        last, self._last = self._last, (thumb, at_us)
        if last is None:
            return []
        change = picture_change(last[0], thumb, self.settings.level)
        out: list[MotionChange] = []
        if change >= self.settings.min_area:
            if self._start_us is not None and at_us - self._start_us > MAX_MOTION_US:
                out += self._end()  # cut: the next piece starts where this one ends
            if self._start_us is None:
                self._start_us, self._peak = min(last[1], at_us - 1), 0.0
                if out:
                    self._start_us = max(self._start_us, self._end_us)
                out.append(MotionStarted(self.camera_id, self._start_us))
            self._end_us, self._quiet = at_us, 0
            self._peak = max(self._peak, change)
        elif self._start_us is not None:
            self._quiet += 1
            if self._quiet >= self.settings.hold_gops:
                out += self._end()
        return out

    def stream_ended(self, end_us: int) -> list[MotionChange]:
        """The run ended (camera lost, recorder stopping): close the event, forget the baseline."""
        self._last = None
        if self._start_us is None:
            return []
        if self._quiet == 0:  # still moving when the pictures stopped
            self._end_us = max(self._end_us, min(end_us, self._start_us + MAX_MOTION_US))
        return self._end()

    def _end(self) -> list[MotionChange]:
        assert self._start_us is not None
        ended = MotionEnded(self.camera_id, self._start_us, max(self._end_us, self._start_us + 1), self._peak)
        self._start_us, self._quiet = None, 0
        return [ended]


# A 64-px thumbnail does not need deblocking or bit-exact decoding: ~25 % less CPU per keyframe.
DECODER_OPTIONS = {"skip_loop_filter": "all", "flags2": "+fast"}


class KeyframeThumbnailer:
    """Decodes lone keyframes (AVCC access units) to grey thumbnails with FFmpeg.

    One decoder serves every camera of a process: each keyframe goes in with its camera's parameter
    sets and the decoder is flushed after it, so nothing of one camera's picture leaks into the next
    (800 decoders holding 1080p buffers would cost gigabytes).
    """

    def __init__(self) -> None:
        self._codec: VideoCodecContext | None = None

    def thumbnail(self, params: AvcParams, access_unit: bytes) -> Thumb | None:
        if self._codec is None:
            self._codec = av.CodecContext.create("h264", "r")
            self._codec.thread_count = 1  # one core per worker at most; cameras are the parallelism
            self._codec.options = DECODER_OPTIONS
        codec = self._codec
        annexb = b"".join(_START_CODE + bytes(n) for n in (params.sps, params.pps, *avcc_nal_units(access_unit)))
        try:
            frames = codec.decode(av.Packet(annexb))
            frames += codec.decode(None)  # a keyframe needs no later picture: drain now
        except av.error.FFmpegError as exc:
            log.debug("keyframe not decodable for motion: %s", exc)
            self._codec = None  # a fresh decoder for the next one
            return None
        codec.flush_buffers()
        if not frames:
            return None
        frame = frames[-1]
        height = max(2, round(THUMB_WIDTH * frame.height / frame.width / 2) * 2)
        small = frame.reformat(width=THUMB_WIDTH, height=height, format="gray", interpolation="AREA")
        thumb: Thumb = small.to_ndarray().astype(np.float32)
        return thumb


@dataclass(frozen=True, slots=True)
class _Keyframe:
    camera_id: int
    params: AvcParams
    data: bytes
    at_us: int


@dataclass(frozen=True, slots=True)
class _Ended:
    camera_id: int
    end_us: int


class MotionWorker:
    """One thread per recorder process that runs every camera's detector behind a bounded queue."""

    def __init__(
        self,
        sink: Callable[[MotionChange], None],
        settings: MotionSettings | None = None,
        *,
        capacity: int = 256,
        per_camera: Callable[[], dict[int, CameraMotion]] | None = None,
        refresh_s: float = 10.0,
    ) -> None:
        """``per_camera``: each camera's own switch and sensitivity (from ``cameras``), re-read every ``refresh_s``."""
        self._sink = sink
        self.settings = settings or MotionSettings()
        self._per_camera = per_camera
        self._refresh_s = refresh_s
        self._cameras: dict[int, CameraMotion] = {}
        self._read_at = -refresh_s
        # Unbounded, so that the end of a run (which must not be lost, and must come after that camera's
        # keyframes) never blocks a camera's thread; keyframes are refused once ``capacity`` items wait.
        self._queue: queue.Queue[_Keyframe | _Ended | None] = queue.Queue()
        self._capacity = capacity
        self._thumbnailer = KeyframeThumbnailer()
        self._detectors: dict[int, MotionDetector] = {}
        self._thread = threading.Thread(target=self._run, name="motion", daemon=True)
        self.analysed = 0
        self.skipped = 0  # keyframes dropped because detection was behind
        self._warned_at = -60.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout_s)

    def keyframe(self, camera_id: int, params: AvcParams, data: bytes, at_us: int) -> None:
        """Called by the segmenter for each GOP written (its keyframe and wall-clock time); never blocks."""
        if self._queue.qsize() >= self._capacity:
            self.skipped += 1
            now = time.monotonic()
            if now - self._warned_at >= 60.0:  # an operator's signal, at most once a minute
                self._warned_at = now
                log.warning(
                    "motion detection is behind: %d keyframes skipped so far (%d analysed); "
                    "motion is compared over longer steps. More recorder workers (recorder.workers), "
                    "or motion switched off on some cameras (their motion field), would help",
                    self.skipped,
                    self.analysed,
                )
            return
        self._queue.put_nowait(_Keyframe(camera_id, params, data, at_us))

    def stream_ended(self, camera_id: int, end_us: int) -> None:
        """Called by the segmenter when a run ends; never blocks, never dropped (it closes an open event)."""
        self._queue.put_nowait(_Ended(camera_id, end_us))

    def drain(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything queued so far has been analysed (tests, orderly stops)."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                for change in self._handle(item):
                    self._sink(change)
            except Exception:  # one camera's odd picture must not stop detection for all
                log.exception("motion detection failed")
            finally:
                self._queue.task_done()

    def _camera(self, camera_id: int) -> CameraMotion:
        if self._per_camera is not None and time.monotonic() - self._read_at >= self._refresh_s:
            self._read_at = time.monotonic()
            try:
                self._cameras = self._per_camera()
            except Exception as exc:  # the database away: keep the last settings, try again later
                log.warning("could not read cameras' motion settings (%s); keeping the last ones", exc)
        return self._cameras.get(camera_id, _DEFAULT_CAMERA)

    def _handle(self, item: _Keyframe | _Ended) -> list[MotionChange]:
        if isinstance(item, _Ended):
            found = self._detectors.get(item.camera_id)
            return [] if found is None else found.stream_ended(item.end_us)
        own = self._camera(item.camera_id)
        detector = self._detectors.get(item.camera_id)
        if not own.enabled:  # switched off: close what was going on, keep no baseline
            return [] if detector is None else self._detectors.pop(item.camera_id).stream_ended(item.at_us)
        settings = self.settings if own.min_area is None else replace(self.settings, min_area=own.min_area)
        if detector is None:
            detector = self._detectors[item.camera_id] = MotionDetector(item.camera_id, settings)
        detector.settings = settings
        thumb = self._thumbnailer.thumbnail(item.params, item.data)
        if thumb is None:
            return []
        self.analysed += 1
        return detector.feed(thumb, item.at_us)
