"""The two CRC-16 variants the tracker protocols use (table driven)."""

from __future__ import annotations

import binascii

__all__ = ["crc16_ibm", "crc16_x25", "crc16_x25_reference"]


def _table(poly_reflected: int) -> tuple[int, ...]:
    out = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly_reflected if crc & 1 else crc >> 1
        out.append(crc)
    return tuple(out)


_X25 = _table(0x8408)  # 0x1021 reflected
_IBM = _table(0xA001)  # 0x8005 reflected


def crc16_x25_reference(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/X-25 (GT06): poly 0x1021 reflected, init 0xFFFF, xorout 0xFFFF. Table driven, pure Python."""
    crc = 0xFFFF
    for b in bytes(data):
        crc = (crc >> 8) ^ _X25[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFF


_REVERSE_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def crc16_x25(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/X-25, computed in C: the reflected CRC equals the plain CCITT CRC (``binascii.crc_hqx``) of
    the bit-reversed bytes, bit-reversed. About 20× faster than the table loop; GT06 runs it twice a frame.
    """
    crc = binascii.crc_hqx(bytes(data).translate(_REVERSE_BITS), 0xFFFF)
    return (_REVERSE_BITS[crc & 0xFF] << 8 | _REVERSE_BITS[crc >> 8]) ^ 0xFFFF


def crc16_ibm(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/IBM a.k.a. ARC (Teltonika): poly 0x8005 reflected, init 0, no xorout."""
    crc = 0
    for b in bytes(data):
        crc = (crc >> 8) ^ _IBM[(crc ^ b) & 0xFF]
    return crc
