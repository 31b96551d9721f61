"""Meter readings equal counts made here, independently, from the rows the recorder and audit log wrote."""

from __future__ import annotations

from datetime import date

from citywatch.partners.metering import readings
from citywatch.partners.money import Window
from citywatch.partners.service import PartnersService
from tests.partners.conftest import HOUR, MINUTE, NOW_US, Rows, london_us

OCT_START = london_us(date(2026, 10, 1))  # 2026-09-30T23:00Z (BST)
NOV_START = london_us(date(2026, 11, 1))  # 2026-11-01T00:00Z (GMT)


def _overlap(a: int, b: int, lo: int = OCT_START, hi: int = NOV_START) -> int:
    return max(0, min(b, hi) - max(a, lo))


def test_october_in_london_has_745_hours() -> None:
    assert NOV_START - OCT_START == 745 * HOUR


def test_recorded_connected_storage_equal_counts_from_the_index(partners: PartnersService, rows: Rows) -> None:
    org = rows.org("Westfield London")
    cam = rows.camera("WF-1", org)
    other = rows.camera("Council-1", None)
    spans = [
        (OCT_START - 5 * MINUTE, OCT_START + 5 * MINUTE),  # straddles the month's start
        (london_us(date(2026, 10, 10), 12), london_us(date(2026, 10, 10), 18)),
        (london_us(date(2026, 10, 25), 0), london_us(date(2026, 10, 25), 4)),  # across the clock change
        (NOV_START - 2 * MINUTE, NOV_START + 3 * MINUTE),  # straddles the end
        (NOV_START + HOUR, NOV_START + 2 * HOUR),  # after: not counted
    ]
    sizes = [7_000_000, 50_000_000, 9_000_000, 3_000_000, 1_000_000]
    for (a, b), size in zip(spans, sizes, strict=True):
        rows.recordings(cam, a, b, 60 * 1_000_000, size)
    rows.recordings(other, OCT_START, NOV_START, HOUR, 1)  # another camera's: not counted
    deleted = (london_us(date(2026, 10, 2)), london_us(date(2026, 10, 2), 1), 80_000_000, london_us(date(2026, 10, 9)))
    rows.deletion(cam, *deleted)
    rows.gap(cam, london_us(date(2026, 10, 20)), london_us(date(2026, 10, 23)))
    rows.gap(cam, london_us(date(2026, 10, 30), 22), None)  # still offline
    rows.gap(cam, london_us(date(2026, 10, 5)), london_us(date(2026, 10, 6)), reason="recorder_down")

    # Independent counts: per one-minute file, as the recorder wrote them.
    expected_recorded = 0
    expected_byte_us = 0.0
    for (a, b), size in zip(spans, sizes, strict=True):
        t = a
        while t < b:
            e = min(t + 60_000_000, b)
            expected_recorded += _overlap(t, e)
            expected_byte_us += size * _overlap(e, NOV_START)
            t = e
    expected_byte_us += deleted[2] * _overlap(deleted[1], deleted[3])
    expected_recorded += _overlap(deleted[0], deleted[1])  # deleted by retention since: still recorded
    offline = 3 * 24 * HOUR + _overlap(london_us(date(2026, 10, 30), 22), NOW_US)

    usage = partners.meter.usage({cam: Window(OCT_START, NOV_START)}, now_us=NOW_US)[cam]
    assert usage.recorded_us == expected_recorded
    assert usage.offline_us == offline
    assert usage.connected_us == expected_recorded + 24 * HOUR  # plus the recorder's own outage
    assert abs(usage.storage_gb_days - expected_byte_us / 1e9 / (24 * HOUR)) < 1e-9
    assert usage.uptime_pct == 100 * expected_recorded / (745 * HOUR)

    by_meter = {r.meter: r for r in readings(usage)}
    assert by_meter["recorded"].value == round(expected_recorded / HOUR, 6)
    assert by_meter["contracted"].value == 745.0
    assert len({r.id for r in readings(usage)}) == 6


def test_wall_hours_and_ptz_minutes_equal_counts_from_the_audit(partners: PartnersService, rows: Rows) -> None:
    org = rows.org("QPR")
    council = rows.org("Council", "council")
    police = rows.org("Metropolitan Police", "police")
    cam = rows.camera("LR-1", org)
    d = date(2026, 10, 14)
    views = [  # (user, client, viewer organisation, start, stop or None)
        ("op1", "10.0.0.1", council, london_us(d, 10), london_us(d, 11)),
        ("op2", "10.0.0.2", council, london_us(d, 10, 30), london_us(d, 12)),  # overlaps op1: counted once
        ("op1", "10.0.0.1", council, london_us(d, 15), london_us(d, 15, 45)),
        ("guard", "10.9.9.9", org, london_us(d, 13), london_us(d, 14)),  # the owner's own view: not monitoring
        ("pc1", "10.7.7.7", police, london_us(d, 16), london_us(d, 17)),  # police: not the monitoring service
        ("op3", "10.0.0.3", council, OCT_START - 2 * HOUR, OCT_START + HOUR),  # began in September
        ("op4", "10.0.0.4", council, london_us(date(2026, 10, 20), 8), None),  # never stopped: lapses after a day
    ]
    for user, client, viewer, start, stop in views:
        rows.audit("live.start", cam, start, user=user, client=client, org_id=viewer, camera_org_id=org)
        if stop is not None:
            rows.audit("live.stop", cam, stop, user=user, client=client, org_id=viewer, camera_org_id=org)
    rows.audit("live.start", cam, london_us(d, 20), outcome="denied", org_id=council, camera_org_id=org)
    ptz_times = [london_us(d, 10, 5) + s * 1_000_000 for s in (0, 10, 59, 60, 61, 300)]
    ptz_times.append(OCT_START - MINUTE)  # September
    for i, t in enumerate(ptz_times):
        rows.audit(f"ptz.{'move' if i % 2 else 'stop'}", cam, t, org_id=council, camera_org_id=org)

    minutes: set[int] = set()
    for _u, _c, viewer, start, stop in views:
        if viewer != council:
            continue
        end = stop if stop is not None else start + 24 * HOUR
        minutes |= {m for m in range(start // MINUTE, end // MINUTE) if OCT_START <= m * MINUTE < NOV_START}
    expected_ptz = len({t // MINUTE for t in ptz_times if OCT_START <= t < NOV_START})

    usage = partners.meter.usage({cam: Window(OCT_START, NOV_START)}, now_us=NOW_US)[cam]
    assert usage.wall_us == len(minutes) * MINUTE
    assert usage.wall_us == (2 + 0.75 + 1 + 24) * HOUR
    assert usage.ptz_minutes == expected_ptz == 3


def test_portal_lists_who_accessed_the_partners_cameras(partners: PartnersService, rows: Rows) -> None:
    org = rows.org("Fulham FC")
    police = rows.org("Metropolitan Police", "police")
    cam = rows.camera("CC-1", org)
    elsewhere = rows.camera("Council-2", None)
    rows.audit("playback", cam, OCT_START + HOUR, user="pc123", org_id=police, camera_org_id=org)
    rows.audit("playback", elsewhere, OCT_START + HOUR, user="pc123", org_id=police)
    found = partners.access_log(org, OCT_START, NOV_START)
    assert [(e.action, e.username, e.camera_id) for e in found] == [("playback", "pc123", cam)]
