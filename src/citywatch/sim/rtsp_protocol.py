"""RTSP 1.0 (RFC 2326) over one TCP connection: requests in, responses and interleaved RTP out.

Methods: OPTIONS, DESCRIBE, SETUP (``RTP/AVP/TCP;interleaved`` only: UDP gets 461), PLAY
(``Range: npt=now-``, ``RTP-Info`` with the first packet's seq and rtptime, answered at the next
keyframe), PAUSE, TEARDOWN and GET_PARAMETER (keep-alive). ANNOUNCE, RECORD, REDIRECT and
SET_PARAMETER get 405; anything else 501. Every request but OPTIONS needs Digest credentials when
the server has them. Interleaved data from the client (RTCP receiver reports) is read and
discarded but counts as activity, like any request carrying the session id.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import urlsplit

from citywatch.sim.camera import Camera
from citywatch.sim.digest import DigestAuth
from citywatch.sim.sdp import TRACK_CONTROL, build_sdp
from citywatch.sim.session import Session, SessionState

__all__ = ["RtspConnection", "ServerContext"]

_MAX_REQUEST_BYTES = 64 * 1024
_PATH = re.compile(r"^/cam/(\d+)(?:/(?:" + re.escape(TRACK_CONTROL) + r")?)?/?$")
_INTERLEAVED = re.compile(r"interleaved=(\d+)(?:-(\d+))?")
_PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER"
_NOT_ALLOWED = {"ANNOUNCE", "RECORD", "REDIRECT", "SET_PARAMETER"}
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    454: "Session Not Found",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "RTSP Version Not Supported",
}


@dataclass
class ServerContext:
    """What every connection shares: cameras, sessions, credentials and limits."""

    cameras: dict[int, Camera]
    host: str
    port: int = 0
    auth: DigestAuth | None = None
    session_timeout_s: int = 60
    max_buffer_bytes: int = 2 * 1024 * 1024
    send_buffer_bytes: int | None = 256 * 1024
    sessions: dict[str, Session] = field(default_factory=dict)
    connections: set[RtspConnection] = field(default_factory=set)

    def drop_session(self, session: Session) -> None:
        self.sessions.pop(session.id, None)
        camera = self.cameras.get(session.camera_number)
        if camera is not None and camera.sessions.pop(session.id, None) is not None:
            camera.frames_lagged_closed += session.frames_lagged


@dataclass
class _Request:
    method: str
    url: str
    version: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class RtspConnection(asyncio.Protocol):
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.transport: asyncio.WriteTransport | None = None
        self._buffer = bytearray()
        self._sessions: dict[str, Session] = {}

    # --- asyncio.Protocol --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ctx.send_buffer_bytes:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.ctx.send_buffer_bytes)
        self.ctx.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        for session in self._sessions.values():
            self.ctx.drop_session(session)
        self._sessions.clear()
        self.ctx.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer and self.transport is not None and not self.transport.is_closing():
            if self._buffer[0] == 0x24:  # '$': interleaved RTCP from the client
                if len(self._buffer) < 4:
                    return
                end = 4 + ((self._buffer[2] << 8) | self._buffer[3])
                if len(self._buffer) < end:
                    return
                del self._buffer[:end]
                for session in self._sessions.values():
                    session.touch()
                continue
            if not self._take_request():
                return

    # --- parsing -------------------------------------------------------------------------------
    def _take_request(self) -> bool:
        head_end = self._buffer.find(b"\r\n\r\n")
        if head_end < 0:
            if len(self._buffer) > _MAX_REQUEST_BYTES:
                self._fail(400, "request header too large")
            return False
        lines = self._buffer[:head_end].decode("utf-8", "replace").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            self._fail(400, "bad Content-Length")
            return False
        if length < 0 or length > _MAX_REQUEST_BYTES:
            self._fail(400, "bad Content-Length")
            return False
        total = head_end + 4 + length
        if len(self._buffer) < total:
            return False
        body = bytes(self._buffer[head_end + 4 : total])
        del self._buffer[:total]
        parts = lines[0].split()
        if len(parts) != 3:
            self._fail(400, "malformed request line")
            return False
        self._handle(_Request(parts[0].upper(), parts[1], parts[2], headers, body))
        return True

    def _fail(self, status: int, why: str) -> None:
        self._send(status, None, {"Content-Type": "text/plain"}, why.encode())
        if self.transport is not None:
            self.transport.close()

    # --- responses -----------------------------------------------------------------------------
    def _response(self, status: int, cseq: str | None, headers: dict[str, str], body: bytes = b"") -> bytes:
        lines = [f"RTSP/1.0 {status} {_REASONS.get(status, 'Error')}"]
        if cseq is not None:
            lines.append(f"CSeq: {cseq}")
        lines.append("Server: citywatch-sim")
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines.extend(f"{k}: {v}" for k, v in headers.items())
        if body:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def _send(self, status: int, cseq: str | None, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(self._response(status, cseq, headers or {}, body))

    # --- dispatch ------------------------------------------------------------------------------
    def _handle(self, req: _Request) -> None:
        cseq = req.header("CSeq")
        if cseq is None:
            self._send(400, None, {"Content-Type": "text/plain"}, b"missing CSeq")
            return
        if req.version != "RTSP/1.0":
            self._send(505, cseq)
            return
        handler: Callable[[_Request, str], None] | None = {
            "OPTIONS": self._options,
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "PAUSE": self._pause,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._get_parameter,
        }.get(req.method)
        if handler is None:
            if req.method in _NOT_ALLOWED:
                self._send(405, cseq, {"Allow": _PUBLIC})
            else:
                self._send(501, cseq, {"Public": _PUBLIC})
            return
        auth = self.ctx.auth
        if req.method != "OPTIONS" and auth is not None and not auth.check(req.method, req.header("Authorization")):
            self._send(401, cseq, {"WWW-Authenticate": auth.challenge()})
            return
        handler(req, cseq)

    def _camera(self, req: _Request, cseq: str) -> Camera | None:
        """The camera a URL names; answers 404 or 503 itself and returns None then."""
        match = _PATH.match(urlsplit(req.url).path)
        camera = self.ctx.cameras.get(int(match.group(1))) if match else None
        if camera is None:
            self._send(404, cseq, {"Content-Type": "text/plain"}, f"no camera at {req.url}".encode())
            return None
        if camera.refusing:
            self._send(503, cseq, {"Retry-After": "1"})
            if self.transport is not None:
                self.transport.close()
            return None
        return camera

    def _session(self, req: _Request, cseq: str) -> Session | None:
        value = req.header("Session")
        session = self._sessions.get(value.split(";")[0].strip()) if value else None
        if session is None:
            self._send(454, cseq)
            return None
        session.touch()
        return session

    def _options(self, req: _Request, cseq: str) -> None:
        self._send(200, cseq, {"Public": _PUBLIC})

    def _describe(self, req: _Request, cseq: str) -> None:
        camera = self._camera(req, cseq)
        if camera is None or camera.source is None:
            return
        base = f"rtsp://{self.ctx.host}:{self.ctx.port}/cam/{camera.number}/"
        sdp = build_sdp(
            session_id=camera.ssrc,
            name=camera.name,
            host=self.ctx.host,
            sps=camera.source.sps,
            pps=camera.source.pps,
            fps=camera.fps,
        )
        self._send(200, cseq, {"Content-Type": "application/sdp", "Content-Base": base}, sdp.encode())

    def _setup(self, req: _Request, cseq: str) -> None:
        camera = self._camera(req, cseq)
        if camera is None or self.transport is None:
            return
        transport = req.header("Transport") or ""
        if "RTP/AVP/TCP" not in transport.upper():
            self._send(461, cseq, {"Content-Type": "text/plain"}, b"only RTP/AVP/TCP;interleaved is supported")
            return
        match = _INTERLEAVED.search(transport)
        channel = int(match.group(1)) if match else 0
        if channel > 254:
            self._send(400, cseq, {"Content-Type": "text/plain"}, b"interleaved channel must be 0..254")
            return
        if req.header("Session"):
            existing = self._session(req, cseq)
            if existing is None:
                return
            if existing.camera_number != camera.number:
                self._send(459, cseq)
                return
            existing.channel = channel
            session = existing
        else:
            sid = secrets.token_hex(8)
            session = Session(sid, camera.number, self.transport, channel, self.ctx.max_buffer_bytes)
            self._sessions[sid] = self.ctx.sessions[sid] = camera.sessions[sid] = session
        reply = f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1};ssrc={camera.ssrc:08X};mode=play"
        self._send(200, cseq, {"Transport": reply, "Session": f"{session.id};timeout={self.ctx.session_timeout_s}"})

    def _play(self, req: _Request, cseq: str) -> None:
        session = self._session(req, cseq)
        if session is None:
            return
        headers = {"Session": session.id, "Range": "npt=now-"}
        if session.state is not SessionState.READY:
            self._send(200, cseq, headers)
            return
        track = f"rtsp://{self.ctx.host}:{self.ctx.port}/cam/{session.camera_number}/{TRACK_CONTROL}"

        def respond(seq: int, rtptime: int) -> bytes:
            return self._response(200, cseq, {**headers, "RTP-Info": f"url={track};seq={seq};rtptime={rtptime}"})

        session.play(respond)

    def _pause(self, req: _Request, cseq: str) -> None:
        session = self._session(req, cseq)
        if session is not None:
            session.pause()
            self._send(200, cseq, {"Session": session.id})

    def _teardown(self, req: _Request, cseq: str) -> None:
        session = self._session(req, cseq)
        if session is not None:
            session.pause()
            self._sessions.pop(session.id, None)
            self.ctx.drop_session(session)
            self._send(200, cseq, {"Session": session.id})

    def _get_parameter(self, req: _Request, cseq: str) -> None:
        if req.header("Session"):
            session = self._session(req, cseq)
            if session is None:
                return
            self._send(200, cseq, {"Session": session.id})
            return
        self._send(200, cseq)

    def reap(self, now: float) -> None:
        """Close this connection's sessions idle for longer than the session timeout."""
        for session in list(self._sessions.values()):
            if now - session.last_activity > self.ctx.session_timeout_s:
                self._sessions.pop(session.id, None)
                self.ctx.drop_session(session)
                if not self._sessions and self.transport is not None:
                    self.transport.close()
