"""The "Watch" text protocol of cheap elderly/child GPS watches (port 5093).

``[MF*ID*LLLL*CONTENT]`` or ``[MF*ID*IIII*LLLL*CONTENT]``; the hex length LLLL is often wrong and is
ignored. Location content (UD, UD2, AL…): ``TYPE,ddMMyy,HHmmss,A|V,lat,N|S,lon,E|W,speed,course,
altitude,sats,gsm,battery,steps,rolls,STATUS(hex),…``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from citywatch.tracking.domain import Decoded, Position, utcnow
from citywatch.tracking.errors import DecodeError

__all__ = ["MAX_FRAME_BYTES", "decode", "split_frames"]

PROTOCOL = "watch"
MAX_FRAME_BYTES = 8192
_LOCATION_TYPES = ("UD", "UD2", "UD3", "AL", "UD_LTE", "UD_WCDMA", "AL_LTE", "AL_WCDMA")
# STATUS bit → alarm kind.
_STATUS_BITS = ((0, "low_battery"), (16, "sos"), (17, "low_battery"), (20, "removed"), (21, "fall"), (22, "fall"))


def split_frames(buf: bytes | bytearray) -> tuple[list[bytes], int, int]:
    """(frames, bytes consumed, junk bytes skipped). A frame runs from ``[`` to the next ``]``."""
    frames: list[bytes] = []
    pos, junk, n = 0, 0, len(buf)
    while pos < n:
        start = buf.find(b"[", pos)
        if start < 0:
            junk += n - pos
            pos = n
            break
        junk += start - pos
        end = buf.find(b"]", start + 1)
        if end < 0:
            if n - start > MAX_FRAME_BYTES:  # no end in sight: drop it rather than buffer forever
                junk += n - start
                pos = n
            else:
                pos = start
            break
        frames.append(bytes(buf[start : end + 1]))
        pos = end + 1
    return frames, pos, junk


def _is_hex4(s: str) -> bool:
    return len(s) == 4 and all(c in "0123456789abcdefABCDEF" for c in s)


def decode(frame: bytes, *, server_time: datetime | None = None) -> Decoded:
    """Decode one ``[…]`` frame; the reply bytes are set for LK and AL messages."""
    try:
        text = frame.decode("ascii")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"watch: frame is not ASCII at byte {exc.start}") from exc
    if not (text.startswith("[") and text.endswith("]")):
        raise DecodeError("watch: frame must start with '[' and end with ']'")
    parts = text[1:-1].split("*", 4)
    if len(parts) == 5 and _is_hex4(parts[2]) and _is_hex4(parts[3]):
        maker, ident, index, content = parts[0], parts[1], parts[2], parts[4]
    else:
        parts = text[1:-1].split("*", 3)
        if len(parts) != 4:
            raise DecodeError(f"watch: expected [MF*ID*LLLL*CONTENT], got {text[:40]!r}")
        maker, ident, index, content = parts[0], parts[1], None, parts[3]
    if not ident or not ident.isalnum():
        raise DecodeError(f"watch: device id {ident!r} is not alphanumeric")
    kind = content.split(",", 1)[0]
    now = server_time or utcnow()

    def reply(word: str) -> bytes:
        mid = f"{index}*" if index is not None else ""
        return f"[{maker}*{ident}*{mid}{len(word):04X}*{word}]".encode("ascii")

    if kind == "LK":
        return Decoded("heartbeat", [], reply("LK"), ident)
    if kind in _LOCATION_TYPES:
        position = _location(ident, content, now)
        return Decoded(
            "alarm" if kind.startswith("AL") else "location",
            [position],
            reply("AL") if kind.startswith("AL") else None,
            ident,
        )
    return Decoded(f"unsupported {kind[:16]}", [], None, ident)


def _location(ident: str, content: str, now: datetime) -> Position:
    f = content.split(",")
    if len(f) < 12:
        raise DecodeError(f"watch: location has {len(f)} fields, needs at least 12")
    try:
        date, time = f[1], f[2]
        fix = datetime(
            2000 + int(date[4:6]),
            int(date[2:4]),
            int(date[0:2]),
            int(time[0:2]),
            int(time[2:4]),
            int(time[4:6]),
            tzinfo=UTC,
        )
        lat = float(f[4]) * (-1 if f[5] == "S" else 1)
        lon = float(f[6]) * (-1 if f[7] == "W" else 1)
        speed, course, altitude = float(f[8]), float(f[9]), float(f[10])
        sats = int(f[11])
    except (ValueError, IndexError) as exc:
        raise DecodeError(f"watch: bad location fields {content[:60]!r}: {exc}") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DecodeError(f"watch: coordinates {lat},{lon} out of range")
    attrs: dict[str, object] = {}
    alarms: list[str] = []
    try:
        if len(f) > 12 and f[12]:
            attrs["rssi"] = int(f[12])
        if len(f) > 13 and f[13]:
            attrs["battery_pct"] = int(f[13])
        if len(f) > 14 and f[14]:
            attrs["steps"] = int(f[14])
        if len(f) > 16 and f[16]:
            status = int(f[16], 16)
            attrs["status"] = status
            alarms = [name for bit, name in _STATUS_BITS if status & (1 << bit)]
    except ValueError as exc:
        raise DecodeError(f"watch: bad status fields {content[:80]!r}: {exc}") from exc
    position = Position(
        device=ident,
        protocol=PROTOCOL,
        fix_time=fix,
        valid=f[3] == "A",
        latitude=lat,
        longitude=lon,
        server_time=now,
        device_time=fix,
        speed_kmh=speed,
        course=course,
        altitude=altitude,
        satellites=sats,
        attributes=attrs,
    )
    for kind in alarms:
        position.add_alarm(kind)
    if f[3] != "A" and len(f) > 17:
        position.attributes["source"] = "cell"
    return position
