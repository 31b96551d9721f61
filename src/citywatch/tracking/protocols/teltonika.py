"""Teltonika codec 8 over TCP (port 5027): IMEI handshake, AVL packets, record-count acks.

Handshake: 2-byte length + ASCII IMEI → reply ``01`` (accept) or ``00`` (refuse). Then packets
``00000000 LLLLLLLL 08 N records… N CRC(4)``, CRC-16/IBM over codec … second count; the server acks
with N as 4 bytes. A wrong CRC is reported (``Decoded.crc_ok``) and the packet still acknowledged.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from citywatch.tracking.crc import crc16_ibm
from citywatch.tracking.domain import Decoded, Position, utcnow
from citywatch.tracking.errors import DecodeError

__all__ = ["ACCEPT", "MAX_FRAME_BYTES", "REFUSE", "decode", "split_frames"]

PROTOCOL = "teltonika"
ACCEPT, REFUSE = b"\x01", b"\x00"
MAX_FRAME_BYTES = 16_384
CODEC_8 = 0x08
_IGNITION, _MOVEMENT, _GSM, _EXT_VOLTAGE, _BATTERY_VOLTAGE, _BATTERY_LEVEL = 239, 240, 21, 66, 67, 113


def split_frames(buf: bytes | bytearray, *, imei_received: bool) -> tuple[list[bytes], int, int]:
    """(frames, bytes consumed, junk skipped). The first frame is the IMEI until it has been received."""
    frames: list[bytes] = []
    pos, n = 0, len(buf)
    if not imei_received:
        if n < 2:
            return frames, 0, 0
        size = (buf[0] << 8) | buf[1]
        if not 1 <= size <= 32:
            raise DecodeError(f"teltonika: IMEI length {size} is not 1–32; not a Teltonika device?")
        if n < 2 + size:
            return frames, 0, 0
        frames.append(bytes(buf[: 2 + size]))
        pos = 2 + size
    while n - pos >= 8:
        if buf[pos : pos + 4] != b"\x00\x00\x00\x00":
            raise DecodeError(f"teltonika: AVL packet preamble {bytes(buf[pos : pos + 4]).hex()} is not zero")
        length = struct.unpack(">I", buf[pos + 4 : pos + 8])[0]
        if not 3 <= length <= MAX_FRAME_BYTES:
            raise DecodeError(f"teltonika: AVL data length {length} out of range 3–{MAX_FRAME_BYTES}")
        size = 8 + length + 4
        if n - pos < size:
            break
        frames.append(bytes(buf[pos : pos + size]))
        pos += size
    return frames, pos, 0


def decode(frame: bytes, identifier: str | None, *, server_time: datetime | None = None) -> Decoded:
    """The IMEI frame when ``identifier`` is None, else an AVL packet."""
    if identifier is None:
        imei = frame[2:].decode("ascii", errors="replace")
        if not imei.isdigit():
            raise DecodeError(f"teltonika: IMEI {imei!r} is not all digits")
        return Decoded("login", [], ACCEPT, imei)
    data = frame[8:-4]
    if len(data) < 3:
        raise DecodeError("teltonika: AVL packet too short")
    crc_ok = crc16_ibm(data) == struct.unpack(">I", frame[-4:])[0]
    codec, count = data[0], data[1]
    if codec != CODEC_8:
        raise DecodeError(f"teltonika: codec 0x{codec:02x} not supported (only codec 8)")
    if data[-1] != count:
        raise DecodeError(f"teltonika: record counts differ ({count} then {data[-1]})")
    now = server_time or utcnow()
    positions: list[Position] = []
    at = 2
    for _ in range(count):
        position, at = _record(identifier, data, at, now)
        positions.append(position)
    if at != len(data) - 1:
        raise DecodeError(f"teltonika: {len(data) - 1 - at} unexpected bytes after the records")
    return Decoded("location", positions, struct.pack(">I", count), identifier, crc_ok)


def _record(identifier: str, data: bytes, at: int, now: datetime) -> tuple[Position, int]:
    try:
        ts_ms, priority, lon, lat, alt, angle, sats, speed = struct.unpack_from(">QBiihHBH", data, at)
        at += 24
        attrs: dict[str, object] = {"event_io": data[at], "priority": priority}
        at += 2  # event IO id, total IO count
        for width in (1, 2, 4, 8):
            n = data[at]
            at += 1
            for _ in range(n):
                io_id = data[at]
                value = int.from_bytes(data[at + 1 : at + 1 + width], "big")
                if at + 1 + width > len(data):
                    raise DecodeError("teltonika: IO element runs past the packet")
                at += 1 + width
                attrs[f"io{io_id}"] = value
    except (struct.error, IndexError) as exc:
        raise DecodeError(f"teltonika: AVL record truncated at byte {at}") from exc
    try:
        fix = datetime.fromtimestamp(ts_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise DecodeError(f"teltonika: timestamp {ts_ms} ms out of range") from exc
    _named_io(attrs)
    position = Position(
        device=identifier,
        protocol=PROTOCOL,
        fix_time=fix,
        valid=sats > 0,
        latitude=lat / 1e7,
        longitude=lon / 1e7,
        server_time=now,
        device_time=fix,
        speed_kmh=float(speed),
        course=float(angle),
        altitude=float(alt),
        satellites=sats,
        attributes=attrs,
    )
    if abs(position.latitude) > 90 or abs(position.longitude) > 180:
        raise DecodeError(f"teltonika: coordinates {position.latitude},{position.longitude} out of range")
    if priority == 2:  # "panic" priority
        position.add_alarm("sos")
    return position, at


def _named_io(attrs: dict[str, object]) -> None:
    if f"io{_IGNITION}" in attrs:
        attrs["ignition"] = bool(attrs[f"io{_IGNITION}"])
    if f"io{_MOVEMENT}" in attrs:
        attrs["motion"] = bool(attrs[f"io{_MOVEMENT}"])
    if f"io{_BATTERY_LEVEL}" in attrs:
        attrs["battery_pct"] = attrs[f"io{_BATTERY_LEVEL}"]
    if f"io{_EXT_VOLTAGE}" in attrs:
        attrs["power_v"] = int(str(attrs[f"io{_EXT_VOLTAGE}"])) / 1000
    if f"io{_BATTERY_VOLTAGE}" in attrs:
        attrs["battery_v"] = int(str(attrs[f"io{_BATTERY_VOLTAGE}"])) / 1000
    if f"io{_GSM}" in attrs:
        attrs["gsm"] = attrs[f"io{_GSM}"]
