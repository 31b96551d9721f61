"""The per-device chain: filters, late positions, alarms, silence, sting rules."""

from __future__ import annotations

from datetime import timedelta

from citywatch.tracking.domain import Position, Profile

from .conftest import Harness
from .test_zones import lon_at

INSIDE = (51.4866, lon_at(30))


def test_late_positions_are_archived_and_raise_nothing() -> None:
    h = Harness()
    h.feed(0, *INSIDE)
    h.feed(100, *INSIDE)
    assert h.feed(50, 51.4866, lon_at(-200), alarm="sos") == []  # older than the latest fix: re-upload
    rows = h.sink.of("tracking_positions")
    assert [r["archived"] for r in rows] == [False, False, True]
    assert h.pipeline.devices["dev1"].zone_states[1].inside is True


def test_duplicates_dropped_zero_and_future_fixes_kept_out_of_zone_decisions() -> None:
    h = Harness()
    h.feed(0, *INSIDE)
    h.feed(0, *INSIDE)  # duplicate
    h.feed(20, 0.0, 0.0)
    h.feed(40, 51.4866, lon_at(-500), server_delay_s=-3600)  # an hour in the future
    rows = h.sink.of("tracking_positions")
    assert len(rows) == 3
    assert rows[1]["attributes"]["filtered"] == "zero coordinates"
    assert rows[2]["attributes"]["filtered"] == "future fix"
    assert h.alerts == []


def test_walking_speed_jump_is_filtered_until_confirmed() -> None:
    h = Harness()
    h.feed(0, *INSIDE)
    assert h.feed(10, 51.4966, lon_at(30)) == []  # 1.1 km in 10 s: a jump
    assert h.sink.of("tracking_positions")[-1]["attributes"]["filtered"] == "jump"
    raised = h.feed(20, 51.49661, lon_at(30))  # a second fix agrees with the first: accept
    assert [str(a.kind) for a in raised] == ["left_zone"]


def test_invalid_fix_still_delivers_its_alarm() -> None:
    h = Harness()
    h.feed(0, *INSIDE)
    at = h.t0 + timedelta(seconds=30)
    p = Position("dev1", "watch", at, False, 0.0, 0.0, server_time=at, attributes={"alarm": "sos", "battery_pct": 22})
    raised = h.pipeline.process(p)
    assert [str(a.kind) for a in raised] == ["sos"]
    row = h.sink.of("tracking_positions")[-1]
    assert row["latitude"] == INSIDE[0] and row["valid"] is False  # drawn at the last known place


def test_sos_is_deduplicated_fall_and_removed_alert() -> None:
    h = Harness()
    assert [str(a.kind) for a in h.feed(0, *INSIDE, alarm="sos")] == ["sos"]
    assert h.feed(30, *INSIDE, alarm="sos") == []  # the device repeats it until acknowledged
    assert [str(a.kind) for a in h.feed(60, *INSIDE, alarm="fall,removed")] == ["fall", "removed"]
    assert [str(a.kind) for a in h.feed(200, *INSIDE, alarm="sos")] == ["sos"]
    assert h.alerts[0].priority == 1


def test_low_battery_threshold_and_device_flag() -> None:
    h = Harness()
    assert [str(a.kind) for a in h.feed(0, *INSIDE, battery_pct=12)] == ["low_battery"]
    assert h.feed(20, *INSIDE, battery_pct=11) == []
    assert h.feed(40, *INSIDE, battery_pct=60) == []
    assert [str(a.kind) for a in h.feed(60, *INSIDE, battery_pct=60, alarm="low_battery")] == ["low_battery"]


def test_silent_device_inside_is_silent_outside_is_lost_contact() -> None:
    h = Harness()
    h.feed(0, *INSIDE)
    assert h.pipeline.sweep(h.t0 + timedelta(seconds=40)) == []  # 2× interval: not yet
    (alert,) = h.pipeline.sweep(h.t0 + timedelta(seconds=60))
    assert str(alert.kind) == "tracker_silent"
    assert h.pipeline.sweep(h.t0 + timedelta(seconds=120)) == []  # raised once per silence

    h2 = Harness()
    h2.feed(0, *INSIDE)
    h2.feed(20, 51.4866, lon_at(-40))  # left
    (lost,) = h2.pipeline.sweep(h2.t0 + timedelta(seconds=90))
    assert str(lost.kind) == "lost_contact" and lost.priority == 1
    assert "last seen at 51.48660,-0.21973" in lost.message


def test_silent_near_the_edge_is_lost_contact() -> None:
    h = Harness()
    h.feed(0, 51.4866, lon_at(8))  # 8 m inside the edge
    (lost,) = h.pipeline.sweep(h.t0 + timedelta(seconds=60))
    assert str(lost.kind) == "lost_contact" and lost.priority == 2


def test_sting_vehicle_ignition_and_moved() -> None:
    h = Harness(profile=Profile.VEHICLE, zones=[])
    assert h.feed(0, 51.4802, -0.1953, ignition=False) == []
    assert [str(a.kind) for a in h.feed(10, 51.4802, -0.1953, ignition=True)] == ["sting_ignition"]
    assert h.feed(20, 51.48022, -0.1953, ignition=True) == []
    (moved,) = h.feed(30, 51.4808, -0.1960, ignition=True)
    assert str(moved.kind) == "sting_moved" and moved.priority == 1
    assert h.feed(40, 51.4815, -0.1970) == []  # raised once


def test_property_alarm() -> None:
    h = Harness(profile=Profile.PROPERTY, zones=[])
    assert [str(a.kind) for a in h.feed(0, 51.4802, -0.1953, alarm="vibration")] == ["property_alarm"]


def test_device_clock_zone_applied_in_the_chain() -> None:
    h = Harness()
    h.pipeline.devices["dev1"].info.clock_tz = "Etc/GMT-8"
    at = h.t0 + timedelta(hours=8)
    p = Position("dev1", "gt06", at, True, *INSIDE, server_time=h.t0, device_time=at)
    h.pipeline.process(p)
    assert p.fix_time == h.t0
    assert "filtered" not in p.attributes  # not a future fix once the zone is applied
