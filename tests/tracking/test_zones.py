"""Safe-zone geometry and hysteresis: no flapping along the edge, segments between fixes, cell fixes."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from citywatch.tracking.geo import Circle, Polygon, haversine_m
from citywatch.tracking.zones import Schedule, Zone

from .conftest import Harness

WEST_EDGE = -0.21915
M_PER_DEG_LON = 111_195.0 * math.cos(math.radians(51.4866))
M_PER_DEG_LAT = 111_195.0


def lon_at(metres_east_of_west_edge: float) -> float:
    return WEST_EDGE + metres_east_of_west_edge / M_PER_DEG_LON


def test_signed_distance_polygon_and_circle() -> None:
    square = Polygon([(51.4863, -0.21915), (51.4863, -0.21825), (51.4869, -0.21825), (51.4869, -0.21915)])
    assert square.signed_distance_m(51.4866, lon_at(10)) == pytest.approx(-10, abs=0.1)
    assert square.signed_distance_m(51.4866, lon_at(-20)) == pytest.approx(20, abs=0.1)
    circle = Circle(51.4866, -0.2187, 50)
    assert circle.signed_distance_m(51.4866, -0.2187) == pytest.approx(-50)
    assert haversine_m(51.4866, -0.2187, 51.4875, -0.2199) == pytest.approx(130, abs=2)


def test_segment_through_a_thin_zone_is_seen() -> None:
    thin = Polygon([(51.4860, -0.2190), (51.4860, -0.2189), (51.4870, -0.2189), (51.4870, -0.2190)])  # 7 m wide
    a, b = (51.4865, -0.2200), (51.4865, -0.2180)  # both outside, 140 m apart
    assert thin.signed_distance_m(*a) > 0 and thin.signed_distance_m(*b) > 0
    seg = thin.segment(a, b)
    assert seg.entry_t is not None and seg.max_inside_m > 3
    assert seg.exit_t is not None and seg.exit_t > seg.entry_t


def _boundary_walk(seed: int, inside_m: float, sigma_m: float, fixes: int = 60) -> tuple[Harness, int]:
    """Walk north along the west edge of the Claybrook zone, ``inside_m`` inside, with GPS noise."""
    h = Harness()
    rng = random.Random(seed)
    naive_flips, naive_inside = 0, True
    for i in range(fixes):
        lat = 51.48645 + 0.0003 * i / fixes  # stay clear of the corners
        east = inside_m + rng.gauss(0, sigma_m)
        north = rng.gauss(0, sigma_m)
        h.feed(i * 15.0, lat + north / M_PER_DEG_LAT, lon_at(east), accuracy_m=10.0)
        if (east > 0) != naive_inside:
            naive_inside, naive_flips = east > 0, naive_flips + 1
    return h, naive_flips


def test_walker_along_the_boundary_does_not_flap() -> None:
    quiet_walks = 0
    for seed in range(20):
        h, naive = _boundary_walk(seed, inside_m=3.0, sigma_m=6.0)
        assert naive >= 4, "the walk must actually cross the line often for the test to mean anything"
        assert h.kinds().count("left_zone") <= 1, h.kinds()
        quiet_walks += not h.alerts
    assert quiet_walks >= 12


def test_walker_on_the_line_for_15_minutes_raises_few_alerts() -> None:
    for seed in range(10):
        h, naive = _boundary_walk(seed, inside_m=0.0, sigma_m=8.0)
        assert naive >= 10  # a plain point-in-polygon test would alert on every one of these
        assert h.kinds().count("left_zone") <= 3, h.kinds()
        times = [a.fix_time for a in h.alerts if str(a.kind) == "left_zone"]
        assert all((b - a).total_seconds() >= 120 for a, b in itertools.pairwise(times))


def test_clear_exit_is_immediate_with_crossing_point() -> None:
    h = Harness()
    h.feed(0, 51.4866, lon_at(30))
    (alert,) = h.feed(20, 51.4866, lon_at(-40))
    assert str(alert.kind) == "left_zone"
    assert "beyond the edge" in alert.message
    assert alert.longitude == pytest.approx(WEST_EDGE, abs=2e-6)  # where the path crossed the edge


def test_two_consecutive_fixes_outside_the_dead_band() -> None:
    h = Harness()
    h.feed(0, 51.4866, lon_at(30))
    assert h.feed(20, 51.4866, lon_at(-8)) == []
    (alert,) = h.feed(40, 51.4866, lon_at(-9))
    assert "two consecutive" in alert.message


def test_sixty_seconds_outside_then_silent() -> None:
    h = Harness()
    h.feed(0, 51.4866, lon_at(30))
    h.feed(20, 51.4866, lon_at(-8))
    raised = h.pipeline.sweep(h.t0 + timedelta(seconds=85))
    kinds = [str(a.kind) for a in raised]
    assert "left_zone" in kinds and "lost_contact" in kinds


def test_return_needs_confirmation_and_is_reported_once() -> None:
    h = Harness()
    h.feed(0, 51.4866, lon_at(30))
    h.feed(20, 51.4866, lon_at(-40))
    assert h.feed(40, 51.4866, lon_at(30)) == []  # back over the line: state inside, alert stands
    assert h.feed(100, 51.4866, lon_at(30)) == []
    (ret,) = h.feed(170, 51.4866, lon_at(30))
    assert str(ret.kind) == "returned_to_zone"
    (again,) = h.feed(190, 51.4866, lon_at(-40))
    assert str(again.kind) == "left_zone"


def test_excursion_between_fixes_in_a_concave_zone() -> None:
    # An L-shaped zone: the straight path from one arm's tip to the other's cuts across the outside.
    ring = [
        (-0.2200, 51.4860),
        (-0.2180, 51.4860),
        (-0.2180, 51.4863),
        (-0.2197, 51.4863),
        (-0.2197, 51.4880),
        (-0.2200, 51.4880),
        (-0.2200, 51.4860),
    ]
    zone = Zone.from_geojson(7, "L", "campus", {"type": "Polygon", "coordinates": [[list(p) for p in ring]]})
    h = Harness(zones=[zone])
    h.feed(0, 51.4878, -0.21985)  # top of the vertical arm
    (alert,) = h.feed(300, 51.48615, -0.2182)  # end of the horizontal arm
    assert str(alert.kind) == "left_zone" and alert.priority == 3
    assert "between fixes" in alert.message


def test_cell_positions_never_cause_an_exit() -> None:
    h = Harness()
    h.feed(0, 51.4866, lon_at(30))
    for i in range(5):
        assert h.feed(20 + 20 * i, 51.4866, lon_at(-300), accuracy_m=800.0) == []
        assert h.feed(30 + 20 * i, 51.4866, lon_at(-300), accuracy_m=None, source="cell") == []
    state = h.pipeline.devices["dev1"].zone_states[1]
    assert state.inside is True and state.suspect is True


def test_schedule_night_only_zone_raises_when_night_begins() -> None:
    night = Zone.from_geojson(
        1,
        "Claybrook Centre",
        "care_unit",
        {"type": "Point", "coordinates": [-0.2187, 51.4866]},
        40.0,
        {"tz": "Europe/London", "windows": [["20:00", "08:00"]]},
    )
    h = Harness(zones=[night])
    h.t0 = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)  # 19:00 BST
    h.feed(0, 51.4866, -0.2187)
    assert h.feed(60, 51.4866, -0.2200) == []  # outside, but the zone does not apply before 20:00 London
    assert h.feed(1800, 51.4866, -0.2200) == []  # 19:30
    (alert,) = h.feed(3660, 51.4866, -0.2201)  # 20:01 BST: outside while they should be inside
    assert str(alert.kind) == "left_zone"


def test_schedule_windows() -> None:
    s = Schedule.from_json({"tz": "Europe/London", "windows": [["20:00", "08:00"]]})
    assert s is not None
    assert s.active(datetime(2026, 1, 10, 20, 30, tzinfo=UTC))
    assert s.active(datetime(2026, 1, 10, 7, 59, tzinfo=UTC))
    assert not s.active(datetime(2026, 7, 10, 7, 30, tzinfo=UTC))  # 08:30 BST
    with pytest.raises(ValueError, match="schedule"):
        Schedule.from_json({"windows": [["20:00", "08:00"]]})
