"""What the recording pipeline tells the rest of the system, as plain data.

The segmenter produces these; the index writer turns them into rows, live fan-out into bytes
for viewers. Keeping them as values (not callbacks into the database) keeps the per-frame path
free of I/O other than the one ``write`` per GOP.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["FragmentOut", "RecordingSink", "RecordingState", "RunEnded", "RunStarted"]


@dataclass(slots=True)
class RecordingState:
    """The row of one recording as it grows; copied when handed to the sink."""

    camera_id: int
    run_id: str
    run_seq: int
    media_dir: str
    path: str
    start_us: int
    media_start_90k: int
    rate_ppm: float
    init_bytes: int
    codec: str
    width: int
    height: int
    size_bytes: int = 0
    duration_90k: int = 0
    frames: int = 0
    gops: int = 0
    gop_index: bytearray = field(default_factory=bytearray)
    end_us: int = 0
    state: str = "writing"
    sha256: str | None = None
    row_id: int | None = None  # filled in by the index writer

    def snapshot(self) -> RecordingState:
        return dataclasses.replace(self, gop_index=bytearray(self.gop_index))


@dataclass(frozen=True, slots=True)
class RunStarted:
    camera_id: int
    start_us: int


@dataclass(frozen=True, slots=True)
class RunEnded:
    camera_id: int
    end_us: int
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class FragmentOut:
    """Media for live viewers: a whole GOP as written to disk, or a part of one (``key`` false unless it
    starts with the keyframe) sent before the GOP ends so viewers need not wait for it."""

    camera_id: int
    run_id: str
    init_segment: bytes
    data: bytes
    start_us: int
    duration_90k: int
    key: bool = True


class RecordingSink(Protocol):
    def recording_updated(self, rec: RecordingState) -> None: ...

    def recording_closed(self, rec: RecordingState) -> None: ...

    def run_started(self, event: RunStarted) -> None: ...

    def run_ended(self, event: RunEnded) -> None: ...

    def disk_full(self, camera_id: int, detail: str) -> None: ...
