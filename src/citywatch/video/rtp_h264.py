"""RFC 6184 depacketisation: RTP packets of one H.264 stream → access units in AVCC form.

Pure and I/O-free so it can be tested packet by packet. Supports single NAL unit packets,
STAP-A and FU-A (packetization-mode 0 and 1, which is what cameras send); STAP-B, MTAP and FU-B
(interleaved mode) are counted and dropped. An access unit ends at the marker bit, or when the
timestamp changes for cameras that forget the marker.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from citywatch.video.h264 import NAL_IDR, NAL_PPS, NAL_SPS

__all__ = ["AccessUnit", "H264Depacketizer", "RtpError", "parse_rtp"]


class RtpError(ValueError):
    """A packet that is not valid RTP."""


@dataclass(slots=True)
class AccessUnit:
    data: bytes  # AVCC: 4-byte big-endian length before each NAL unit
    timestamp: int  # RTP timestamp, unwrapped to 64 bits (90 kHz)
    key: bool
    sps: bytes | None
    pps: bytes | None
    damaged: bool  # a sequence gap or a lost fragment touched it


_HEADER = struct.Struct(">BBHII")


def parse_rtp(packet: bytes | memoryview) -> tuple[int, bool, int, int, memoryview]:
    """(payload type, marker, sequence, timestamp, payload) of one RTP packet."""
    if len(packet) < 12:
        raise RtpError(f"RTP packet of {len(packet)} bytes is shorter than its header")
    b0, b1, seq, ts, _ssrc = _HEADER.unpack_from(packet)
    if b0 >> 6 != 2:
        raise RtpError(f"RTP version {b0 >> 6}, expected 2")
    pos = 12 + 4 * (b0 & 0x0F)
    end = len(packet)
    if b0 & 0x10:  # header extension
        if pos + 4 > end:
            raise RtpError("RTP header extension runs past the packet")
        (words,) = struct.unpack_from(">H", packet, pos + 2)
        pos += 4 + 4 * words
    if b0 & 0x20:  # padding
        end -= packet[-1]
    if pos > end:
        raise RtpError("RTP header longer than the packet")
    return b1 & 0x7F, bool(b1 & 0x80), seq, ts, memoryview(packet)[pos:end]


class H264Depacketizer:
    def __init__(self) -> None:
        self._nals: list[bytes] = []
        self._fu: list[bytes | bytearray] | None = None
        self._ts: int | None = None
        self._last_seq: int | None = None
        self._damaged = False
        self._unwrapped = 0
        self._last_raw_ts: int | None = None
        self.unsupported_packets = 0
        self.sequence_gaps = 0

    def _unwrap(self, ts: int) -> int:
        if self._last_raw_ts is None:
            self._unwrapped = ts
        else:
            delta = (ts - self._last_raw_ts) & 0xFFFFFFFF
            if delta >= 0x80000000:
                delta -= 0x100000000  # a step backwards (B-frames or a camera reset)
            self._unwrapped += delta
        self._last_raw_ts = ts
        return self._unwrapped

    def push(self, packet: bytes | memoryview) -> list[AccessUnit]:
        """Feed one RTP packet; returns the access units it completed (zero, one or two)."""
        data = bytes(packet)
        return self.push_from(data, 0, len(data))

    def push_from(self, buf: bytes | bytearray, start: int, end: int) -> list[AccessUnit]:
        """``push`` for the packet at ``buf[start:end]``, copying only its payload (the hot path)."""
        if end - start < 12:
            raise RtpError(f"RTP packet of {end - start} bytes is shorter than its header")
        b0 = buf[start]
        if b0 >> 6 != 2:
            raise RtpError(f"RTP version {b0 >> 6}, expected 2")
        b1 = buf[start + 1]
        seq = (buf[start + 2] << 8) | buf[start + 3]
        raw_ts = (buf[start + 4] << 24) | (buf[start + 5] << 16) | (buf[start + 6] << 8) | buf[start + 7]
        pos = start + 12 + 4 * (b0 & 0x0F)
        if b0 & 0x10:
            if pos + 4 > end:
                raise RtpError("RTP header extension runs past the packet")
            pos += 4 + 4 * ((buf[pos + 2] << 8) | buf[pos + 3])
        if b0 & 0x20:
            end -= buf[end - 1]
        if pos > end:
            raise RtpError("RTP header longer than the packet")
        out: list[AccessUnit] = []
        last_seq = self._last_seq
        if last_seq is not None and seq != (last_seq + 1) & 0xFFFF:
            self.sequence_gaps += 1
            self._damaged = True
            self._fu = None
        self._last_seq = seq
        ts = self._unwrapped if raw_ts == self._last_raw_ts else self._unwrap(raw_ts)
        if ts != self._ts:
            if self._ts is not None and (self._nals or self._fu):
                unit = self._finish()  # the camera did not set the marker bit
                if unit is not None:
                    out.append(unit)
            self._ts = ts
        if pos < end:
            kind = buf[pos] & 0x1F
            if kind == 28:  # FU-A, by far the most common
                if pos + 2 > end:
                    self._damaged = True
                else:
                    header = buf[pos + 1]
                    if header & 0x80:
                        self._fu = [bytes(((buf[pos] & 0xE0) | (header & 0x1F),)), buf[pos + 2 : end]]
                    elif self._fu is not None:
                        self._fu.append(buf[pos + 2 : end])
                    else:
                        self._damaged = True  # a middle fragment without its start
                    if header & 0x40 and self._fu is not None:
                        self._nals.append(b"".join(self._fu))
                        self._fu = None
            elif 1 <= kind <= 23:
                self._nals.append(bytes(buf[pos:end]))
            elif kind == 24:  # STAP-A
                p = pos + 1
                while p + 2 <= end:
                    size = (buf[p] << 8) | buf[p + 1]
                    if size == 0 or p + 2 + size > end:
                        self._damaged = True
                        break
                    self._nals.append(bytes(buf[p + 2 : p + 2 + size]))
                    p += 2 + size
            else:
                self.unsupported_packets += 1
        if b1 & 0x80:
            unit = self._finish()
            if unit is not None:
                out.append(unit)
        return out

    def _finish(self) -> AccessUnit | None:
        nals, self._nals = self._nals, []
        if self._fu is not None:
            self._damaged = True
            self._fu = None
        damaged, self._damaged = self._damaged, False
        if not nals or self._ts is None:
            return None
        key = False
        sps = pps = None
        parts: list[bytes] = []
        for nal in nals:
            kind = nal[0] & 0x1F
            if kind == NAL_IDR:
                key = True
            elif kind == NAL_SPS:
                sps = nal
            elif kind == NAL_PPS:
                pps = nal
            parts.append(struct.pack(">I", len(nal)))
            parts.append(nal)
        return AccessUnit(b"".join(parts), self._ts, key, sps, pps, damaged)
