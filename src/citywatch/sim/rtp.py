"""RTP/RTCP for H.264 over RTSP-interleaved TCP (RFC 6184, RFC 3550, RFC 2326 §10.12).

A frame is packetised once into a *template*: every RTP packet already framed as an interleaved
block (``$``, channel, length) with sequence number, timestamp and SSRC left at zero. Sending a
frame copies the template and patches those three fields with ``struct.pack_into``; the result is
one ``bytes`` object written unchanged to every viewer of the camera. A 10 s loop is packetised
once for all cameras that share it, so a frame costs a copy and a few dozen patches, not a
re-packetisation.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from citywatch.video.h264 import NAL_IDR, NAL_PPS, NAL_SEI, NAL_SPS, nal_type

__all__ = [
    "CLOCK_RATE",
    "MTU",
    "PAYLOAD_TYPE",
    "FrameTemplate",
    "build_frame_template",
    "interleave",
    "ntp_timestamp",
    "packetize_nal",
    "relabel_channels",
    "render_frame",
    "sender_report",
]

CLOCK_RATE = 90_000
MTU = 1400
PAYLOAD_TYPE = 96
_FU_A = 28
_NAL_AUD = 9
_RTP_HEADER = struct.Struct(">BBHII")
_INTERLEAVED = struct.Struct(">BBH")
_PATCH = struct.Struct(">HII")  # sequence number, timestamp, SSRC: bytes 2..11 of the RTP header
_NTP_EPOCH_OFFSET_S = 2_208_988_800  # 1900-01-01 to 1970-01-01


def packetize_nal(nal: bytes, mtu: int = MTU) -> list[bytes]:
    """RTP payloads for one NAL unit: a single NAL unit packet, or FU-A fragments when too big."""
    if len(nal) <= mtu:
        return [nal]
    header = nal[0]
    indicator = (header & 0xE0) | _FU_A
    kind = header & 0x1F
    body = memoryview(nal)[1:]
    chunk = mtu - 2
    payloads: list[bytes] = []
    for start in range(0, len(body), chunk):
        fu_header = kind
        if start == 0:
            fu_header |= 0x80
        if start + chunk >= len(body):
            fu_header |= 0x40
        payloads.append(bytes((indicator, fu_header)) + body[start : start + chunk])
    return payloads


def interleave(channel: int, data: bytes) -> bytes:
    """Frame one RTP or RTCP packet for the RTSP TCP connection (RFC 2326 §10.12)."""
    return _INTERLEAVED.pack(0x24, channel, len(data)) + data


@dataclass(frozen=True, slots=True)
class FrameTemplate:
    """An access unit as interleaved RTP packets with zeroed seq/timestamp/SSRC.

    ``head`` holds SPS/PPS (keyframes only), ``tail`` the slices (marker bit already set on the
    last packet); the per-frame capture-time SEI goes between them. Offsets point at the ``$`` of
    each packet inside its part.
    """

    head: bytes
    head_offsets: tuple[int, ...]
    tail: bytes
    tail_offsets: tuple[int, ...]
    keyframe: bool

    @property
    def packet_count(self) -> int:
        return len(self.head_offsets) + len(self.tail_offsets) + 1


def _packets(payloads: Sequence[bytes], last_marker: bool) -> tuple[bytes, tuple[int, ...]]:
    out = bytearray()
    offsets: list[int] = []
    for i, payload in enumerate(payloads):
        marker = 0x80 if last_marker and i == len(payloads) - 1 else 0
        offsets.append(len(out))
        out += _INTERLEAVED.pack(0x24, 0, 12 + len(payload))
        out += _RTP_HEADER.pack(0x80, marker | PAYLOAD_TYPE, 0, 0, 0)
        out += payload
    return bytes(out), tuple(offsets)


def build_frame_template(
    nals: Sequence[bytes], keyframe: bool, sps: bytes, pps: bytes, mtu: int = MTU
) -> FrameTemplate:
    """Packetise an access unit; keyframes always get SPS and PPS in-band, before the SEI."""
    slices = [n for n in nals if nal_type(n) not in (NAL_SPS, NAL_PPS, NAL_SEI, _NAL_AUD)]
    if not slices:
        raise ValueError("access unit has no slice NAL unit")
    keyframe = keyframe or any(nal_type(n) == NAL_IDR for n in slices)
    head_payloads = [sps, pps] if keyframe else []
    tail_payloads = [p for n in slices for p in packetize_nal(n, mtu)]
    head, head_offsets = _packets(head_payloads, last_marker=False)
    tail, tail_offsets = _packets(tail_payloads, last_marker=True)
    return FrameTemplate(head, head_offsets, tail, tail_offsets, keyframe)


def render_frame(template: FrameTemplate, sei: bytes, seq: int, timestamp: int, ssrc: int) -> tuple[bytearray, int]:
    """The interleaved bytes of one frame on channel 0, and the next sequence number.

    Each packet gets the next sequence number (mod 2^16); all share the frame's timestamp.
    """
    sei_packet = _packets([sei], last_marker=False)[0]
    buf = bytearray(template.head)
    buf += sei_packet
    tail_base = len(buf)
    buf += template.tail
    pack = _PATCH.pack_into
    timestamp &= 0xFFFFFFFF
    for off in template.head_offsets:
        pack(buf, off + 6, seq, timestamp, ssrc)
        seq = (seq + 1) & 0xFFFF
    pack(buf, len(template.head) + 6, seq, timestamp, ssrc)
    seq = (seq + 1) & 0xFFFF
    for off in template.tail_offsets:
        pack(buf, tail_base + off + 6, seq, timestamp, ssrc)
        seq = (seq + 1) & 0xFFFF
    return buf, seq


def relabel_channels(blob: bytes | bytearray, rtp_channel: int) -> bytes:
    """A copy of interleaved blocks built for channels 0/1 moved to ``rtp_channel``/``rtp_channel + 1``."""
    out = bytearray(blob)
    pos = 0
    while pos + 4 <= len(out):
        out[pos + 1] = rtp_channel + out[pos + 1]
        pos += 4 + ((out[pos + 2] << 8) | out[pos + 3])
    return bytes(out)


def ntp_timestamp(unix_us: int) -> tuple[int, int]:
    """NTP (seconds since 1900, 2^-32 fraction) for a Unix time in microseconds."""
    seconds, micros = divmod(unix_us, 1_000_000)
    return (seconds + _NTP_EPOCH_OFFSET_S) & 0xFFFFFFFF, (micros << 32) // 1_000_000


def sender_report(ssrc: int, unix_us: int, rtp_time: int, packets: int, octets: int) -> bytes:
    """An RTCP sender report (RFC 3550 §6.4.1) without report blocks: maps NTP to RTP time."""
    ntp_s, ntp_frac = ntp_timestamp(unix_us)
    return struct.pack(
        ">BBHIIIIII",
        0x80,
        200,
        6,
        ssrc,
        ntp_s,
        ntp_frac,
        rtp_time & 0xFFFFFFFF,
        packets & 0xFFFFFFFF,
        octets & 0xFFFFFFFF,
    )
