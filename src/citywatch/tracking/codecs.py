"""Per-connection framing state for the TCP protocols: a splitter and a decoder bound to one device.

Bridges the pure decoders (``protocols/``) and the listeners: remembers the identifier learned at
login so later frames can be attributed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from citywatch.tracking.domain import Decoded
from citywatch.tracking.protocols import gt06, teltonika, watch

__all__ = ["CODECS", "ConnectionCodec", "Gt06Codec", "TeltonikaCodec", "WatchCodec"]


class ConnectionCodec(Protocol):
    protocol: str
    identifier: str | None
    max_buffer: int

    def split(self, buf: bytearray) -> tuple[list[bytes], int, int]: ...

    def decode(self, frame: bytes, now: datetime) -> Decoded: ...

    def refusal(self) -> bytes | None:
        """Bytes that tell a refused device so (Teltonika's 00), or None."""


class Gt06Codec:
    protocol = "gt06"
    max_buffer = 4 * gt06.MAX_FRAME_BYTES

    def __init__(self) -> None:
        self.identifier: str | None = None

    def split(self, buf: bytearray) -> tuple[list[bytes], int, int]:
        return gt06.split_frames(buf)

    def decode(self, frame: bytes, now: datetime) -> Decoded:
        return gt06.decode(frame, self.identifier, server_time=now)

    def refusal(self) -> bytes | None:
        return None


class WatchCodec:
    protocol = "watch"
    max_buffer = 2 * watch.MAX_FRAME_BYTES

    def __init__(self) -> None:
        self.identifier: str | None = None

    def split(self, buf: bytearray) -> tuple[list[bytes], int, int]:
        return watch.split_frames(buf)

    def decode(self, frame: bytes, now: datetime) -> Decoded:
        return watch.decode(frame, server_time=now)

    def refusal(self) -> bytes | None:
        return None


class TeltonikaCodec:
    protocol = "teltonika"
    max_buffer = 2 * teltonika.MAX_FRAME_BYTES

    def __init__(self) -> None:
        self.identifier: str | None = None
        self._imei_frame_seen = False

    def split(self, buf: bytearray) -> tuple[list[bytes], int, int]:
        frames, used, junk = teltonika.split_frames(buf, imei_received=self._imei_frame_seen)
        if frames:
            self._imei_frame_seen = True
        return frames, used, junk

    def decode(self, frame: bytes, now: datetime) -> Decoded:
        return teltonika.decode(frame, self.identifier, server_time=now)

    def refusal(self) -> bytes | None:
        return teltonika.REFUSE


CODECS: dict[str, type[Gt06Codec] | type[WatchCodec] | type[TeltonikaCodec]] = {
    "gt06": Gt06Codec,
    "watch": WatchCodec,
    "teltonika": TeltonikaCodec,
}
