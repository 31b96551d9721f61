"""ISO BMFF box primitives shared by the recording writer, the reader and the clip builder."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["BoxHeader", "Mp4Error", "box", "full_box", "iter_boxes"]


class Mp4Error(ValueError):
    """The file is not the fragmented MP4 this code writes, or it is cut short."""


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *payload)


@dataclass(frozen=True, slots=True)
class BoxHeader:
    kind: bytes
    offset: int  # of the box header in the buffer
    size: int  # of the whole box
    header_size: int

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def body_offset(self) -> int:
        return self.offset + self.header_size


def iter_boxes(data: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[BoxHeader]:
    """Boxes laid end to end in ``data[start:end]``; stops (without raising) at a box cut short."""
    stop = len(data) if end is None else end
    pos = start
    while pos + 8 <= stop:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > stop:
                return
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = stop - pos
        if size < header:
            raise Mp4Error(f"box {kind!r} at byte {pos} declares an impossible size {size}")
        if pos + size > stop:
            return
        yield BoxHeader(bytes(kind), pos, size, header)
        pos += size
