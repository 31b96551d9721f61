"""The daily roll-up gives the same readings as the direct computation from the index (the reference)."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from citywatch.partners.metering import CameraUsage
from citywatch.partners.models import MeterDayRow
from citywatch.partners.money import Window
from citywatch.partners.rollup import london_days
from citywatch.partners.service import PartnersService
from tests.partners.conftest import HOUR, MINUTE, Rows, london_us

START = london_us(date(2026, 10, 20))  # spans the clock change (25 October) and the month's end
END = london_us(date(2026, 11, 4))
_MIDNIGHTS = [w.start_us for _d, w in london_days(Window(START - 3 * 24 * HOUR, END + 9 * 24 * HOUR))]


def _same(a: CameraUsage, b: CameraUsage) -> None:
    assert (a.camera_id, a.window) == (b.camera_id, b.window)
    assert (a.recorded_us, a.offline_us, a.platform_gap_us) == (b.recorded_us, b.offline_us, b.platform_gap_us)
    assert (a.wall_us, a.ptz_minutes, a.connected_us) == (b.wall_us, b.ptz_minutes, b.connected_us)
    # Σ of REAL byte-µs in another order: equal to rounding, far inside the 6 decimals a reading keeps
    assert abs(a.storage_gb_days - b.storage_gb_days) <= 1e-9 * max(1.0, abs(b.storage_gb_days))


def _random_camera(rng: random.Random, rows: Rows, cam: int, council: int, owner: int) -> None:
    t = START - rng.randrange(2 * 24 * HOUR)
    while t < END:  # runs of files with holes; some straddle midnight or meet it, some are deleted since
        length = rng.choice([MINUTE, 10 * MINUTE, HOUR, 7 * HOUR])
        after = [m for m in _MIDNIGHTS if m > t]
        if rng.random() < 0.2:
            length = after[0] - t  # ends on a midnight
        size = rng.randrange(1, 50_000_000)
        if rng.random() < 0.3:
            later = rng.randrange(1, 5 * 24 * HOUR)
            deleted = t + length + rng.choice([-MINUTE, 0, later])
            if rng.random() < 0.3:
                deleted = [m for m in _MIDNIGHTS if m >= t + length][rng.randrange(3)]  # on a midnight
            rows.deletion(cam, t, t + length, size, deleted)
        else:
            rows.recording(cam, t, t + length, size)
        t += length + rng.choice([0, 0, 0, rng.randrange(1, 9 * HOUR)])
    for _ in range(rng.randrange(5)):
        a = rng.randrange(START - 24 * HOUR, END)
        end = None if rng.random() < 0.2 else a + rng.randrange(1, 3 * 24 * HOUR)
        rows.gap(cam, a, end, reason=rng.choice(["camera_offline", "recorder_down", "disk_full"]))
    for user in ("op1", "op2"):  # one viewer's views follow each other; two viewers overlap
        at = START - rng.randrange(24 * HOUR)
        while at < END:
            rows.audit("live.start", cam, at, user=user, org_id=council, camera_org_id=owner)
            stop = at + rng.randrange(MINUTE, 30 * HOUR)
            if rng.random() < 0.85:
                rows.audit("live.stop", cam, stop, user=user, org_id=council, camera_org_id=owner)
            else:  # never stopped: lapses a day after it began
                stop = at + 24 * HOUR + 1
            at = stop + rng.randrange(1, 12 * HOUR)
    for _ in range(rng.randrange(30)):
        rows.audit("ptz.move", cam, rng.randrange(START, END), org_id=council, camera_org_id=owner)


def test_rolled_up_readings_equal_the_direct_computation(partners: PartnersService, rows: Rows) -> None:
    owner, council = rows.org("Westfield London"), rows.org("Council", "council")
    cams = [rows.camera(f"WF-{n}", owner) for n in range(6)]
    for n, cam in enumerate(cams):
        _random_camera(random.Random(n), rows, cam, council, owner)
    rng = random.Random(99)
    meter = partners.meter
    for _ in range(8):
        now = rng.randrange(START, END + 2 * 24 * HOUR)
        a = rng.choice([START, START + rng.randrange(5 * 24 * HOUR)])  # a London midnight, or mid-day
        b = rng.choice([END, a + rng.randrange(1, 12 * 24 * HOUR)])
        windows = {c: Window(a, b) for c in cams}
        windows[cams[0]] = Window(START, END)
        rolled, direct = meter.usage(windows, now_us=now), meter.direct_usage(windows, now_us=now)
        for c in cams:
            _same(rolled[c], direct[c])
    with partners.sessions() as s:
        assert s.scalar(select(func.count()).select_from(MeterDayRow)) > 0  # the roll-up was used


def test_a_late_file_for_a_closed_day_is_counted(partners: PartnersService, rows: Rows) -> None:
    cam = rows.camera("WF-9", rows.org("Westfield London"))
    day = date(2026, 10, 21)
    rows.recordings(cam, london_us(day), london_us(day, 12), 10 * MINUTE, 5_000_000)
    w, now = Window(START, END), END + 24 * HOUR
    first = partners.meter.usage({cam: w}, now_us=now)[cam]
    with partners.sessions() as s:
        days = s.scalar(select(func.count()).select_from(MeterDayRow).where(MeterDayRow.camera_id == cam))
    assert days == len(london_days(w))
    rows.recording(cam, london_us(day, 13), london_us(day, 14), 9_000_000)  # recovered after a crash
    rows.gap(cam, london_us(day, 15), london_us(day, 16), reason="recorder_down")
    after = partners.meter.usage({cam: w}, now_us=now)[cam]
    assert after.recorded_us == first.recorded_us + HOUR
    assert after.platform_gap_us == first.platform_gap_us + HOUR
    _same(after, partners.meter.direct_usage({cam: w}, now_us=now)[cam])


def test_only_closed_days_are_kept(partners: PartnersService, rows: Rows) -> None:
    cam = rows.camera("WF-8", rows.org("Westfield London"))
    rows.recordings(cam, START, END, HOUR, 1_000_000)
    now = london_us(date(2026, 10, 23), 0, 30)  # 22 October ended 30 minutes ago: not closed yet
    usage = partners.meter.usage({cam: Window(START, END)}, now_us=now)[cam]
    assert usage.recorded_us == now - START
    with partners.sessions() as s:
        kept = list(s.scalars(select(MeterDayRow.day).where(MeterDayRow.camera_id == cam).order_by(MeterDayRow.day)))
    assert kept == [date(2026, 10, 20), date(2026, 10, 21)]


def test_london_days_tile_a_month_across_the_clock_change() -> None:
    days = london_days(Window(london_us(date(2026, 10, 1)), london_us(date(2026, 11, 1))))
    assert len(days) == 31 and days[0][0] == date(2026, 10, 1)
    assert days[24][1].length_us == 25 * HOUR  # 25 October: clocks go back
    assert sum(w.length_us for _d, w in days) == 745 * HOUR
    assert london_days(Window(START + 1, START + 24 * HOUR)) == []
