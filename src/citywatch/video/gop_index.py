"""The per-GOP index stored with each recording row.

Per GOP three unsigned LEB128 varints: fragment bytes, media duration (90 kHz), frame count.
A one-minute file of 1 s GOPs takes about 60 × 7 = 420 bytes, so 800 cameras × 31 days
(36 million rows) fit in ~15 GB of index instead of the 2.1 billion rows a table per GOP
would need. Offsets and wall-clock times are derived (see ``GopEntry``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["GopEntry", "GopIndexError", "decode_gops", "encode_gop", "encode_gops", "locate", "wall_us"]


class GopIndexError(ValueError):
    """The stored index is damaged."""


@dataclass(frozen=True, slots=True)
class GopEntry:
    offset: int  # byte offset of the fragment in the file
    size: int
    media_offset_90k: int  # from the recording's first fragment
    duration_90k: int
    frames: int
    start_us: int  # wall clock, UTC
    end_us: int


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varints here are unsigned")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_gop(size: int, duration_90k: int, frames: int) -> bytes:
    return _varint(size) + _varint(duration_90k) + _varint(frames)


def encode_gops(entries: Iterable[tuple[int, int, int]]) -> bytes:
    return b"".join(encode_gop(*e) for e in entries)


def _read_varints(blob: bytes) -> Iterator[int]:
    value = shift = 0
    for byte in blob:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            if shift > 63:
                raise GopIndexError("varint longer than 64 bits")
        else:
            yield value
            value = shift = 0
    if shift:
        raise GopIndexError("index ends inside a varint")


def wall_us(start_us: int, media_offset_90k: int, rate_ppm: float) -> int:
    """Wall-clock time of a media offset inside a recording: the one formula everything uses."""
    return start_us + round(media_offset_90k * (1_000_000 + rate_ppm) / 90_000)


def decode_gops(blob: bytes, *, init_bytes: int, start_us: int, rate_ppm: float = 0.0) -> list[GopEntry]:
    values = list(_read_varints(blob))
    if len(values) % 3:
        raise GopIndexError(f"index holds {len(values)} values, not a multiple of 3")
    out: list[GopEntry] = []
    offset, media = init_bytes, 0
    for i in range(0, len(values), 3):
        size, duration, frames = values[i], values[i + 1], values[i + 2]
        out.append(
            GopEntry(
                offset,
                size,
                media,
                duration,
                frames,
                wall_us(start_us, media, rate_ppm),
                wall_us(start_us, media + duration, rate_ppm),
            )
        )
        offset += size
        media += duration
    return out


def locate(entries: list[GopEntry], at_us: int) -> int:
    """Index of the GOP showing ``at_us`` (the last one starting at or before it)."""
    lo, hi = 0, len(entries)
    while lo < hi:
        mid = (lo + hi) // 2
        if entries[mid].start_us <= at_us:
            lo = mid + 1
        else:
            hi = mid
    return max(lo - 1, 0)
