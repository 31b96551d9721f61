"""One viewer of one camera: an RTSP session bound to its TCP connection (interleaved RTP).

Delivery rules, which keep every decoder happy and memory bounded:

* a session that has just sent PLAY waits for the next keyframe; the PLAY response itself is held
  back until then, so its ``RTP-Info`` names exactly the first packet the client will get;
* a session whose transport buffer exceeds ``max_buffer_bytes`` drops frames until the next
  keyframe that finds the buffer below the limit again (a slow client never costs more than the
  limit plus one frame, and never receives a P-frame whose reference it missed).
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable

__all__ = ["Session", "SessionState"]


class SessionState(enum.Enum):
    READY = "ready"  # set up, not playing (after SETUP or PAUSE)
    WAITING = "waiting"  # playing, but waiting for a keyframe (new, slow or after a fault)
    PLAYING = "playing"


PlayResponse = Callable[[int, int], bytes]


class Session:
    def __init__(
        self,
        session_id: str,
        camera_number: int,
        transport: asyncio.WriteTransport,
        channel: int,
        max_buffer_bytes: int,
    ) -> None:
        self.id = session_id
        self.camera_number = camera_number
        self.transport = transport
        self.channel = channel
        self.max_buffer_bytes = max_buffer_bytes
        self.state = SessionState.READY
        self.last_activity = time.monotonic()
        self.frames_dropped = 0
        self.frames_lagged = 0  # the part of frames_dropped withheld because the viewer read too slowly
        self._lagging = False
        self.peak_buffer_bytes = 0
        self._pending_play: PlayResponse | None = None

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def play(self, respond: PlayResponse) -> None:
        """Start at the next keyframe; ``respond(seq, rtptime)`` builds the PLAY response then."""
        self._pending_play = respond
        self.state = SessionState.WAITING

    def pause(self) -> None:
        self.state = SessionState.READY
        self._pending_play = None

    def resync(self) -> None:
        """Skip to the next keyframe (after a stall, garbage or a frame the server skipped)."""
        if self.state is SessionState.PLAYING:
            self.state = SessionState.WAITING

    @property
    def active(self) -> bool:
        return self.state is not SessionState.READY and not self.transport.is_closing()

    def deliver(self, blob: bytes, keyframe: bool, first_seq: int, rtp_time: int) -> int:
        """Write one frame if this session may take it; the number of bytes written."""
        if not self.active:
            return 0
        buffered = self.transport.get_write_buffer_size()
        self.peak_buffer_bytes = max(self.peak_buffer_bytes, buffered)
        if buffered > self.max_buffer_bytes:
            self.state = SessionState.WAITING
            self._lagging = True
            self.frames_dropped += 1
            self.frames_lagged += 1
            return 0
        if self.state is SessionState.WAITING:
            if not keyframe:
                self.frames_dropped += 1
                self.frames_lagged += self._lagging
                return 0
            self._lagging = False
            if self._pending_play is not None:
                self.transport.write(self._pending_play(first_seq, rtp_time))
                self._pending_play = None
            self.state = SessionState.PLAYING
        self.transport.write(blob)
        return len(blob)

    def write_raw(self, data: bytes) -> None:
        """Bytes outside the frame flow (garbage fault); only to sessions already streaming."""
        if self.state is SessionState.PLAYING and not self.transport.is_closing():
            self.transport.write(data)
