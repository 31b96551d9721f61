"""Real TCP/HTTP clients that speak the tracker protocols to the listeners (simulator, tests, bench)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import TracebackType
from typing import Self

from citywatch.sim import tracker_protocols as wire

__all__ = ["Gt06Client", "HttpClient", "TeltonikaClient", "TrackerClientError", "WatchClient"]


class TrackerClientError(Exception):
    """The server answered something a real device would not accept."""


class _TcpClient:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _send(self, data: bytes) -> None:
        assert self.writer is not None, "connect() first"
        self.writer.write(data)
        await self.writer.drain()

    async def _read(self, n: int, timeout_s: float = 5.0) -> bytes:
        assert self.reader is not None, "connect() first"
        return await asyncio.wait_for(self.reader.readexactly(n), timeout_s)


class Gt06Client(_TcpClient):
    def __init__(self, host: str, port: int, imei: str) -> None:
        super().__init__(host, port)
        self.imei, self.serial = imei, 0

    def _next(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    async def login(self) -> bytes:
        await self._send(wire.gt06_login(self.imei, self._next()))
        return await self._read(10)

    async def location(self, at: datetime, lat: float, lon: float, *, speed_kmh: float = 0.0) -> bytes:
        await self._send(wire.gt06_location(self._next(), at, lat, lon, speed_kmh=speed_kmh))
        return await self._read(10)

    async def alarm(self, at: datetime, lat: float, lon: float, *, alarm: int = 0x01) -> bytes:
        await self._send(wire.gt06_alarm(self._next(), at, lat, lon, alarm=alarm))
        return await self._read(10)


class WatchClient(_TcpClient):
    def __init__(self, host: str, port: int, ident: str) -> None:
        super().__init__(host, port)
        self.ident = ident

    async def keepalive(self) -> bytes:
        await self._send(wire.watch_lk(self.ident))
        assert self.reader is not None
        return await asyncio.wait_for(self.reader.readuntil(b"]"), 5.0)

    async def location(self, at: datetime, lat: float, lon: float, *, battery_pct: int = 80, status: int = 0) -> None:
        await self._send(wire.watch_location(self.ident, at, lat, lon, battery_pct=battery_pct, status=status))


class TeltonikaClient(_TcpClient):
    def __init__(self, host: str, port: int, imei: str) -> None:
        super().__init__(host, port)
        self.imei = imei

    async def login(self) -> bytes:
        await self._send(wire.teltonika_imei(self.imei))
        return await self._read(1)

    async def records(self, records: list[tuple[datetime, float, float, float, dict[int, int]]]) -> int:
        await self._send(wire.teltonika_avl(records))
        return int.from_bytes(await self._read(4), "big")


class HttpClient(_TcpClient):
    """HTTP/1.1 keep-alive client: just enough for OsmAnd reports."""

    async def request(self, method: str, target: str, body: bytes = b"", content_type: str = "") -> tuple[int, bytes]:
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        await self._send(head.encode("latin-1") + b"\r\n" + body)
        assert self.reader is not None
        raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 5.0)
        lines = raw.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ")[1])
        except (IndexError, ValueError) as exc:
            raise TrackerClientError(f"bad HTTP status line {lines[0]!r}") from exc
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        return status, await self._read(length) if length else b""
