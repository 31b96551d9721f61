"""The pan/tilt/zoom motors of a virtual PTZ camera, as a pure function of commands and time.

Positions are in ONVIF's generic spaces: pan and tilt in [-1, 1], zoom in [0, 1]. Each axis
holds one *segment* (start time, start position, velocity, end time); a command replaces the
segments of the axes it names, starting from where they are at that instant. The position at
time *t* is computed, never integrated, so the ONVIF service and the frame renderer (another
thread, rendering a few frames ahead) agree exactly, and no timer is needed for a
ContinuousMove's timeout: the segment simply ends.

Mechanics (see ``docs/design/virtual-cameras.md``): pan is endless (wraps at ±1 = ±180°) at up to
90°/s, tilt spans ±45° at up to 45°/s, zoom runs 1x–20x in 3 s (magnification ``20**zoom``, so
each step of zoom multiplies the picture by the same factor).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "MAX_MAGNIFICATION",
    "PAN_RANGE_DEG",
    "PAN_SPEED_DEG_S",
    "TILT_RANGE_DEG",
    "TILT_SPEED_DEG_S",
    "ZOOM_FULL_RANGE_S",
    "PtzMotion",
    "PtzPosition",
    "PtzSpeed",
]

PAN_RANGE_DEG = 180.0  # pan ±1 ↔ ±180°
TILT_RANGE_DEG = 45.0  # tilt ±1 ↔ ±45°
MAX_MAGNIFICATION = 20.0  # zoom 1 ↔ 20x
PAN_SPEED_DEG_S = 90.0
TILT_SPEED_DEG_S = 45.0
ZOOM_FULL_RANGE_S = 3.0

# The same limits in generic units per second.
_MAX_SPEED = (PAN_SPEED_DEG_S / PAN_RANGE_DEG, TILT_SPEED_DEG_S / TILT_RANGE_DEG, 1.0 / ZOOM_FULL_RANGE_S)
_LIMITS = ((-1.0, 1.0), (-1.0, 1.0), (0.0, 1.0))
_PAN, _TILT, _ZOOM = 0, 1, 2


@dataclass(frozen=True, slots=True)
class PtzPosition:
    """Where the camera points, in generic units: pan, tilt in [-1, 1] (pan wraps), zoom in [0, 1]."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0

    @property
    def pan_deg(self) -> float:
        return self.pan * PAN_RANGE_DEG

    @property
    def tilt_deg(self) -> float:
        return self.tilt * TILT_RANGE_DEG

    @property
    def magnification(self) -> float:
        return float(MAX_MAGNIFICATION**self.zoom)

    def clamped(self) -> PtzPosition:
        return PtzPosition(_wrap(self.pan), _clamp(self.tilt, _TILT), _clamp(self.zoom, _ZOOM))


@dataclass(frozen=True, slots=True)
class PtzSpeed:
    """A velocity (ContinuousMove, each in [-1, 1]) or a speed limit (moves, each in [0, 1]),
    as a fraction of the motors' maximum."""

    pan: float = 1.0
    tilt: float = 1.0
    zoom: float = 1.0


@dataclass(frozen=True, slots=True)
class _Segment:
    t0: float
    p0: float
    velocity: float  # generic units per second
    t_end: float  # the axis stops here (inf: until a limit or a new command)
    p_end: float | None = None  # where it stops, exactly (a move's target: no rounding drift)

    def at(self, t: float, axis: int) -> float:
        if t >= self.t_end and self.p_end is not None:
            p = self.p_end
        else:
            p = self.p0 + self.velocity * (min(t, self.t_end) - self.t0)
        return _wrap(p) if axis == _PAN else _clamp(p, axis)

    def moving(self, t: float, axis: int) -> bool:
        if self.velocity == 0.0 or t >= self.t_end:
            return False
        if axis == _PAN:
            return True
        lo, hi = _LIMITS[axis]
        p = self.p0 + self.velocity * (t - self.t0)
        return lo < p < hi


def _clamp(value: float, axis: int) -> float:
    lo, hi = _LIMITS[axis]
    return min(max(value, lo), hi)


def _wrap(pan: float) -> float:
    """Into [-1, 1): pan is endless."""
    return (pan + 1.0) % 2.0 - 1.0


def _still(t: float, p: float) -> _Segment:
    return _Segment(t, p, 0.0, t, p)


class PtzMotion:
    """The motors of one camera. Thread-safe: commands and reads may come from any thread."""

    def __init__(self, home: PtzPosition | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.home = (home or PtzPosition()).clamped()
        start = self.home
        now = clock()
        self._segments = (_still(now, start.pan), _still(now, start.tilt), _still(now, start.zoom))
        self._lock = threading.Lock()
        self.commanded_at = now  # monotonic time of the last command (moves are timed from it)

    def now(self) -> float:
        return self._clock()

    # --- reading ---------------------------------------------------------------------------
    def position(self, at: float | None = None) -> PtzPosition:
        """The position at monotonic time ``at`` (now by default), assuming no further command."""
        t = self._clock() if at is None else at
        segs = self._segments  # one tuple, replaced atomically: no lock needed to read
        return PtzPosition(segs[0].at(t, _PAN), segs[1].at(t, _TILT), segs[2].at(t, _ZOOM))

    def moving(self, at: float | None = None) -> tuple[bool, bool]:
        """(pan/tilt moving, zoom moving) at ``at``."""
        t = self._clock() if at is None else at
        segs = self._segments
        return segs[0].moving(t, _PAN) or segs[1].moving(t, _TILT), segs[2].moving(t, _ZOOM)

    def settle_time(self) -> float:
        """The monotonic time by which every bounded move has finished (inf while a move is endless)."""
        segs = self._segments
        return max((s.t_end for s in segs if s.velocity != 0.0), default=self._clock())

    # --- commands --------------------------------------------------------------------------
    def continuous(self, velocity: PtzSpeed, timeout_s: float | None, axes: tuple[bool, bool, bool]) -> None:
        """Move at ``velocity`` (fractions of full speed, signed) until Stop, a limit or ``timeout_s``."""
        vel = (velocity.pan, velocity.tilt, velocity.zoom)
        for v in vel:
            if not -1.0 <= v <= 1.0 or math.isnan(v):
                raise ValueError(f"velocity {v} is outside [-1, 1]")
        if timeout_s is not None and not timeout_s > 0:
            raise ValueError(f"timeout {timeout_s} s must be positive")
        with self._lock:
            t = self._clock()
            t_end = math.inf if timeout_s is None else t + timeout_s
            self._segments = self._replace(t, lambda axis, p: _Segment(t, p, vel[axis] * _MAX_SPEED[axis], t_end), axes)

    def move_to(self, target: PtzPosition, speed: PtzSpeed | None, axes: tuple[bool, bool, bool]) -> None:
        """Drive the named axes to ``target`` (pan by the shorter way round) at ``speed`` × full speed."""
        _check_position(target)
        fractions = speed or PtzSpeed()
        limit = (fractions.pan, fractions.tilt, fractions.zoom)
        for s in limit:
            if not 0.0 <= s <= 1.0 or math.isnan(s):
                raise ValueError(f"speed {s} is outside [0, 1]")
        goal = (target.pan, target.tilt, target.zoom)

        def segment(axis: int, p: float) -> _Segment:
            delta = goal[axis] - p
            if axis == _PAN:
                delta = _wrap(delta)
            rate = limit[axis] * _MAX_SPEED[axis]
            if delta == 0.0 or rate == 0.0:
                return _still(t, p)
            return _Segment(t, p, math.copysign(rate, delta), t + abs(delta) / rate, goal[axis])

        with self._lock:
            t = self._clock()
            self._segments = self._replace(t, segment, axes)

    def move_by(self, delta: PtzPosition, speed: PtzSpeed | None, axes: tuple[bool, bool, bool]) -> None:
        """RelativeMove: the target is the current position plus ``delta``, clamped to the limits."""
        for d in (delta.pan, delta.tilt, delta.zoom):
            if not -2.0 <= d <= 2.0 or math.isnan(d):
                raise ValueError(f"translation {d} is outside [-2, 2]")
        with self._lock:
            here = self.position()
        target = PtzPosition(
            _wrap(here.pan + delta.pan), _clamp(here.tilt + delta.tilt, _TILT), _clamp(here.zoom + delta.zoom, _ZOOM)
        )
        self.move_to(target, speed, axes)

    def stop(self, pan_tilt: bool = True, zoom: bool = True) -> None:
        with self._lock:
            t = self._clock()
            self._segments = self._replace(t, lambda _axis, p: _still(t, p), (pan_tilt, pan_tilt, zoom))

    def jump_to(self, position: PtzPosition) -> None:
        """Teleport (for tests and the fault/viewport control): no motor travel."""
        target = position.clamped()
        with self._lock:
            t = self._clock()
            self._segments = (_still(t, target.pan), _still(t, target.tilt), _still(t, target.zoom))
            self.commanded_at = t

    def set_home(self, position: PtzPosition) -> None:
        _check_position(position)
        self.home = position

    def _replace(
        self, t: float, make: Callable[[int, float], _Segment], axes: tuple[bool, bool, bool]
    ) -> tuple[_Segment, _Segment, _Segment]:
        old = self._segments
        self.commanded_at = t
        new = [make(axis, seg.at(t, axis)) if axes[axis] else seg for axis, seg in enumerate(old)]
        return new[0], new[1], new[2]


def _check_position(position: PtzPosition) -> None:
    for value, axis in ((position.pan, _PAN), (position.tilt, _TILT), (position.zoom, _ZOOM)):
        lo, hi = _LIMITS[axis]
        if not lo <= value <= hi:
            raise ValueError(f"position {value} is outside [{lo}, {hi}]")
