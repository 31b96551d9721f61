"""The GOPs of many recordings as flat numpy arrays, decoded in one pass for the playback path.

An hour-long playlist covers ~60 files and ~3,600 GOPs. Decoding each file's ``gop_index``
(see ``gop_index``) one varint at a time in Python costs milliseconds per request; here the
blobs of all rows are joined and decoded together with a handful of vectorised operations, and
offsets and wall-clock times are derived per GOP with segmented cumulative sums. The wall-clock
formula is the one ``gop_index.wall_us`` documents, computed in float64 as every earlier
playlist was, so the output is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citywatch.video.gop_index import GopIndexError
from citywatch.video.recording_query import RecordingRef

__all__ = ["GopTable", "gop_table"]

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class GopTable:
    """One entry per GOP, in recording then media order; ``rec`` indexes the recordings given."""

    rec: Ints
    offset: Ints  # byte offset in the file
    size: Ints
    duration_90k: Ints
    start_us: Ints  # wall clock, UTC
    end_us: Ints


def _varints(raw: npt.NDArray[np.uint8]) -> tuple[Ints, Ints]:
    """Values of the LEB128 varints in ``raw`` and the byte index where each one ends.

    One pass per byte position of the longest varint (3 for this index's values), each touching only
    the varints that long: a third of the work of shifting every byte and summing per varint.
    """
    ends = np.flatnonzero(raw < 0x80)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    length = ends - starts + 1
    longest = int(length.max(initial=0))
    if longest > 9:
        raise GopIndexError("a GOP index holds a varint longer than 64 bits")
    payload = (raw & 0x7F).astype(np.int64)
    values = payload[starts]
    for k in range(1, longest):
        more = np.flatnonzero(length > k)
        values[more] |= payload[starts[more] + k] << (7 * k)
    return values, ends.astype(np.int64)


def _empty() -> GopTable:
    z = np.zeros(0, dtype=np.int64)
    return GopTable(z, z, z, z, z, z)


def _check(recordings: Sequence[RecordingRef], damaged: npt.NDArray[np.bool_]) -> None:
    bad = np.flatnonzero(damaged)
    if bad.size:
        rec_id = recordings[int(bad[0])].id
        raise GopIndexError(
            f"the GOP index of recording {rec_id} is damaged; tell the administrator (its file may be intact)"
        )


def gop_table(recordings: Sequence[RecordingRef]) -> GopTable:
    """Every GOP of ``recordings``; raises ``GopIndexError`` naming a recording whose index is damaged."""
    blobs = [r.gop_index for r in recordings]
    lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
    if not lengths.sum():
        return _empty()
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    blob_end = np.cumsum(lengths)
    nonempty = lengths > 0
    _check(recordings, nonempty & (raw[np.maximum(blob_end - 1, 0)] >= 0x80))  # ends inside a varint
    values, value_end = _varints(raw)
    counts = np.diff(np.searchsorted(value_end, blob_end, side="left"), prepend=0)
    _check(recordings, counts % 3 != 0)
    triples = values.reshape(-1, 3)
    size, duration = triples[:, 0], triples[:, 1]
    gops_per_rec = counts // 3
    rec = np.repeat(np.arange(len(recordings), dtype=np.int64), gops_per_rec)
    first = np.cumsum(gops_per_rec) - gops_per_rec  # index of each recording's first GOP
    size_before = np.concatenate(([0], np.cumsum(size)))
    media_before = np.concatenate(([0], np.cumsum(duration)))
    init_bytes = np.fromiter((r.init_bytes for r in recordings), dtype=np.int64, count=len(recordings))
    rec_start = np.fromiter((r.start_us for r in recordings), dtype=np.int64, count=len(recordings))
    scale = np.fromiter(((1_000_000 + r.rate_ppm) / 90_000 for r in recordings), dtype=np.float64)
    offset = init_bytes[rec] + size_before[:-1] - size_before[first][rec]
    media_end = media_before[1:] - media_before[first][rec]
    s = scale[rec]
    end_us = rec_start[rec] + np.rint(media_end * s).astype(np.int64)
    start_us = rec_start[rec] + np.rint((media_end - duration) * s).astype(np.int64)
    return GopTable(rec, offset, size, duration, start_us, end_us)
