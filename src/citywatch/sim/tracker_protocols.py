"""Device-side encoders for the simulator (and tests): what a real tracker puts on the wire."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from urllib.parse import urlencode

from citywatch.tracking.crc import crc16_ibm, crc16_x25

__all__ = [
    "gt06_alarm",
    "gt06_location",
    "gt06_login",
    "osmand_query",
    "teltonika_avl",
    "teltonika_imei",
    "watch_lk",
    "watch_location",
]


def _gt06(kind: int, content: bytes, serial: int) -> bytes:
    body = bytes((len(content) + 5, kind)) + content + struct.pack(">H", serial & 0xFFFF)
    return b"\x78\x78" + body + struct.pack(">H", crc16_x25(body)) + b"\r\n"


def gt06_login(imei: str, serial: int = 1) -> bytes:
    return _gt06(0x01, bytes.fromhex(("0" + imei)[-16:].rjust(16, "0")), serial)


def _gt06_block(at: datetime, lat: float, lon: float, speed_kmh: float, course: float, sats: int) -> bytes:
    t = at.astimezone(UTC)
    flags = (int(course) % 360) | (1 << 12)
    if lat >= 0:
        flags |= 1 << 10
    if lon < 0:
        flags |= 1 << 11
    return (
        bytes((t.year - 2000, t.month, t.day, t.hour, t.minute, t.second, 0xC0 | min(sats, 15)))
        + struct.pack(">II", round(abs(lat) * 1_800_000), round(abs(lon) * 1_800_000))
        + bytes((min(int(speed_kmh), 255),))
        + struct.pack(">H", flags)
    )


def gt06_location(
    imei_serial: int,
    at: datetime,
    lat: float,
    lon: float,
    *,
    speed_kmh: float = 0.0,
    course: float = 0.0,
    sats: int = 9,
) -> bytes:
    lbs = struct.pack(">HB", 234, 10) + struct.pack(">H", 0x1F40) + (0x0A1B2C).to_bytes(3, "big")
    return _gt06(0x12, _gt06_block(at, lat, lon, speed_kmh, course, sats) + lbs, imei_serial)


def gt06_alarm(
    serial: int,
    at: datetime,
    lat: float,
    lon: float,
    *,
    alarm: int = 0x01,
    battery_pct: int = 80,
    terminal_info: int = 0x40,
) -> bytes:
    lbs = bytes((9,)) + struct.pack(">HB", 234, 10) + struct.pack(">H", 0x1F40) + (0x0A1B2C).to_bytes(3, "big")
    status = bytes((terminal_info, battery_pct, 4, alarm, 2))
    return _gt06(0x16, _gt06_block(at, lat, lon, 0, 0, 9) + lbs + status, serial)


def watch_location(
    ident: str,
    at: datetime,
    lat: float,
    lon: float,
    *,
    battery_pct: int = 80,
    status: int = 0,
    speed_kmh: float = 0.0,
    maker: str = "3G",
) -> bytes:
    t = at.astimezone(UTC)
    content = (
        f"UD,{t:%d%m%y},{t:%H%M%S},A,{abs(lat):.6f},{'N' if lat >= 0 else 'S'},{abs(lon):.6f},"
        f"{'E' if lon >= 0 else 'W'},{speed_kmh:.1f},0.0,20,8,80,{battery_pct},0,0,{status:08x},0,0,0"
    )
    return f"[{maker}*{ident}*{len(content):04X}*{content}]".encode("ascii")


def watch_lk(ident: str, maker: str = "3G") -> bytes:
    return f"[{maker}*{ident}*0002*LK]".encode("ascii")


def osmand_query(
    ident: str,
    at: datetime,
    lat: float,
    lon: float,
    *,
    speed_kn: float = 0.0,
    accuracy_m: float | None = None,
    battery_pct: float | None = None,
) -> str:
    params: dict[str, str] = {
        "id": ident,
        "timestamp": str(int(at.timestamp())),
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "speed": f"{speed_kn:.1f}",
    }
    if accuracy_m is not None:
        params["accuracy"] = f"{accuracy_m:.1f}"
    if battery_pct is not None:
        params["batt"] = f"{battery_pct:.0f}"
    return "/?" + urlencode(params)


def teltonika_imei(imei: str) -> bytes:
    return struct.pack(">H", len(imei)) + imei.encode("ascii")


def teltonika_avl(records: list[tuple[datetime, float, float, float, dict[int, int]]]) -> bytes:
    """Codec 8 packet; records are (time, lat, lon, speed km/h, {io id: 1-byte value})."""
    data = bytearray((0x08, len(records)))
    for at, lat, lon, speed, io in records:
        data += struct.pack(
            ">QBiihHBH",
            int(at.timestamp() * 1000),
            0,
            round(lon * 1e7),
            round(lat * 1e7),
            20,
            0,
            9 if (lat or lon) else 0,
            int(speed),
        )
        data += bytes((0, len(io), len(io)))
        for io_id, value in io.items():
            data += bytes((io_id, value))
        data += b"\x00\x00\x00"
    data.append(len(records))
    return b"\x00\x00\x00\x00" + struct.pack(">I", len(data)) + bytes(data) + struct.pack(">I", crc16_ibm(data))
