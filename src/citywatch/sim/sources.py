"""Picture sources: what a camera sends for frame number *i*.

* ``LoopSource``: a loop of whole GOPs, encoded once per (resolution, fps, bitrate, GOP, length)
  and cached on disk, packetised once in memory and shared by every camera with those
  parameters. Serving it costs a copy and a patch per frame, so hundreds of cameras are cheap.
* ``LiveSource``: a ``StreetScene`` rendered and encoded by a worker thread a few frames ahead of
  the schedule, with the camera's name and capture time burned in. Its viewport is where the
  camera's ``PtzMotion`` says it points at the frame's due instant. A frame is rendered no
  earlier than ``_LIVE_LEAD_FRAMES`` intervals before it is due (and at most
  ``_LIVE_AHEAD_FRAMES`` wait ready), so a PTZ command shows in the picture within about
  three frame intervals; encoded frames can never be taken back (the next P-frame refers to them).

Both hand out ``FrameTemplate``s (see ``rtp``); the per-frame capture-time SEI is added when the
frame is sent, so the stamp is the scheduled capture instant whatever the source.
"""

from __future__ import annotations

import math
import os
import struct
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from citywatch.sim.encoder import EncodedFrame, EncoderError, H264Encoder, StreamParams, encode_jpeg
from citywatch.sim.ptz_motion import MAX_MAGNIFICATION, PAN_RANGE_DEG, TILT_RANGE_DEG, PtzMotion, PtzPosition
from citywatch.sim.rtp import FrameTemplate, build_frame_template
from citywatch.sim.scene import StreetScene, Viewport, clamp_viewport

__all__ = [
    "FrameSource",
    "LiveSource",
    "LoopSource",
    "default_cache_dir",
    "load_or_encode_loop",
    "position_viewport",
    "viewport_position",
]

_LOOP_MAGIC = b"CWLOOP2\n"
_FRAME_HEADER = struct.Struct(">BI")
_NAL_HEADER = struct.Struct(">I")
_LIVE_AHEAD_FRAMES = 4
_LIVE_LEAD_FRAMES = 2


class FrameSource(Protocol):
    sps: bytes
    pps: bytes

    def template(self, frame_no: int) -> FrameTemplate | None:
        """Frame ``frame_no``, or None when it is not ready (live encoder behind)."""
        ...

    def close(self) -> None: ...


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/citywatch/loops`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citywatch" / "loops"


def _loop_path(cache_dir: Path, params: StreamParams, frames: int) -> Path:
    p = params
    return cache_dir / f"loop-{p.width}x{p.height}-{p.fps}fps-{p.bitrate_kbps}k-gop{p.gop_frames}-{frames}f.cwloop"


def _write_loop(path: Path, frames: list[EncodedFrame]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".loop-")
    with os.fdopen(fd, "wb") as out:
        out.write(_LOOP_MAGIC)
        for frame in frames:
            out.write(_FRAME_HEADER.pack(int(frame.keyframe), len(frame.nals)))
            for nal in frame.nals:
                out.write(_NAL_HEADER.pack(len(nal)))
                out.write(nal)
    os.replace(tmp, path)  # atomic: concurrent processes encoding the same loop both succeed


def _read_loop(path: Path) -> list[EncodedFrame] | None:
    data = path.read_bytes()
    if not data.startswith(_LOOP_MAGIC):
        return None
    pos, frames = len(_LOOP_MAGIC), []
    while pos < len(data):
        key, count = _FRAME_HEADER.unpack_from(data, pos)
        pos += _FRAME_HEADER.size
        nals = []
        for _ in range(count):
            (size,) = _NAL_HEADER.unpack_from(data, pos)
            pos += _NAL_HEADER.size
            nals.append(data[pos : pos + size])
            pos += size
        frames.append(EncodedFrame(tuple(nals), bool(key)))
    return frames


def load_or_encode_loop(params: StreamParams, loop_s: float, cache_dir: Path) -> list[EncodedFrame]:
    """The cached loop for ``params`` (whole GOPs, at least ``loop_s`` long), encoding it if missing."""
    gop = params.gop_frames
    frames = max(1, -(-round(loop_s * params.fps) // gop)) * gop
    path = _loop_path(cache_dir, params, frames)
    if path.exists():
        cached = _read_loop(path)
        if cached is not None and len(cached) == frames:
            return cached
    scene = StreetScene(params.width, params.height, seed=7)
    encoder = H264Encoder(params, preset="veryfast", threads=2)
    labels = ("LOOP", f"{params.width}X{params.height} {params.fps}FPS {params.bitrate_kbps}K")
    encoded = []
    for i in range(frames):
        encoded.append(encoder.encode(scene.render(i / params.fps, i, (*labels, f"#{i:05d}")), i))
    encoder.close()
    try:
        _write_loop(path, encoded)
    except OSError as exc:
        raise OSError(f"cannot write the loop cache {path}: {exc}; pass another cache_dir") from exc
    return encoded


def _parameter_sets(frames: list[EncodedFrame], encoder: H264Encoder | None = None) -> tuple[bytes, bytes]:
    if encoder is not None and encoder.sps and encoder.pps:
        return encoder.sps, encoder.pps
    for frame in frames:
        sps = next((n for n in frame.nals if n[0] & 0x1F == 7), None)
        pps = next((n for n in frame.nals if n[0] & 0x1F == 8), None)
        if sps and pps:
            return sps, pps
    raise EncoderError("the encoder produced no SPS/PPS")


class LoopSource:
    """A pre-encoded loop; frame i is loop frame ``i % len(loop)``. Shared by many cameras."""

    def __init__(self, params: StreamParams, loop_s: float = 10.0, cache_dir: Path | None = None) -> None:
        frames = load_or_encode_loop(params, loop_s, cache_dir or default_cache_dir())
        self.sps, self.pps = _parameter_sets(frames)
        self.templates = [build_frame_template(f.nals, f.keyframe, self.sps, self.pps) for f in frames]
        self.bytes_per_loop = sum(len(t.head) + len(t.tail) for t in self.templates)

    def template(self, frame_no: int) -> FrameTemplate:
        return self.templates[frame_no % len(self.templates)]

    def close(self) -> None:
        pass


def position_viewport(position: PtzPosition) -> Viewport:
    """Generic PTZ units to the scene's degrees and magnification."""
    return Viewport(position.pan_deg, position.tilt_deg, position.magnification)


def viewport_position(vp: Viewport) -> PtzPosition:
    return PtzPosition(
        vp.pan_deg / PAN_RANGE_DEG, vp.tilt_deg / TILT_RANGE_DEG, math.log(vp.zoom) / math.log(MAX_MAGNIFICATION)
    ).clamped()


class LiveSource:
    """Renders and encodes a live street scene in a daemon thread, a few frames ahead.

    ``frame_time`` maps a frame number to its due instant on the monotonic clock (the motors'
    clock); the viewport of frame *i* is ``motion.position(frame_time(i))``.
    """

    def __init__(
        self,
        params: StreamParams,
        name: str,
        seed: int,
        clock_us: Callable[[int], int],
        frame_time: Callable[[int], float] | None = None,
        motion: PtzMotion | None = None,
    ) -> None:
        self.params, self.name = params, name
        self.scene = StreetScene(params.width, params.height, seed=seed)
        self.motion = motion or PtzMotion()
        self._clock_us = clock_us
        self._frame_time = frame_time or (lambda _n: self.motion.now())
        self._encoder = H264Encoder(params)
        first = self._encode(0)
        self.sps, self.pps = _parameter_sets([], self._encoder)
        self._ready: deque[tuple[int, FrameTemplate]] = deque([(0, first)])
        self._cond = threading.Condition()
        self._wanted = 0
        self._next = 1
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=f"sim-live-{name}", daemon=True)
        self._thread.start()

    def set_viewport(self, pan_deg: float, tilt_deg: float, zoom: float) -> Viewport:
        """Point the camera at once (no motor travel); clamped to the mechanical range."""
        vp = clamp_viewport(pan_deg, tilt_deg, zoom)
        self.motion.jump_to(viewport_position(vp))
        return vp

    def viewport(self, frame_no: int) -> Viewport:
        return position_viewport(self.motion.position(self._frame_time(frame_no)))

    def snapshot_jpeg(self) -> bytes:
        """A JPEG of what the camera sees now (for the ONVIF snapshot URI)."""
        now = self.motion.now()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
        picture = self.scene.render(now, 0, (self.name, stamp), position_viewport(self.motion.position(now)))
        return encode_jpeg(picture)

    def _encode(self, frame_no: int) -> FrameTemplate:
        stamp = datetime.fromtimestamp(self._clock_us(frame_no) / 1e6, UTC)
        labels = (self.name, stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z")
        picture = self.scene.render(frame_no / self.params.fps, frame_no, labels, self.viewport(frame_no))
        frame = self._encoder.encode(picture, frame_no)
        sps, pps = self._encoder.sps or b"", self._encoder.pps or b""
        return build_frame_template(frame.nals, frame.keyframe, sps, pps)

    def _run(self) -> None:
        lead_s = _LIVE_LEAD_FRAMES / self.params.fps
        while True:
            with self._cond:
                while True:
                    if self._stopped:
                        return
                    if len(self._ready) >= _LIVE_AHEAD_FRAMES:
                        self._cond.wait()
                        continue
                    frame_no = max(self._next, self._wanted)  # fell behind: skip to the schedule
                    early_s = self._frame_time(frame_no) - lead_s - self.motion.now()
                    if early_s <= 0:
                        break
                    self._cond.wait(timeout=early_s)  # not yet: a PTZ command may still come
            template = self._encode(frame_no)
            with self._cond:
                self._ready.append((frame_no, template))
                self._next = frame_no + 1

    def template(self, frame_no: int) -> FrameTemplate | None:
        with self._cond:
            self._wanted = max(self._wanted, frame_no)
            while self._ready and self._ready[0][0] < frame_no:
                self._ready.popleft()
                self._cond.notify()
            if self._ready and self._ready[0][0] == frame_no:
                self._cond.notify()
                return self._ready.popleft()[1]
            return None

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._encoder.close()
