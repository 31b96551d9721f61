"""Teltonika codec 8: the IMEI handshake from trackers.md and the codec 8 example of Teltonika's wiki."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from citywatch.tracking.errors import DecodeError
from citywatch.tracking.protocols import teltonika

IMEI = "000F313233343536373839303132333435"
# One record, no GPS, IO: 1-byte (21→3, 1→1), 2-byte (66→0x5E0F), 4-byte (241→0x601A), 8-byte (78→0).
WIKI_AVL = (
    "000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F10000601A014E"
    "0000000000000000010000C7CF"
)


def test_imei_handshake_accept() -> None:
    frames, _used, _ = teltonika.split_frames(bytes.fromhex(IMEI), imei_received=False)
    d = teltonika.decode(frames[0], None)
    assert d.identifier == "123456789012345"
    assert d.reply == b"\x01"


def test_codec8_packet_values_crc_and_ack() -> None:
    data = bytes.fromhex(IMEI + WIKI_AVL)
    frames, used, _ = teltonika.split_frames(data, imei_received=False)
    assert len(frames) == 2 and used == len(data)
    d = teltonika.decode(frames[1], "123456789012345")
    assert d.crc_ok
    assert d.reply == b"\x00\x00\x00\x01"
    (p,) = d.positions
    assert p.fix_time == datetime(2019, 6, 10, 10, 4, 46, tzinfo=UTC)
    assert not p.valid  # no satellites
    assert p.attributes["io21"] == 3 and p.attributes["io66"] == 0x5E0F and p.attributes["io241"] == 0x601A
    assert p.attributes["power_v"] == pytest.approx(24.079)


def test_ignition_io239() -> None:
    from citywatch.sim.tracker_protocols import teltonika_avl

    t = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    packet = teltonika_avl([(t, 51.4802, -0.1953, 0, {239: 0}), (t, 51.4803, -0.1954, 12, {239: 1})])
    d = teltonika.decode(packet, "356307042441013")
    assert d.reply == b"\x00\x00\x00\x02"
    assert [p.attributes["ignition"] for p in d.positions] == [False, True]
    assert d.positions[0].latitude == pytest.approx(51.4802)


def test_bad_preamble_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="preamble"):
        teltonika.split_frames(b"\x01\x00\x00\x00\x00\x00\x00\x10", imei_received=True)
