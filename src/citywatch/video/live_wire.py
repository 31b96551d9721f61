"""The local wire between a recorder worker and the API process's live hub (a Unix domain socket).

Messages: 4-byte big-endian length, 1-byte kind, payload.
  ``I``: init segment; payload = run id (36 ASCII bytes) + ``ftyp``/``moov``.
  ``F``: media starting with a keyframe (a GOP, or its first part); payload = start (µs UTC, int64) +
       duration (90 kHz, uint32) + ``[prft] moof mdat``.
  ``P``: a later part of the same GOP, same payload; decodable only after the ``F`` and ``P`` before it.
An ``I`` precedes the first ``F`` a subscriber gets and every ``F`` of a new run or stream setting.
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LiveFragment",
    "decode_fragment",
    "decode_init",
    "encode_fragment",
    "encode_init",
    "live_socket_path",
    "message_length",
]

_LEN = struct.Struct(">I")
_FRAG = struct.Struct(">qI")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_MAX_UNIX_PATH = 100


@dataclass(frozen=True, slots=True)
class LiveFragment:
    """A GOP, or a part of one, for live viewers, with the init segment that decodes it."""

    run_id: str
    init: bytes
    data: bytes
    start_us: int
    duration_90k: int
    key: bool = True  # starts with a keyframe: a viewer may begin (or skip forward to) here


def live_socket_path(run_dir: Path, camera_id: int) -> Path:
    """Where a camera's live publisher listens; falls back to the temp dir when the path is too long."""
    path = run_dir.resolve() / f"live-{camera_id}.sock"
    if len(str(path)) <= _MAX_UNIX_PATH:
        return path
    tag = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"citywatch-{tag}" / f"live-{camera_id}.sock"


def _message(kind: bytes, payload: bytes) -> bytes:
    return _LEN.pack(1 + len(payload)) + kind + payload


def encode_init(run_id: str, init: bytes) -> bytes:
    return _message(b"I", run_id.encode().ljust(36)[:36] + init)


def encode_fragment(start_us: int, duration_90k: int, data: bytes, key: bool = True) -> bytes:
    return _message(b"F" if key else b"P", _FRAG.pack(start_us, duration_90k) + data)


def message_length(header: bytes) -> int:
    (length,) = _LEN.unpack(header)
    if not 1 <= length <= MAX_MESSAGE_BYTES:
        raise ValueError(f"live message of {length} bytes is out of bounds")
    return int(length)


def decode_init(body: bytes) -> tuple[str, bytes] | None:
    """``(run_id, init)`` when ``body`` (a message without its length) is an ``I`` message."""
    if body[:1] != b"I":
        return None
    return body[1:37].decode().strip(), body[37:]


def decode_fragment(body: bytes) -> tuple[int, int, bytes, bool]:
    """``(start_us, duration_90k, data, key)`` of an ``F`` or ``P`` message."""
    if body[:1] not in (b"F", b"P"):
        raise ValueError(f"unknown live message kind {body[:1]!r}")
    start_us, duration = _FRAG.unpack_from(body, 1)
    return int(start_us), int(duration), body[1 + _FRAG.size :], body[:1] == b"F"
