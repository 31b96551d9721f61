"""CRC check values (the catalogue's "123456789") and the fast X-25 against the table reference."""

from __future__ import annotations

import random

from citywatch.tracking.crc import crc16_ibm, crc16_x25, crc16_x25_reference


def test_check_values() -> None:
    assert crc16_x25(b"123456789") == 0x906E
    assert crc16_x25_reference(b"123456789") == 0x906E
    assert crc16_ibm(b"123456789") == 0xBB3D


def test_fast_x25_matches_the_reference() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 120)))
        assert crc16_x25(data) == crc16_x25_reference(data)
