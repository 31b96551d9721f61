"""GT06 / Concox binary protocol (port 5023): frame splitter, decoder and acks.

Frame ``78 78 LL PP <content> SS SS CC CC 0D 0A`` or extended ``79 79 LLLL …``; LL counts from PP to
the CRC (CRC-16/X-25 over LL … serial). A wrong CRC is reported (``Decoded.crc_ok``) but accepted.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from citywatch.tracking.crc import crc16_x25
from citywatch.tracking.domain import Decoded, Position, utcnow
from citywatch.tracking.errors import DecodeError

__all__ = ["MAX_FRAME_BYTES", "ack", "decode", "split_frames"]

PROTOCOL = "gt06"
MAX_FRAME_BYTES = 1024
LOGIN, GPS, LOCATION, STATUS, ALARM, LOCATION_2 = 0x01, 0x10, 0x12, 0x13, 0x16, 0x22
_POSITION_TYPES = {GPS: "location", LOCATION: "location", LOCATION_2: "location"}
_ALARM_BYTE = {
    0x01: "sos",
    0x02: "power_cut",
    0x03: "vibration",
    0x05: "geofence_exit",
    0x13: "tampering",
    0x23: "fall",
}
# Terminal information bits 3–5.
_TERMINAL_ALARM = {1: "vibration", 2: "power_cut", 3: "low_battery", 4: "sos", 7: "removed"}


def split_frames(buf: bytes | bytearray) -> tuple[list[bytes], int, int]:
    """Frames found at the start of ``buf``: (frames, bytes consumed, junk bytes skipped).

    Garbage before a start marker is skipped; an incomplete frame is left for the next read.
    """
    frames: list[bytes] = []
    pos, junk, n = 0, 0, len(buf)
    while pos < n:
        if n - pos < 2:
            break
        head = buf[pos : pos + 2]
        if head == b"\x78\x78":
            if n - pos < 3:
                break
            size = 2 + 1 + buf[pos + 2] + 2
        elif head == b"\x79\x79":
            if n - pos < 4:
                break
            size = 2 + 2 + ((buf[pos + 2] << 8) | buf[pos + 3]) + 2
            if size > MAX_FRAME_BYTES:
                pos += 2
                junk += 2
                continue
        else:
            nxt = _next_start(buf, pos + 1)
            junk += (nxt if nxt >= 0 else n - 1) - pos
            pos = nxt if nxt >= 0 else n - 1
            continue
        if n - pos < size:
            break
        frames.append(bytes(buf[pos : pos + size]))
        pos += size
    return frames, pos, junk


def _next_start(buf: bytes | bytearray, start: int) -> int:
    a, b = buf.find(b"\x78\x78", start), buf.find(b"\x79\x79", start)
    found = [i for i in (a, b) if i >= 0]
    return min(found) if found else -1


def ack(kind: int, serial: int, *, extended: bool = False) -> bytes:
    """The server's reply ``78 78 05 PP serial CRC 0D 0A`` (``79 79 00 05 …`` for extended frames)."""
    if extended:
        body = b"\x00\x05" + bytes((kind,)) + struct.pack(">H", serial)
        return b"\x79\x79" + body + struct.pack(">H", crc16_x25(body)) + b"\r\n"
    body = bytes((0x05, kind)) + struct.pack(">H", serial)
    return b"\x78\x78" + body + struct.pack(">H", crc16_x25(body)) + b"\r\n"


def decode(frame: bytes, identifier: str | None, *, server_time: datetime | None = None) -> Decoded:
    """Decode one frame from ``split_frames``. ``identifier`` is the IMEI learned at login."""
    extended = frame[:2] == b"\x79\x79"
    hdr = 4 if extended else 3
    if len(frame) < hdr + 1 + 2 + 2 + 2 or frame[-2:] != b"\r\n":
        raise DecodeError(f"gt06: frame of {len(frame)} bytes is too short or lacks the 0D0A trailer")
    kind = frame[hdr]
    content = frame[hdr + 1 : -6]
    serial = struct.unpack(">H", frame[-6:-4])[0]
    crc_ok = crc16_x25(frame[2:-4]) == struct.unpack(">H", frame[-4:-2])[0]
    now = server_time or utcnow()
    if kind == LOGIN:
        if len(content) < 8:
            raise DecodeError(f"gt06: login carries {len(content)} bytes, an IMEI needs 8")
        imei = content[:8].hex()[1:]
        if not imei.isdigit():
            raise DecodeError(f"gt06: login IMEI {content[:8].hex()} is not BCD")
        return Decoded("login", [], ack(kind, serial, extended=extended), imei, crc_ok)
    if kind not in (GPS, LOCATION, LOCATION_2, STATUS, ALARM):
        return Decoded(f"unsupported 0x{kind:02x}", [], None, identifier, crc_ok)
    if identifier is None:
        raise DecodeError(f"gt06: message 0x{kind:02x} before login; the device must log in first")
    reply = ack(kind, serial, extended=extended)
    if kind == STATUS:
        pos = _status_only(identifier, content, now)
        return Decoded("heartbeat", [pos], reply, identifier, crc_ok)
    position = _location(identifier, content, now, lbs_at=19 if kind == ALARM else 18)
    if kind == ALARM:
        _alarm_tail(position, content)
        return Decoded("alarm", [position], reply, identifier, crc_ok)
    if kind == LOCATION_2 and len(content) >= 27:
        position.attributes["ignition"] = bool(content[26])
    return Decoded(_POSITION_TYPES[kind], [position], reply, identifier, crc_ok)


def _location(identifier: str, content: bytes, now: datetime, *, lbs_at: int) -> Position:
    if len(content) < 18:
        raise DecodeError(f"gt06: location block needs 18 bytes, got {len(content)}")
    yy, mo, dd, hh, mi, ss = content[:6]
    try:
        device_time = datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=UTC)
    except ValueError as exc:
        raise DecodeError(f"gt06: bad date {content[:6].hex()}: {exc}") from exc
    satellites = content[6] & 0x0F
    lat_raw, lon_raw = struct.unpack(">II", content[7:15])
    speed = content[15]
    flags = struct.unpack(">H", content[16:18])[0]
    lat, lon = lat_raw / 1_800_000, lon_raw / 1_800_000
    if not flags & (1 << 10):
        lat = -lat
    if flags & (1 << 11):
        lon = -lon
    if lat > 90 or lon > 180:
        raise DecodeError(f"gt06: coordinates {lat:.5f},{lon:.5f} out of range")
    attrs: dict[str, object] = {}
    if len(content) >= lbs_at + 8:
        mcc, mnc = struct.unpack(">HB", content[lbs_at : lbs_at + 3])
        attrs["cell"] = {"mcc": mcc, "mnc": mnc}
    return Position(
        device=identifier,
        protocol=PROTOCOL,
        fix_time=device_time,
        valid=bool(flags & (1 << 12)),
        latitude=lat,
        longitude=lon,
        server_time=now,
        device_time=device_time,
        speed_kmh=float(speed),
        course=float(flags & 0x03FF),
        satellites=satellites,
        attributes=dict(attrs),
    )


def _battery_pct(voltage: int) -> int:
    """Older models send a level 0–6, newer ones a percentage."""
    return round(voltage * 100 / 6) if voltage <= 6 else min(voltage, 100)


def _terminal(position: Position, info: int, voltage: int, gsm: int, alarm: int) -> None:
    position.attributes.update(
        terminal_info=info, battery_pct=_battery_pct(voltage), gsm=gsm, charging=bool(info & 0x04)
    )
    position.attributes["ignition"] = bool(info & 0x02)
    term = _TERMINAL_ALARM.get((info >> 3) & 0x07)
    if term:
        position.add_alarm(term)
    if alarm in _ALARM_BYTE:
        position.add_alarm(_ALARM_BYTE[alarm])


def _status_only(identifier: str, content: bytes, now: datetime) -> Position:
    if len(content) < 4:
        raise DecodeError(f"gt06: status needs 4 bytes, got {len(content)}")
    pos = Position(identifier, PROTOCOL, now, False, 0.0, 0.0, server_time=now)
    _terminal(pos, content[0], content[1], content[2], content[3])
    return pos


def _alarm_tail(position: Position, content: bytes) -> None:
    at = 18
    if len(content) <= at:
        raise DecodeError("gt06: alarm message lacks its LBS and status blocks")
    lbs_len = content[at]
    at += lbs_len if lbs_len else 1
    if len(content) < at + 4:
        raise DecodeError(f"gt06: alarm status block truncated at byte {at}")
    _terminal(position, content[at], content[at + 1], content[at + 2], content[at + 3])
