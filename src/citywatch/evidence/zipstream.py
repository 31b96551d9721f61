"""A bundle's zip, written as it is sent: nothing is copied to disk or held in memory.

Every entry is stored (not compressed), so each byte's place in the zip follows from the file names
and sizes alone: the length (``Content-Length``) is known before the first byte, and any byte range
can be produced on its own (a resumed download). The one thing the layout cannot know in advance is
each file's CRC-32, so entries carry it after their data in a data descriptor (general purpose flag
bit 3), as streaming zip writers do; the CRC fields are fixed-width, so the length does not depend on
them. CRCs are computed while a file is sent and kept beside the bundle, so a later request for a
range past a file (its descriptor, the central directory) need not read it again.

Zip64 records are used only where a size or offset needs them (a file or a bundle over 4 GiB). Entry
times are the export's finish time in UTC (DOS time), with the exact UTC time in an extended
timestamp field that ``unzip`` shows in the reader's zone. Layout: docs/design/evidence.md
("Delivery and disclosure").
"""

from __future__ import annotations

import json
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from citywatch.evidence.errors import EvidenceError

__all__ = ["CrcStore", "ZipLayout", "parse_range"]

_CHUNK = 1 << 20
_MARK = 0xFFFFFFFF  # a 4-byte field holding this means "see the Zip64 record"
_ZIP64_FROM = _MARK  # sizes and offsets from here on need Zip64 fields
_FLAGS = 0x0808  # bit 3: CRC and sizes follow the data; bit 11: names are UTF-8
_UNIX_FILE = (0o100644 << 16) & 0xFFFFFFFF
_VERSION = 45  # 4.5: Zip64 (readers accept it for plain entries too)
_MADE_BY = (3 << 8) | _VERSION  # made on Unix


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str  # inside the zip
    path: Path
    size: int
    offset: int  # of the local header

    @property
    def zip64(self) -> bool:
        return self.size >= _ZIP64_FROM

    @property
    def data_offset(self) -> int:
        return self.offset + _local_len(self)

    @property
    def end(self) -> int:
        return self.data_offset + self.size + (24 if self.zip64 else 16)


def _local_len(e: _Entry) -> int:
    return 30 + len(e.name.encode()) + 9 + (20 if e.zip64 else 0)


def _central_len(e: _Entry) -> int:
    extra = (16 if e.zip64 else 0) + (8 if e.offset >= _ZIP64_FROM else 0)
    return 46 + len(e.name.encode()) + 9 + (4 + extra if extra else 0)


def _dos_time(utc: datetime) -> tuple[int, int]:
    t = max(utc, datetime(1980, 1, 1, tzinfo=utc.tzinfo))
    return t.hour << 11 | t.minute << 5 | t.second // 2, (t.year - 1980) << 9 | t.month << 5 | t.day


class CrcStore:
    """CRC-32 of a bundle's files, kept in a small JSON file beside (not in) the bundle.

    Keyed by name and size, so a file replaced at another size is never given a stale CRC.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        try:
            self._crcs: dict[str, list[int]] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            self._crcs = {}

    def get(self, name: str, size: int) -> int | None:
        with self._lock:
            known = self._crcs.get(name)
        return known[1] if known is not None and known[0] == size else None

    def put(self, name: str, size: int, crc: int) -> None:
        with self._lock:
            if self._crcs.get(name) == [size, crc]:
                return
            self._crcs[name] = [size, crc]
            tmp = self._path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(self._crcs, sort_keys=True))
            os.replace(tmp, self._path)


class ZipLayout:
    """Where every byte of the zip of ``files`` (name in the zip → file) lies; produces any range of it."""

    def __init__(self, files: list[tuple[str, Path]], modified: datetime, crcs: CrcStore) -> None:
        self._crcs = crcs
        self._time, self._date = _dos_time(modified)
        self._unix = int(modified.timestamp())
        entries: list[_Entry] = []
        at = 0
        for name, path in files:
            entry = _Entry(name, path, path.stat().st_size, at)
            entries.append(entry)
            at = entry.end
        self.entries = entries
        self.central_offset = at
        self.central_size = sum(_central_len(e) for e in entries)
        end = at + self.central_size
        self._zip64_end = end >= _ZIP64_FROM or at >= _ZIP64_FROM or len(entries) >= 0xFFFF
        self.size = end + (56 + 20 if self._zip64_end else 0) + 22

    # Records ---------------------------------------------------------------------------------

    def _ut(self) -> bytes:
        return struct.pack("<HHBI", 0x5455, 5, 1, self._unix)  # extended timestamp: modification time, UTC

    def _local(self, e: _Entry) -> bytes:
        name = e.name.encode()
        extra = self._ut() + (struct.pack("<HHQQ", 1, 16, 0, 0) if e.zip64 else b"")
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, _FLAGS, 0, self._time, self._date, 0, 0, 0,
                           len(name), len(extra))  # fmt: skip
        return head + name + extra

    def _descriptor(self, e: _Entry, crc: int) -> bytes:
        if e.zip64:
            return struct.pack("<IIQQ", 0x08074B50, crc, e.size, e.size)
        return struct.pack("<IIII", 0x08074B50, crc, e.size, e.size)

    def _central(self, e: _Entry, crc: int) -> bytes:
        name = e.name.encode()
        big = struct.pack("<QQ", e.size, e.size) if e.zip64 else b""
        big += struct.pack("<Q", e.offset) if e.offset >= _ZIP64_FROM else b""
        extra = self._ut() + (struct.pack("<HH", 1, len(big)) + big if big else b"")
        size = _MARK if e.zip64 else e.size
        head = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, _VERSION, _FLAGS, 0, self._time, self._date,
                           crc, size, size, len(name), len(extra), 0, 0, 0, _UNIX_FILE,
                           _MARK if e.offset >= _ZIP64_FROM else e.offset)  # fmt: skip
        return head + name + extra

    def _end_records(self) -> bytes:
        n, offset, size = len(self.entries), self.central_offset, self.central_size
        out = b""
        if self._zip64_end:
            at = offset + size
            out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY, _VERSION, 0, 0, n, n, size, offset)
            out += struct.pack("<IIQI", 0x07064B50, 0, at, 1)
        count, size32, offset32 = (0xFFFF, _MARK, _MARK) if self._zip64_end else (n, size, offset)
        return out + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size32, offset32, 0)

    # CRCs ------------------------------------------------------------------------------------

    def _crc(self, e: _Entry) -> int:
        known = self._crcs.get(e.name, e.size)
        if known is not None:
            return known
        crc = 0
        for chunk in _read(e, 0, e.size):
            crc = zlib.crc32(chunk, crc)
        self._crcs.put(e.name, e.size, crc)
        return crc

    # Producing bytes -------------------------------------------------------------------------

    def iter_bytes(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The zip's bytes ``[start, end)``; files are read in 1 MiB pieces as the consumer asks for them."""
        end = self.size if end is None else end
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"range {start}-{end} lies outside the zip's {self.size} bytes")
        for e in self.entries:
            if e.end <= start or e.offset >= end:
                continue
            yield from _clip(self._local(e), e.offset, start, end)
            data_end = e.data_offset + e.size
            lo, hi = max(start, e.data_offset), min(end, data_end)
            crc: int | None = None
            if lo < hi:
                whole = lo == e.data_offset and hi == data_end and self._crcs.get(e.name, e.size) is None
                running = 0
                for chunk in _read(e, lo - e.data_offset, hi - lo):
                    if whole:
                        running = zlib.crc32(chunk, running)
                    yield chunk
                if whole:
                    self._crcs.put(e.name, e.size, running)
                    crc = running
            if end > data_end:
                yield from _clip(self._descriptor(e, crc if crc is not None else self._crc(e)), data_end, start, end)
        if end > self.central_offset:
            central = b"".join(self._central(e, self._crc(e)) for e in self.entries)
            yield from _clip(central + self._end_records(), self.central_offset, start, end)


def _clip(data: bytes, at: int, start: int, end: int) -> Iterator[bytes]:
    """The part of ``data`` (lying at ``at`` in the zip) inside ``[start, end)``, if any."""
    piece = data[max(0, start - at) : max(0, end - at)]
    if piece:
        yield piece


def _read(e: _Entry, offset: int, size: int) -> Iterator[bytes]:
    try:
        f = e.path.open("rb", buffering=0)
    except FileNotFoundError as exc:
        raise EvidenceError(f"{e.name} is missing from the bundle folder {e.path.parent}") from exc
    with f:
        f.seek(offset)
        while size > 0:
            chunk = f.read(min(_CHUNK, size))
            if not chunk:
                raise EvidenceError(f"{e.name} in the bundle folder ended early (changed after sealing?)")
            size -= len(chunk)
            yield chunk


def parse_range(header: str | None, total: int) -> tuple[int, int] | None:
    """A single ``bytes=`` range as ``[start, end)``; ``None`` for no range or one we answer in full.

    Several ranges in one request are answered with the whole zip (RFC 9110 allows ignoring Range).
    Raises ``ValueError`` for a range that lies wholly past the end (416).
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, sep, last = header[len("bytes=") :].strip().partition("-")
    if not sep or not (first or last) or not (first or "0").isdigit() or not (last or "0").isdigit():
        return None
    if not first:  # the last N bytes
        n = int(last)
        if n == 0:
            raise ValueError("an empty suffix range")
        return max(0, total - n), total
    start = int(first)
    stop = int(last) + 1 if last else total
    if start >= total:
        raise ValueError(f"the range starts past the end of the {total}-byte zip")
    return (start, min(stop, total)) if stop > start else None
