"""asyncio TCP listeners for the binary/text tracker protocols (GT06, Watch, Teltonika).

Each connection splits its byte stream into frames, decodes them, resolves the device, runs positions
through the pipeline and writes the protocol's exact reply. A bad frame is counted (per device or
peer, with the reason) and skipped; nothing a device sends can end the handler or the listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from citywatch.tracking.codecs import ConnectionCodec
from citywatch.tracking.diagnostics import Diagnostics
from citywatch.tracking.domain import Position, utcnow
from citywatch.tracking.errors import DecodeError
from citywatch.tracking.pipeline import Pipeline

__all__ = ["TcpListener"]

log = logging.getLogger(__name__)


class _Connection(asyncio.Protocol):
    def __init__(self, listener: TcpListener) -> None:
        self.listener = listener
        self.codec: ConnectionCodec = listener.codec_factory()
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.last_activity = time.monotonic()
        self.closing = False

    @property
    def who(self) -> str:
        return self.codec.identifier or self.peer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.listener.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.listener.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
        self.buf += data
        diag, protocol = self.listener.diagnostics, self.codec.protocol
        try:
            frames, used, junk = self.codec.split(self.buf)
        except DecodeError as exc:  # the stream cannot be resynchronised: say so and hang up
            diag.reject(protocol, self.who, str(exc))
            self.buf.clear()
            self._close()
            return
        if junk:
            diag.reject(protocol, self.who, f"{junk} bytes outside any frame skipped")
        del self.buf[:used]
        if len(self.buf) > self.codec.max_buffer:
            diag.reject(protocol, self.who, f"{len(self.buf)} bytes without a complete frame dropped")
            self.buf.clear()
        replies: list[bytes] = []
        for frame in frames:
            try:
                self._frame(frame, replies)
            except Exception as exc:  # a bug must cost one frame, never the connection
                log.exception("%s: internal error on a frame from %s", protocol, self.who)
                diag.reject(protocol, self.who, f"internal error: {type(exc).__name__}: {exc}")
            if self.closing:
                break
        if replies and self.transport is not None:
            self.transport.write(b"".join(replies))  # one send for every ack of this read
        if self.closing and self.transport is not None:
            self.transport.close()
        elif self.listener.pipeline.sink.overloaded and self.transport is not None:
            # Backpressure: stop reading (the device's TCP window fills) until the writer catches up.
            self.transport.pause_reading()
            self.listener.pipeline.sink.on_drained(self._resume)

    def _resume(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def _frame(self, frame: bytes, replies: list[bytes]) -> None:
        listener, codec = self.listener, self.codec
        diag, protocol = listener.diagnostics, codec.protocol
        now = utcnow()
        try:
            decoded = codec.decode(frame, now)
        except DecodeError as exc:
            diag.reject(protocol, self.who, str(exc))
            return
        diag.frames[protocol] += 1
        if not decoded.crc_ok:
            diag.crc_error(protocol, decoded.identifier or self.who)
        ident = decoded.identifier
        if ident is not None and codec.identifier != ident:
            if listener.pipeline.resolve(ident, protocol, server_time=now) is None:
                diag.reject(protocol, ident, "unknown device refused (unregistered devices are not allowed)")
                refusal = codec.refusal()
                if refusal:
                    replies.append(refusal)
                self.closing = True
                return
            codec.identifier = ident
        self._positions(decoded.positions)
        if decoded.reply is not None:
            replies.append(decoded.reply)

    def _positions(self, positions: list[Position]) -> None:
        listener = self.listener
        for position in positions:
            listener.pipeline.process(position)
            listener.diagnostics.accepted[self.codec.protocol] += 1

    def _close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class TcpListener:
    """One protocol on one port. ``start`` binds (port 0 picks a free one, see ``port``)."""

    def __init__(
        self,
        codec_factory: Callable[[], ConnectionCodec],
        pipeline: Pipeline,
        diagnostics: Diagnostics,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout_s: float = 600.0,
    ) -> None:
        self.codec_factory = codec_factory
        self.pipeline, self.diagnostics = pipeline, diagnostics
        self.host, self.port, self.idle_timeout_s = host, port, idle_timeout_s
        self.connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None
        self._reaper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port, backlog=4096)
        self.port = self._server.sockets[0].getsockname()[1]
        self._reaper = asyncio.create_task(self._reap_idle(), name=f"tracking-idle-{self.port}")

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.idle_timeout_s / 2))
            cutoff = time.monotonic() - self.idle_timeout_s
            for conn in [c for c in self.connections if c.last_activity < cutoff]:
                conn._close()

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        if self._server is not None:
            self._server.close()
            for conn in list(self.connections):
                conn._close()
            await self._server.wait_closed()
            self._server = None
