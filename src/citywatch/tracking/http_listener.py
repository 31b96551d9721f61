"""A small asyncio HTTP/1.1 server for OsmAnd / Traccar Client reports (keep-alive, pipelining).

Only what the protocol needs: request line, headers, ``Content-Length`` bodies. 200 with an empty body
on success; 400 for a report that does not decode (no id, bad numbers…) or an unknown device in the
query form; 404 for an unknown device in the JSON form (as Traccar answers).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import tzinfo
from zoneinfo import ZoneInfo

from citywatch.tracking.diagnostics import Diagnostics
from citywatch.tracking.domain import utcnow
from citywatch.tracking.errors import DecodeError
from citywatch.tracking.pipeline import Pipeline
from citywatch.tracking.protocols import osmand

__all__ = ["OsmAndListener"]

log = logging.getLogger(__name__)
PROTOCOL = "osmand"
MAX_HEAD_BYTES = 16_384
MAX_BODY_BYTES = 1_048_576
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large", 500: "Internal Server Error"}


def _response(status: int, body: bytes = b"", *, close: bool = False) -> bytes:
    head = f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += "Content-Type: text/plain; charset=utf-8\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode("ascii") + b"\r\n" + body


class _HttpConnection(asyncio.Protocol):
    def __init__(self, listener: OsmAndListener) -> None:
        self.listener = listener
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer = "?"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}" if isinstance(peer, tuple) else str(peer)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        out: list[bytes] = []
        try:
            self._requests(out)
        finally:
            if out and self.transport is not None:
                self.transport.write(b"".join(out))  # pipelined requests: one send for all the answers
        sink = self.listener.pipeline.sink
        if sink.overloaded and self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()  # backpressure until the writer catches up
            sink.on_drained(self._resume)

    def _resume(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def _requests(self, out: list[bytes]) -> None:
        while self.transport is not None and not self.transport.is_closing():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD_BYTES:
                    self._fail(out, 413, "request head too large")
                return
            try:
                _method, target, version, headers = _parse_head(bytes(self.buf[:end]))
                length = int(headers.get("content-length", "0"))
            except ValueError as exc:
                self._fail(out, 400, f"malformed HTTP request: {exc}")
                return
            if length < 0 or length > MAX_BODY_BYTES:
                self._fail(out, 413, f"body of {length} bytes refused")
                return
            if len(self.buf) < end + 4 + length:
                return
            body = bytes(self.buf[end + 4 : end + 4 + length])
            del self.buf[: end + 4 + length]
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            try:
                status, text = self.listener.handle(target, headers.get("content-type", ""), body, self.peer)
            except Exception as exc:  # a bug costs one request, never the listener
                log.exception("osmand: internal error on a request from %s", self.peer)
                self.listener.diagnostics.reject(PROTOCOL, self.peer, f"internal error: {type(exc).__name__}")
                status, text = 500, "internal error"
            out.append(_response(status, text.encode(), close=close))
            if close:
                self.transport.write(b"".join(out))
                out.clear()
                self.transport.close()

    def _fail(self, out: list[bytes], status: int, reason: str) -> None:
        self.listener.diagnostics.reject(PROTOCOL, self.peer, reason)
        if self.transport is not None:
            out.append(_response(status, reason.encode(), close=True))
            self.transport.write(b"".join(out))
            out.clear()
            self.transport.close()
        self.buf.clear()


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"request line {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1], parts[2], headers


class OsmAndListener:
    def __init__(
        self,
        pipeline: Pipeline,
        diagnostics: Diagnostics,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        server_tz: str = "UTC",
    ) -> None:
        self.pipeline, self.diagnostics = pipeline, diagnostics
        self.host, self.port = host, port
        self.local_tz: tzinfo = ZoneInfo(server_tz)
        self._server: asyncio.Server | None = None

    def handle(self, target: str, content_type: str, body: bytes, peer: str) -> tuple[int, str]:
        """Decode and process one request; returns (status, body text)."""
        now = utcnow()
        try:
            report = osmand.decode_request(target, content_type, body, server_time=now, local_tz=self.local_tz)
        except DecodeError as exc:
            self.diagnostics.reject(PROTOCOL, peer, str(exc))
            return 400, str(exc)
        if self.pipeline.resolve(report.identifier, PROTOCOL, server_time=now) is None:
            self.diagnostics.reject(PROTOCOL, report.identifier, "unknown device refused")
            status = 404 if report.form == "json" else 400
            return status, f"device {report.identifier} is not registered"
        self.diagnostics.frames[PROTOCOL] += 1
        for position in report.positions:
            self.pipeline.process(position)
            self.diagnostics.accepted[PROTOCOL] += 1
        return 200, ""

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _HttpConnection(self), self.host, self.port, backlog=4096)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
