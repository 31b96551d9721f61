"""A live viewer's queue: bounded by media time and by bytes, and skipped forward when full.

Counting parts is not enough: one 200 ms part of a 4K camera weighs as much as several seconds of a
low-bitrate one, so a count bound lets a stalled viewer hold megabytes. The queue holds at most
``max_s`` of media and ``max_bytes``; past either it is dropped and the viewer continues at the next
part that starts with a keyframe, the first one it can decode. The default five seconds keeps the
current GOP a new viewer is sent at once (GOPs run to four seconds on some cameras).
"""

from __future__ import annotations

from collections import deque
from typing import Generic, Protocol, TypeVar

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_S", "LivePart", "SkipAheadQueue"]

DEFAULT_MAX_S = 5.0
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class LivePart(Protocol):
    @property
    def data(self) -> bytes: ...
    @property
    def duration_90k(self) -> int: ...
    @property
    def key(self) -> bool: ...


P = TypeVar("P", bound=LivePart)


class SkipAheadQueue(Generic[P]):
    """Not thread-safe: the owner holds its own lock or runs on one event loop."""

    def __init__(self, max_s: float = DEFAULT_MAX_S, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._parts: deque[P] = deque()
        self._max_90k = int(max_s * 90_000)
        self._max_bytes = max_bytes
        self._queued_90k = 0
        self.queued_bytes = 0
        self.skipped = 0
        self._need_key = True  # the first media must start with a keyframe

    def __len__(self) -> int:
        return len(self._parts)

    def offer(self, part: P) -> bool:
        """Queue ``part``; False when it was dropped (waiting for a keyframe)."""
        if self._parts and (
            self._queued_90k + part.duration_90k > self._max_90k or self.queued_bytes + len(part.data) > self._max_bytes
        ):
            self.skipped += len(self._parts)
            self._parts.clear()
            self._queued_90k = self.queued_bytes = 0
            self._need_key = True  # media between here and the next keyframe would not decode
        if self._need_key:
            if not part.key:
                self.skipped += 1
                return False
            self._need_key = False
        self._parts.append(part)
        self._queued_90k += part.duration_90k
        self.queued_bytes += len(part.data)
        return True

    def pop(self) -> P:
        part = self._parts.popleft()
        self._queued_90k -= part.duration_90k
        self.queued_bytes -= len(part.data)
        return part
