"""One virtual camera: its clock, RTP state, viewers, counters and faults.

Clock: frame *i* is captured at ``t0 + i/fps`` on the monotonic clock (no drift accumulates);
its capture time in the SEI is ``t0_wall + i/fps + clock_offset``, in microseconds, which is
also what the RTCP sender reports map to the frame's RTP time (``i * 90000 / fps``).

SEI: each access unit is sent as [SPS, PPS,] SEI, slices, where the SEI is
``citywatch.video.sei.make_capture_sei(capture_us, frame_no)`` (format in ``video/sei.py``).

Faults (see ``Camera.fault``): ``disconnect``, ``stall``, ``garbage``, ``clock_offset``,
``refuse`` and ``offline`` (= disconnect + refuse).
"""

from __future__ import annotations

import os
import random
import time

from citywatch.sim.rtp import CLOCK_RATE, interleave, relabel_channels, render_frame, sender_report
from citywatch.sim.session import Session, SessionState
from citywatch.sim.sources import FrameSource
from citywatch.video.sei import make_capture_sei

__all__ = ["FAULT_KINDS", "Camera", "FaultError"]

FAULT_KINDS = ("disconnect", "stall", "garbage", "clock_offset", "refuse", "offline")
SENDER_REPORT_INTERVAL_S = 5.0


class FaultError(ValueError):
    """An unknown fault kind or a missing duration."""


class Camera:
    def __init__(self, number: int, name: str, fps: int, live: bool) -> None:
        self.number, self.name, self.fps, self.live = number, name, fps, live
        self.source: FrameSource | None = None
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.ts_base = random.getrandbits(32)
        self.t0 = time.monotonic()
        self.t0_wall_us = time.time_ns() // 1000
        self.clock_offset_us = 0
        self.sessions: dict[str, Session] = {}
        self.frames_lagged_closed = 0  # frames_lagged of viewers that have gone
        self.frames_emitted = 0
        self.frames_sent = 0
        self.bytes_sent = 0
        self.rtp_packets = 0
        self.rtp_octets = 0
        self.stalled_until = 0.0
        self.garbage_until = 0.0
        self.refused_until = 0.0
        self._next_sr = 0.0
        self._needs_resync = False

    # --- clock -----------------------------------------------------------------------------
    def restart_clock(self) -> None:
        self.t0 = time.monotonic()
        self.t0_wall_us = time.time_ns() // 1000

    def due(self, frame_no: int) -> float:
        return self.t0 + frame_no / self.fps

    def capture_us(self, frame_no: int) -> int:
        return self.t0_wall_us + frame_no * 1_000_000 // self.fps + self.clock_offset_us

    def rtp_time(self, frame_no: int) -> int:
        return (self.ts_base + frame_no * CLOCK_RATE // self.fps) & 0xFFFFFFFF

    # --- faults ----------------------------------------------------------------------------
    @property
    def refusing(self) -> bool:
        return time.monotonic() < self.refused_until

    def fault(self, kind: str, seconds: float = 0.0) -> None:
        """Inject a fault. ``seconds`` is a duration, or for ``clock_offset`` the offset (±)."""
        now = time.monotonic()
        if kind not in FAULT_KINDS:
            raise FaultError(f"unknown fault {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if kind not in ("disconnect", "clock_offset") and seconds <= 0:
            raise FaultError(f"fault {kind!r} needs a positive duration in seconds")
        if kind in ("disconnect", "offline"):
            self.disconnect_all()
        if kind in ("refuse", "offline"):
            self.refused_until = now + seconds
        elif kind == "stall":
            self.stalled_until = now + seconds
        elif kind == "garbage":
            self.garbage_until = now + seconds
        elif kind == "clock_offset":
            self.clock_offset_us = round(seconds * 1_000_000)

    def disconnect_all(self) -> None:
        for session in list(self.sessions.values()):
            session.transport.abort()
        self.sessions.clear()

    # --- sending ---------------------------------------------------------------------------
    @property
    def active_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.active]

    def emit(self, frame_no: int, now: float) -> bool:
        """Send frame ``frame_no`` to every viewer; False when the source has not made it yet."""
        if now < self.stalled_until:
            self._needs_resync = True
            return True
        if self.source is None:
            return True
        template = self.source.template(frame_no)
        if template is None:
            return False
        viewers = self.active_sessions
        if not viewers:
            return True
        if self._needs_resync and now >= self.garbage_until:  # every frame of a garbage window is spoilt
            for s in viewers:
                s.resync()
            self._needs_resync = False
        capture_us = self.capture_us(frame_no)
        rtp_time = self.rtp_time(frame_no)
        first_seq = self.seq
        blob, self.seq = render_frame(template, make_capture_sei(capture_us, frame_no), first_seq, rtp_time, self.ssrc)
        self.frames_emitted += 1
        self.rtp_packets += template.packet_count
        self.rtp_octets += len(blob) - 16 * template.packet_count
        joining = template.keyframe and any(s.state is SessionState.WAITING for s in viewers)
        if now >= self._next_sr or joining:  # a joining viewer gets its NTP↔RTP mapping at once
            self._next_sr = now + SENDER_REPORT_INTERVAL_S
            sr = sender_report(self.ssrc, capture_us, rtp_time, self.rtp_packets, self.rtp_octets)
            blob[:0] = interleave(1, sr)
        if now < self.garbage_until:
            self._send_garbage(viewers, blob)
            return True
        frame = bytes(blob)
        by_channel = {0: frame}
        for s in viewers:
            data = by_channel.get(s.channel)
            if data is None:
                data = by_channel[s.channel] = relabel_channels(frame, s.channel)
            sent = s.deliver(data, template.keyframe, first_seq, rtp_time)
            if sent:
                self.frames_sent += 1
                self.bytes_sent += sent
        return True

    def _send_garbage(self, viewers: list[Session], blob: bytearray) -> None:
        """Corrupt this frame for every viewer: truncated, bit-flipped, or raw random bytes."""
        choice = random.randrange(3)
        if choice == 0:  # truncated: the interleaved length now lies, framing breaks
            data = bytes(blob[: random.randrange(1, len(blob))])
        elif choice == 1:  # framing intact, NAL units corrupted
            data = bytes(blob)
            flipped = bytearray(data)
            for _ in range(max(1, len(flipped) // 50)):
                pos = random.randrange(len(flipped))
                flipped[pos] ^= random.getrandbits(8) | 1
            data = bytes(flipped)
        else:  # unframed random bytes
            data = os.urandom(random.randrange(16, 512))
        for s in viewers:
            if s.state is SessionState.PLAYING:
                s.write_raw(data)
                self.bytes_sent += len(data)
        self._needs_resync = True  # afterwards every viewer waits for a clean keyframe
