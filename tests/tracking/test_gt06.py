"""GT06 decoder against every real sample in trackers.md: exact values and exact acks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from citywatch.tracking.filters import apply_device_clock
from citywatch.tracking.protocols import gt06


def one(hex_frame: str, identifier: str | None = "864717003283581"):
    data = bytes.fromhex(hex_frame)
    frames, used, junk = gt06.split_frames(data)
    assert (len(frames), used, junk) == (1, len(data), 0)
    return gt06.decode(frames[0], identifier)


def test_login_bcd_imei_and_serial() -> None:
    d = one("78780D01086471700328358100093F040D0A", None)
    assert d.identifier == "864717003283581"
    assert d.reply == gt06.ack(0x01, 9)


def test_login_real_exchange_ack_bytes() -> None:
    d = one("78780d010358735070530281007718630d0a", None)
    assert d.identifier == "358735070530281"
    assert d.reply == bytes.fromhex("787805010077cf6d0d0a")


def test_status_voltage_level_and_gsm() -> None:
    d = one("78780a13c40604000201298f5b0d0a")
    (p,) = d.positions
    assert p.attributes["battery_pct"] == 100
    assert p.attributes["gsm"] == 4
    assert not p.valid


def test_status_real_exchange_ack_bytes() -> None:
    d = one("78780a13050604000200780b410d0a")
    assert d.reply == bytes.fromhex("78780513007807b70d0a")


def test_location_0x12() -> None:
    d = one("78781f120f0a140e150bc505e51e780293a9e800540000f601006e0055da00035f240d0a")
    (p,) = d.positions
    assert p.fix_time == datetime(2015, 10, 20, 14, 21, 11, tzinfo=UTC)
    assert p.valid
    assert p.latitude == pytest.approx(54.94535, abs=5e-6)
    assert p.longitude == pytest.approx(24.01762, abs=5e-6)
    assert d.crc_ok


def test_location_in_device_local_time_gmt8() -> None:
    d = one("78781f120f0408000b1ac7057e05b100789c2a0034a700ce1400fb00009000ba8dbe0d0a")
    (p,) = d.positions
    assert p.fix_time == datetime(2015, 4, 8, 0, 11, 26, tzinfo=UTC)  # as read, before the clock fix
    assert d.reply == bytes.fromhex("7878051200bab8750d0a")
    apply_device_clock(p, "Etc/GMT-8")  # POSIX sign: GMT+8
    assert p.fix_time == datetime(2015, 4, 7, 16, 11, 26, tzinfo=UTC)
    assert p.device_time == datetime(2015, 4, 8, 0, 11, 26, tzinfo=UTC)


def test_wrong_crc_is_accepted_and_reported() -> None:
    d = one("78781F120B081D112E10CC027AC7EB0C46584900148F01CC00287D001FB8000380810D0A")
    (p,) = d.positions
    assert not d.crc_ok
    assert p.fix_time == datetime(2011, 8, 29, 17, 46, 16, tzinfo=UTC)
    assert p.latitude == pytest.approx(23.111668, abs=1e-6)
    assert p.longitude == pytest.approx(114.409285, abs=1e-6)
    assert d.reply == gt06.ack(0x12, 3)


def test_alarm_removed_and_battery_percent() -> None:
    d = one("7878251613020C12141AC5027951430C2A16F60014000900000000001A00007C550300020002F1E70D0A")
    (p,) = d.positions
    assert d.message == "alarm"
    assert p.alarms == ("removed",)
    assert p.attributes["battery_pct"] == 85
    assert p.attributes["terminal_info"] == 0x7C
    assert d.reply == gt06.ack(0x16, 2)


def test_extended_7979_framing_and_ack() -> None:
    short = bytes.fromhex("78781f120f0a140e150bc505e51e780293a9e800540000f601006e0055da00035f240d0a")
    body = b"\x00" + short[2:-4]  # 2-byte length: 00 1f, then PP … serial
    from citywatch.tracking.crc import crc16_x25

    frame = b"\x79\x79" + body + crc16_x25(body).to_bytes(2, "big") + b"\r\n"
    frames, _used, _ = gt06.split_frames(frame)
    d = gt06.decode(frames[0], "1")
    assert d.crc_ok and d.positions[0].latitude == pytest.approx(54.94535, abs=5e-6)
    assert d.reply is not None and d.reply.startswith(b"\x79\x79\x00\x05\x12\x00\x03")


def test_splitter_skips_junk_and_keeps_partial_frames() -> None:
    a = bytes.fromhex("78780a13050604000200780b410d0a")
    frames, used, junk = gt06.split_frames(b"\x00\xffjunk" + a + a[:7])
    assert frames == [a] and junk == 6 and used == 6 + len(a)


def test_position_before_login_is_a_decode_error() -> None:
    with pytest.raises(gt06.DecodeError, match="before login"):
        one("78780a13050604000200780b410d0a", None)
