"""A small blocking RTSP/interleaved-RTP client for conformance tests (real sockets, no mocks)."""

from __future__ import annotations

import hashlib
import socket
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from citywatch.sim.digest import parse_auth_params
from citywatch.video.sei import CaptureStamp, find_capture_stamp


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return self.headers[name.lower()]


@dataclass
class RtpPacket:
    channel: int
    marker: bool
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes


@dataclass
class AccessUnit:
    timestamp: int
    first_seq: int
    nals: list[bytes] = field(default_factory=list)
    received_us: int = 0

    @property
    def nal_types(self) -> list[int]:
        return [n[0] & 0x1F for n in self.nals]

    @property
    def stamp(self) -> CaptureStamp | None:
        return find_capture_stamp(self.nals)


class FramingError(Exception):
    """The interleaved stream is not well formed."""


class RtspClient:
    def __init__(self, url: str, timeout_s: float = 5.0, rcvbuf: int | None = None) -> None:
        self.url = url
        parts = urlsplit(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout_s)
        self.sock.connect((parts.hostname or "127.0.0.1", parts.port or 554))
        self.buf = bytearray()
        self.cseq = 0
        self.session: str | None = None
        self.auth: tuple[str, str] | None = None
        self._challenge: dict[str, str] | None = None
        self.rtcp: list[bytes] = []

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _authorization(self, method: str, uri: str) -> str | None:
        if self.auth is None or self._challenge is None:
            return None
        user, password = self.auth
        realm, nonce = self._challenge["realm"], self._challenge["nonce"]
        ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"'

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, url: str | None = None, headers: dict[str, str] | None = None) -> Response:
        url = url or self.url
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"]
        if self.session and method not in ("OPTIONS", "DESCRIBE"):
            lines.append(f"Session: {self.session}")
        auth = self._authorization(method, url)
        if auth:
            lines.append(f"Authorization: {auth}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = self.read_response()
        assert response.headers.get("cseq") == str(self.cseq), response
        if response.status == 401 and self.auth is not None and self._challenge is None:
            self._challenge = parse_auth_params(response.header("WWW-Authenticate")[7:])
            return self.request(method, url, headers)
        return response

    def read_response(self) -> Response:
        """The next RTSP response, skipping interleaved packets before it."""
        while True:
            while len(self.buf) < 4:
                self._fill()
            if self.buf[0] == 0x24:
                self.read_packet()
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                self._fill()
                continue
            lines = self.buf[:end].decode().split("\r\n")
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < end + 4 + length:
                self._fill()
            body = bytes(self.buf[end + 4 : end + 4 + length])
            del self.buf[: end + 4 + length]
            return Response(int(lines[0].split()[1]), headers, body)

    def read_packet(self) -> RtpPacket:
        while len(self.buf) < 4:
            self._fill()
        if self.buf[0] != 0x24:
            raise FramingError(f"expected '$', got {bytes(self.buf[:16])!r}")
        channel, length = self.buf[1], struct.unpack_from(">H", self.buf, 2)[0]
        while len(self.buf) < 4 + length:
            self._fill()
        data = bytes(self.buf[4 : 4 + length])
        del self.buf[: 4 + length]
        if channel % 2 == 1:
            self.rtcp.append(data)
            return RtpPacket(channel, False, 0, 0, 0, data)
        if len(data) < 12 or data[0] >> 6 != 2:
            raise FramingError(f"not an RTP packet: {data[:16]!r}")
        _, mpt, seq, ts, ssrc = struct.unpack_from(">BBHII", data)
        return RtpPacket(channel, bool(mpt & 0x80), seq, ts, ssrc, data[12:])

    def setup_and_play(self, channel: int = 0) -> Response:
        """DESCRIBE, SETUP (TCP interleaved), PLAY; the PLAY response."""
        describe = self.request("DESCRIBE", headers={"Accept": "application/sdp"})
        assert describe.status == 200, describe
        base = describe.header("Content-Base")
        setup = self.request(
            "SETUP", base + "trackID=0", {"Transport": f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1}"}
        )
        assert setup.status == 200, setup
        self.session = setup.header("Session").split(";")[0]
        return self.request("PLAY", base, {"Range": "npt=0.000-"})

    def read_access_unit(self) -> tuple[AccessUnit, list[RtpPacket]]:
        """Read RTP packets up to the marker bit and reassemble FU-A fragments."""
        packets: list[RtpPacket] = []
        au: AccessUnit | None = None
        fu = bytearray()
        while True:
            pkt = self.read_packet()
            if pkt.channel % 2 == 1:
                continue
            packets.append(pkt)
            if au is None:
                au = AccessUnit(pkt.timestamp, pkt.seq)
            kind = pkt.payload[0] & 0x1F
            if kind == 28:
                fu_header = pkt.payload[1]
                if fu_header & 0x80:
                    fu = bytearray([(pkt.payload[0] & 0xE0) | (fu_header & 0x1F)])
                fu += pkt.payload[2:]
                if fu_header & 0x40:
                    au.nals.append(bytes(fu))
            else:
                au.nals.append(pkt.payload)
            if pkt.marker:
                au.received_us = time.time_ns() // 1000
                return au, packets
