"""Watch text protocol against every sample in trackers.md."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from citywatch.tracking.protocols import watch


def one(text: str):
    frames, used, junk = watch.split_frames(text.encode())
    assert (len(frames), used, junk) == (1, len(text), 0)
    return watch.decode(frames[0])


def test_al_lte_sos_no_fix_battery() -> None:
    d = one("[3G*6907919734*003e*AL_LTE,170525,214118,V,0,N,0,E,0,0,0,0,0,22,0,0,00010000,0,0,0]")
    (p,) = d.positions
    assert d.identifier == "6907919734"
    assert "sos" in p.alarms
    assert not p.valid
    assert p.attributes["battery_pct"] == 22
    assert d.reply == b"[3G*6907919734*0002*AL]"


def test_ud_location() -> None:
    d = one(
        "[SG*8800000015*0087*UD,220414,134652,A,22.571707,N,113.8613968,E,0.1,0.0,100,7,60,90,1000,50,0000,4,1,460,"
        "0,9360,4082,131,9360,4092,148,9360,4091,143,9360,4153,141]"
    )
    (p,) = d.positions
    assert p.fix_time == datetime(2014, 4, 22, 13, 46, 52, tzinfo=UTC)
    assert p.valid
    assert round(p.latitude, 5) == 22.57171
    assert round(p.longitude, 5) == 113.86140
    assert p.satellites == 7
    assert p.attributes["battery_pct"] == 90
    assert d.reply is None


def test_lk_keepalive_reply() -> None:
    d = one("[SG*8800000015*0002*LK]")
    assert d.positions == []
    assert d.reply == b"[SG*8800000015*0002*LK]"


@pytest.mark.parametrize(
    ("bit", "alarm"),
    [(0, "low_battery"), (16, "sos"), (17, "low_battery"), (20, "removed"), (21, "fall"), (22, "fall")],
)
def test_status_bits(bit: int, alarm: str) -> None:
    status = f"{1 << bit:08x}"
    d = one(f"[3G*1234567890*0000*UD,010126,120000,A,51.4866,N,0.2187,W,0,0,0,8,80,50,0,0,{status}]")
    assert d.positions[0].alarms == (alarm,)
    assert d.positions[0].longitude == -0.2187


def test_indexed_form_and_wrong_length_ignored() -> None:
    d = watch.decode(b"[3G*1234567890*00A1*ffff*LK]")
    assert d.reply == b"[3G*1234567890*00A1*0002*LK]"


def test_splitter_resynchronises_and_bounds_buffer() -> None:
    frames, used, junk = watch.split_frames(b"xx[SG*1*0002*LK][SG*1*00")
    assert frames == [b"[SG*1*0002*LK]"] and junk == 2 and used == 16
    frames, used, junk = watch.split_frames(b"[" + b"a" * (watch.MAX_FRAME_BYTES + 1))
    assert frames == [] and used == watch.MAX_FRAME_BYTES + 2
