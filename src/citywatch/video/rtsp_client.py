"""A small RTSP 1.0 client (RFC 2326) for recording: DESCRIBE, SETUP (TCP interleaved), PLAY,
keep-alive, TEARDOWN, Digest or Basic authentication, and RTCP sender reports.

Why not FFmpeg's RTSP demuxer: it reads every interleaved packet with several small syscalls
and runs the H.264 parser over every byte; measured here it costs as much CPU as a whole
``ffmpeg -c copy`` process, and the recorder's budget is half of that (docs/design/recording.md,
"Ingest"). This client reads in 256 KiB chunks and leaves the bytes alone.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

__all__ = ["Interleaved", "Response", "RtspClient", "RtspError", "SdpVideo", "parse_sdp"]


class RtspError(Exception):
    """The camera refused us, answered nonsense, or the connection broke."""


@dataclass(slots=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Interleaved:
    channel: int
    payload: memoryview


@dataclass(slots=True)
class SdpVideo:
    payload_type: int
    encoding: str
    control: str
    sprop: list[bytes] = field(default_factory=list)


_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


def parse_sdp(text: str, base_url: str) -> SdpVideo:
    """The first H.264 video medium of a session description."""
    video: SdpVideo | None = None
    session_control = base_url
    in_video = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            if video is not None and in_video:
                break
            parts = line[2:].split()
            in_video = parts[0] == "video"
            if in_video:
                video = SdpVideo(int(parts[3]) if len(parts) > 3 else 96, "", base_url)
        elif line.startswith("a=control:"):
            value = line[len("a=control:") :]
            if in_video and video is not None:
                video.control = value if "://" in value or value == "*" else urljoin(_dir(session_control), value)
                if value == "*":
                    video.control = session_control
            elif not in_video and value != "*":
                session_control = value if "://" in value else urljoin(_dir(base_url), value)
        elif in_video and video is not None and line.startswith("a=rtpmap:"):
            pt, _, enc = line[len("a=rtpmap:") :].partition(" ")
            if int(pt) == video.payload_type:
                video.encoding = enc.split("/")[0].upper()
        elif in_video and video is not None and line.startswith("a=fmtp:"):
            for param in line.split(" ", 1)[-1].split(";"):
                key, _, value = param.strip().partition("=")
                if key == "sprop-parameter-sets":
                    video.sprop = [base64.b64decode(p + "=" * (-len(p) % 4)) for p in value.split(",") if p]
    if video is None:
        raise RtspError("the camera's session description has no video stream")
    if video.encoding != "H264":
        raise RtspError(f"the camera sends {video.encoding or 'an unknown codec'}; only H.264 is recorded")
    return video


def _dir(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class RtspClient:
    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        parts = urlsplit(url)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        self.url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        self._address = (host, parts.port or 554)
        self._timeout_s = timeout_s
        self._sock: socket.socket | None = None
        self._buf = bytearray()
        self._pos = 0
        self._cseq = 0
        self._auth: dict[str, str] | None = None
        self._auth_scheme = ""
        self.session: str | None = None
        self.session_timeout_s = 60.0
        self._last_keepalive = 0.0
        self._last_rr = 0.0
        self.skipped_bytes = 0  # garbage between messages, skipped to resynchronise

    # -- connection ---------------------------------------------------------------------------
    def connect(self) -> None:
        try:
            self._sock = socket.create_connection(self._address, timeout=self._timeout_s)
        except OSError as exc:
            raise RtspError(f"cannot connect to {self._address[0]}:{self._address[1]}: {exc.strerror or exc}") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)

    def close(self) -> None:
        if self._sock is not None:
            if self.session is not None:
                try:
                    self._send("TEARDOWN", self.url, {"Session": self.session})
                except (OSError, RtspError):
                    pass
            self._sock.close()
            self._sock = None

    # -- requests --------------------------------------------------------------------------------
    def _authorization(self, method: str, url: str) -> str | None:
        if self._auth is None or self.username is None:
            return None
        if self._auth_scheme == "basic":
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            return f"Basic {token}"
        realm, nonce = self._auth.get("realm", ""), self._auth.get("nonce", "")
        ha1 = hashlib.md5(f"{self.username}:{realm}:{self.password or ''}".encode(), usedforsecurity=False).hexdigest()
        ha2 = hashlib.md5(f"{method}:{url}".encode(), usedforsecurity=False).hexdigest()
        fields = [f'username="{self.username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{url}"']
        if "auth" in self._auth.get("qop", "").split(","):
            cnonce = os.urandom(8).hex()
            nc = "00000001"
            digest = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode(), usedforsecurity=False).hexdigest()
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            digest = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode(), usedforsecurity=False).hexdigest()
        fields.append(f'response="{digest}"')
        if "opaque" in self._auth:
            fields.append(f'opaque="{self._auth["opaque"]}"')
        return "Digest " + ", ".join(fields)

    def _send(self, method: str, url: str, headers: dict[str, str]) -> int:
        assert self._sock is not None
        self._cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self._cseq}", "User-Agent: citywatch"]
        auth = self._authorization(method, url)
        if auth:
            lines.append(f"Authorization: {auth}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self._cseq

    def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        for attempt in range(2):
            cseq = self._send(method, url, headers)
            response = self._await_response(cseq)
            if response.status == 401 and attempt == 0 and self.username is not None:
                self._learn_auth(response.headers.get("www-authenticate", ""))
                continue
            if response.status == 401:
                raise RtspError(f"{method} refused: wrong or missing camera credentials (401)")
            if response.status >= 300:
                raise RtspError(f"{method} {url} answered {response.status} {response.reason}")
            return response
        raise RtspError(f"{method} refused after authenticating")

    def _learn_auth(self, header: str) -> None:
        scheme, _, params = header.partition(" ")
        self._auth_scheme = scheme.lower()
        self._auth = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(params)
        }

    def _await_response(self, cseq: int) -> Response:
        deadline = time.monotonic() + self._timeout_s
        while time.monotonic() < deadline:
            message = self.read_message()
            if isinstance(message, Response) and message.headers.get("cseq", str(cseq)) == str(cseq):
                return message
        raise RtspError(f"no answer to request {cseq} within {self._timeout_s} s")

    # -- the session ---------------------------------------------------------------------------
    def start(self) -> SdpVideo:
        """DESCRIBE, SETUP and PLAY; afterwards ``read_message`` yields interleaved packets."""
        described = self.request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = described.headers.get("content-base") or described.headers.get("content-location") or self.url
        video = parse_sdp(described.body.decode("utf-8", "replace"), base)
        setup = self.request("SETUP", video.control, {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
        session = setup.headers.get("session")
        if not session:
            raise RtspError("SETUP answer has no Session header")
        self.session, _, rest = session.partition(";")
        match = re.search(r"timeout=(\d+)", rest)
        if match:
            self.session_timeout_s = float(match.group(1))
        self.request("PLAY", base, {"Session": self.session, "Range": "npt=0.000-"})
        self._last_keepalive = self._last_rr = time.monotonic()
        return video

    def keepalive_due(self) -> bool:
        return time.monotonic() - self._last_keepalive > max(5.0, self.session_timeout_s / 2)

    def send_keepalive(self) -> None:
        self._send("GET_PARAMETER", self.url, {"Session": self.session or ""})
        self._last_keepalive = time.monotonic()

    def send_receiver_report(self) -> None:
        """An empty RTCP RR on channel 1: some cameras end sessions that never report."""
        assert self._sock is not None
        rr = struct.pack(">BBHI", 0x80, 201, 1, 0x43575243)  # version 2, RR, no blocks, our SSRC "CWRC"
        self._sock.sendall(struct.pack(">BBH", 0x24, 1, len(rr)) + rr)
        self._last_rr = time.monotonic()

    def batch_reads(self, bytes_per_s: float, window_s: float = 0.1) -> None:
        """Wake for about ``window_s`` of stream at a time instead of for every frame.

        Each wake-up of a camera thread costs far more than the bytes it reads; recording
        writes whole GOPs, so 100 ms of batching delays nothing that matters.
        """
        if self._sock is not None and hasattr(socket, "SO_RCVLOWAT"):
            lowat = int(min(64 * 1024, max(1, bytes_per_s * window_s)))
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, lowat)

    def rr_due(self) -> bool:
        return time.monotonic() - self._last_rr > 5.0

    # -- reading ---------------------------------------------------------------------------------
    def _fill(self) -> None:
        assert self._sock is not None
        if self._pos:
            # A fresh buffer rather than an in-place delete: callers may still hold the old one.
            self._buf = self._buf[self._pos :]
            self._pos = 0
        try:
            chunk = self._sock.recv(1 << 18)
        except TimeoutError as exc:
            try:  # below the low-water mark is not silence: take what is there
                chunk = self._sock.recv(1 << 18, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                raise RtspError(f"no data from the camera for {self._timeout_s} s") from exc
        except OSError as exc:
            raise RtspError(f"connection to the camera broke: {exc.strerror or exc}") from exc
        if not chunk:
            raise RtspError("the camera closed the connection")
        self._buf += chunk

    def read_packets(self, limit: int = 64) -> tuple[bytearray, list[tuple[int, int, int]]]:
        """Up to ``limit`` interleaved packets as (channel, start, end) offsets into the returned
        buffer, valid until the next call; RTSP answers (to keep-alives) are consumed on the way.
        One ``recv`` serves many packets, and no packet is copied here (the hot path)."""
        out: list[tuple[int, int, int]] = []
        while not out:
            buf, pos, n = self._buf, self._pos, len(self._buf)
            while len(out) < limit and pos + 4 <= n and buf[pos] == 0x24:
                end = pos + 4 + ((buf[pos + 2] << 8) | buf[pos + 3])
                if end > n:
                    break
                out.append((buf[pos + 1], pos + 4, end))
                pos = end
            self._pos = pos
            if out:
                return buf, out
            if pos + 4 <= n or (n - pos and buf[pos] != 0x24):
                message = self.read_message()  # an RTSP answer, or garbage to skip
                if isinstance(message, Interleaved):
                    return bytearray(message.payload), [(message.channel, 0, len(message.payload))]
                continue
            self._fill()
        return self._buf, out

    def read_message(self) -> Response | Interleaved:
        """The next RTSP response or interleaved packet; resynchronises past garbage."""
        while True:
            buf, pos = self._buf, self._pos
            avail = len(buf) - pos
            if avail >= 4 and buf[pos] == 0x24:
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                if avail >= 4 + length:
                    self._pos = pos + 4 + length
                    return Interleaved(buf[pos + 1], memoryview(bytes(buf[pos + 4 : pos + 4 + length])))
            elif avail >= 5 and buf[pos : pos + 5] == b"RTSP/":
                end = buf.find(b"\r\n\r\n", pos)
                if end >= 0:
                    response = self._parse_response(end)
                    if response is not None:
                        return response
                    continue
                if avail > 65536:
                    raise RtspError("RTSP response header longer than 64 KiB")
            elif avail >= 1:
                nxt = min((i for i in (buf.find(b"$", pos + 1), buf.find(b"RTSP/", pos + 1)) if i >= 0), default=-1)
                self.skipped_bytes += (nxt if nxt >= 0 else len(buf)) - pos
                self._pos = nxt if nxt >= 0 else len(buf)
                continue
            self._fill()

    def _parse_response(self, end: int) -> Response | None:
        head = bytes(self._buf[self._pos : end]).decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if len(self._buf) < end + 4 + length:
            self._fill()
            return None
        body = bytes(self._buf[end + 4 : end + 4 + length])
        self._pos = end + 4 + length
        try:
            status = int(parts[1])
        except (IndexError, ValueError) as exc:
            raise RtspError(f"malformed RTSP status line {lines[0]!r}") from exc
        return Response(status, parts[2] if len(parts) > 2 else "", headers, body)
