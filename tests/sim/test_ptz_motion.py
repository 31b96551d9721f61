"""The PTZ motor model on a clock the test sets: positions are a pure function of commands and time."""

from __future__ import annotations

import math

import pytest

from citywatch.sim.ptz_motion import (
    PAN_SPEED_DEG_S,
    TILT_SPEED_DEG_S,
    ZOOM_FULL_RANGE_S,
    PtzMotion,
    PtzPosition,
    PtzSpeed,
)
from citywatch.sim.scene import StreetScene
from citywatch.sim.sources import position_viewport, viewport_position

ALL = (True, True, True)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_absolute_move_runs_each_axis_at_its_motor_speed() -> None:
    clock = Clock()
    motion = PtzMotion(clock=clock)
    motion.move_to(PtzPosition(0.5, -0.4, 0.3), None, ALL)
    pan_s, tilt_s, zoom_s = 90.0 / PAN_SPEED_DEG_S, 18.0 / TILT_SPEED_DEG_S, 0.3 * ZOOM_FULL_RANGE_S
    assert motion.settle_time() == pytest.approx(clock.t + max(pan_s, tilt_s, zoom_s))
    clock.t += tilt_s
    mid = motion.position()
    assert mid.pan == pytest.approx(0.5 * tilt_s / pan_s) and mid.tilt == pytest.approx(-0.4)
    assert mid.zoom == pytest.approx(0.3 * tilt_s / zoom_s)
    assert motion.moving() == (True, True)
    clock.t += 1.0
    assert motion.position() == PtzPosition(0.5, -0.4, pytest.approx(0.3))  # type: ignore[arg-type]
    assert motion.moving() == (False, False)


def test_half_speed_takes_twice_as_long_and_pan_takes_the_short_way_round() -> None:
    clock = Clock()
    motion = PtzMotion(PtzPosition(0.9, 0, 0), clock=clock)
    motion.move_to(PtzPosition(-0.9, 0, 0), PtzSpeed(0.5, 1, 1), (True, True, False))
    # 0.9 → -0.9 the short way is +0.2 through ±1 (36°): 0.8 s at 45°/s.
    assert motion.settle_time() - clock.t == pytest.approx(36.0 / (PAN_SPEED_DEG_S / 2))
    clock.t += 0.4
    assert motion.position().pan == pytest.approx(-1.0) or motion.position().pan == pytest.approx(1.0)
    clock.t += 0.4
    assert motion.position().pan == pytest.approx(-0.9)


def test_continuous_move_stops_at_its_timeout_and_at_the_tilt_limit() -> None:
    clock = Clock()
    motion = PtzMotion(clock=clock)
    motion.continuous(PtzSpeed(0.5, 1.0, 0.0), 0.5, ALL)
    clock.t += 0.25
    assert motion.moving() == (True, False)
    clock.t += 10
    here = motion.position()
    assert here.pan == pytest.approx(0.5 * (PAN_SPEED_DEG_S / 180) * 0.5)  # half speed for 0.5 s: 22.5°
    assert here.tilt == pytest.approx(0.5)  # full speed (45°/s) for 0.5 s of a ±45° range
    assert motion.moving() == (False, False)
    motion.continuous(PtzSpeed(0.0, 1.0, 0.0), None, ALL)
    clock.t += 5
    assert motion.position().tilt == 1.0 and motion.moving() == (False, False)  # held at the end stop
    assert math.isinf(motion.settle_time())


def test_stop_freezes_only_the_named_axes() -> None:
    clock = Clock()
    motion = PtzMotion(clock=clock)
    motion.continuous(PtzSpeed(1.0, 0.0, 1.0), None, ALL)
    clock.t += 0.3
    motion.stop(pan_tilt=True, zoom=False)
    pan = motion.position().pan
    clock.t += 0.3
    assert motion.position().pan == pan and motion.position().zoom == pytest.approx(0.6 / ZOOM_FULL_RANGE_S)


def test_relative_move_is_clamped_and_commands_are_checked() -> None:
    clock = Clock()
    motion = PtzMotion(PtzPosition(0, 0.8, 0.9), clock=clock)
    motion.move_by(PtzPosition(0.1, 0.5, 0.5), None, ALL)
    clock.t += 10
    assert motion.position() == PtzPosition(pytest.approx(0.1), 1.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside"):
        motion.move_to(PtzPosition(0, 1.5, 0), None, ALL)
    with pytest.raises(ValueError, match="velocity"):
        motion.continuous(PtzSpeed(2.0, 0, 0), 1.0, ALL)
    with pytest.raises(ValueError, match="timeout"):
        motion.continuous(PtzSpeed(0.5, 0, 0), 0.0, ALL)


def test_generic_units_map_to_the_scene_and_back() -> None:
    position = PtzPosition(-0.5, 0.4, 0.5)
    vp = position_viewport(position)
    assert (vp.pan_deg, vp.tilt_deg, vp.zoom) == (-90.0, 18.0, pytest.approx(math.sqrt(20)))
    back = viewport_position(vp)
    assert (back.pan, back.tilt, back.zoom) == (pytest.approx(-0.5), pytest.approx(0.4), pytest.approx(0.5))


def test_the_view_is_a_crop_of_the_panorama() -> None:
    scene = StreetScene(320, 180, seed=5)
    pano = scene.panorama
    ppd = scene.px_per_deg
    assert pano.shape[1] == round(360 * ppd) and pano.shape[0] == round(90 * ppd)
    ys, xs, _left, _top = scene.view_indices(position_viewport(PtzPosition(0.25, 0, 0)))
    # Pan 45°, zoom 1: the centre column looks at bearing 45°, the view is 90° wide.
    assert xs[160] == pytest.approx((180 + 45) * ppd, abs=1)
    assert (xs[-1] - xs[0]) == pytest.approx(90 * ppd, abs=2)
    assert ys[90] == pytest.approx(45 * ppd, abs=1)
