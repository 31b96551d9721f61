"""Camera passes: which cameras' fields of view a trail crossed, and when."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from citywatch.tracking.camera_passes import CameraFov, TrailPoint, camera_passes, in_view
from citywatch.tracking.geo import Projection

T0 = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
CAM = (51.4875, -0.2199)  # Charing Cross Hospital, Fulham Palace Road
PROJ = Projection(*CAM)


def at(x_m: float, y_m: float, t_s: float) -> TrailPoint:
    """A fix ``x_m`` east and ``y_m`` north of the camera, ``t_s`` after T0."""
    lat, lon = PROJ.latlon(x_m, y_m)
    return TrailPoint(T0 + timedelta(seconds=t_s), lat, lon)


def cam(bearing: float = 0.0, fov: float = 60.0, range_m: float = 100.0, cid: int = 7) -> CameraFov:
    return CameraFov(cid, f"camera {cid}", CAM[0], CAM[1], bearing, fov, range_m)


def test_a_walk_across_the_view_between_two_fixes_is_found_with_its_times() -> None:
    # Camera looks north; the walker crosses 50 m north of it, west to east, at 1 m/s, fixes 200 s apart.
    trail = [at(-100, 50, 0), at(100, 50, 200)]
    (p,) = camera_passes(trail, [cam()])
    # The 60° sector at y=50 spans x = ±50·tan 30° = ±28.87 m: t = 100 ∓ 28.87 s.
    assert p.camera_id == 7 and p.name == "camera 7"
    assert abs((p.start - T0).total_seconds() - (100 - 28.87)) < 0.2
    assert abs((p.end - T0).total_seconds() - (100 + 28.87)) < 0.2
    assert abs(p.closest_m - 50) < 0.1


def test_beyond_range_and_behind_the_camera_are_not_passes() -> None:
    assert camera_passes([at(-100, 120, 0), at(100, 120, 200)], [cam()]) == []  # beyond 100 m
    assert camera_passes([at(-100, -50, 0), at(100, -50, 200)], [cam()]) == []  # behind it
    assert camera_passes([at(60, 10, 0), at(60, 90, 80)], [cam()]) == []  # beside the sector, never inside


def test_the_range_cuts_a_walk_along_the_axis() -> None:
    (p,) = camera_passes([at(0, 10, 0), at(0, 210, 200)], [cam()])
    assert (p.start - T0).total_seconds() == pytest.approx(0, abs=0.01)
    assert (p.end - T0).total_seconds() == pytest.approx(90, abs=0.1)  # y = 100 m at t = 90 s


def test_a_long_silence_counts_only_the_fixes() -> None:
    # 20 minutes between fixes either side of the view: the path is unknown, so no pass is claimed.
    assert camera_passes([at(-100, 50, 0), at(100, 50, 1200)], [cam()]) == []
    (p,) = camera_passes([at(0, 50, 0), at(300, 300, 1200)], [cam()])
    assert p.start == p.end == T0


def test_a_single_fix_in_view_is_a_pass() -> None:
    (p,) = camera_passes([at(5, 40, 30)], [cam()])
    assert p.start == p.end == T0 + timedelta(seconds=30)


def test_noise_at_the_edge_merges_into_one_pass_and_separate_visits_stay_separate() -> None:
    c = cam()
    # Standing at the edge of the view (x = -28.9 m at y = 50 m) with ±3 m of GPS noise, then walking off.
    trail = [at(-100, 50, 0), at(-26, 50, 60), at(-31, 50, 70), at(-27, 50, 80), at(-32, 50, 90), at(-100, 50, 150)]
    assert len(camera_passes(trail, [c], merge_s=0)) == 2
    (p,) = camera_passes(trail, [c])  # one stay by the camera
    assert 55 < (p.start - T0).total_seconds() < 60 and 80 < (p.end - T0).total_seconds() < 90
    apart = camera_passes([at(-100, 50, 0), at(0, 50, 100), at(-100, 50, 200), at(-100, 50, 290), at(0, 50, 390)], [c])
    assert len(apart) == 2 and apart[0].end < apart[1].start


def test_wide_and_all_round_cameras() -> None:
    wide = cam(bearing=0, fov=270)  # sees everything but the quarter behind it, centred on south
    assert in_view(wide, *PROJ.latlon(-50, -10)) and in_view(wide, *PROJ.latlon(50, -10))
    assert not in_view(wide, *PROJ.latlon(0, -50))
    dome = cam(fov=360, range_m=30)
    (p,) = camera_passes([at(-100, 0, 0), at(100, 0, 200)], [dome])
    assert (p.end - p.start).total_seconds() == pytest.approx(60, abs=0.1)


def test_blind_quarter_of_a_wide_camera_splits_a_pass() -> None:
    wide = cam(bearing=0, fov=270)
    passes = camera_passes([at(-80, -40, 0), at(80, -40, 160)], [wide], merge_s=0)
    assert len(passes) == 2
    # In range (√(x²+40²) ≤ 100 → |x| ≤ 91.7, so from the start) until the blind quarter at x = -40 m.
    assert (passes[0].start - T0).total_seconds() == pytest.approx(0, abs=0.1)
    assert (passes[0].end - T0).total_seconds() == pytest.approx(40, abs=0.1)
    assert (passes[1].start - T0).total_seconds() == pytest.approx(120, abs=0.1)


def test_several_cameras_sorted_by_time_and_unusable_ones_skipped() -> None:
    east = CameraFov(2, "east", *PROJ.latlon(200, 0), 0.0, 90.0, 80.0)
    west = CameraFov(1, "west", *PROJ.latlon(-200, 0), 0.0, 90.0, 80.0)
    blind = CameraFov(3, "no range", CAM[0], CAM[1], 0.0, 90.0, 0.0)
    trail = [at(-300, 30, 0), at(0, 30, 250), at(300, 30, 500)]
    passes = camera_passes(trail, [east, blind, west])
    assert [p.camera_id for p in passes] == [1, 2]


def test_agrees_with_point_sampling_on_random_walks() -> None:
    """The exact sector intersection against brute force: 20 cm steps along random segments."""
    rng = random.Random(8)
    for _ in range(60):
        c = cam(bearing=rng.uniform(0, 360), fov=rng.choice([30, 90, 179, 200, 300]), range_m=rng.uniform(20, 120))
        a = at(rng.uniform(-150, 150), rng.uniform(-150, 150), 0)
        b = at(rng.uniform(-150, 150), rng.uniform(-150, 150), 100)
        inside_s = sum(p.end.timestamp() - p.start.timestamp() for p in camera_passes([a, b], [c], merge_s=0))
        n = 2000
        sampled = sum(
            in_view(
                c, a.latitude + (b.latitude - a.latitude) * i / n, a.longitude + (b.longitude - a.longitude) * i / n
            )
            for i in range(n)
        )
        assert math.isclose(inside_s, sampled / n * 100, abs_tol=0.3), (c, a, b)
