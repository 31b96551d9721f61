"""Tours: a camera patrols its presets, pausing while anyone holds control and resuming after an idle time.

A tour is itself a controller with the ``tour`` priority: it renews its lease at every tick, so a partner
(lower) is refused while an operator (higher) takes over; the runner then sees it lost the lease, pauses,
and resumes at the same step once the camera has been free for ``resume_after_s``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from citywatch.access.principal import Principal
from citywatch.ptz.arbitration import Arbiter
from citywatch.ptz.errors import PtzBusy, PtzError
from citywatch.ptz.model import Controller
from citywatch.ptz.policy import TOUR_ROLE

__all__ = ["Tour", "TourRunner", "TourStep"]

log = logging.getLogger(__name__)
_US = 1_000_000


@dataclass(frozen=True, slots=True)
class TourStep:
    preset: str  # preset token on the camera
    dwell_s: float


@dataclass(frozen=True, slots=True)
class Tour:
    id: int
    camera_id: int
    name: str
    steps: tuple[TourStep, ...]
    resume_after_s: float = 60.0


class TourRunner:
    """Runs one tour until ``stop()``; ``state`` is running, paused or stopped."""

    def __init__(
        self,
        tour: Tour,
        arbiter: Arbiter,
        goto: Callable[[str], Awaitable[None]],
        clock: Callable[[], int],
        *,
        started_by: Principal,
        tick_s: float = 0.25,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not tour.steps:
            raise PtzError(f"tour {tour.name!r} has no steps; add presets with dwell times")
        self.tour, self._arbiter, self._goto, self._clock = tour, arbiter, goto, clock
        self._tick_s, self._sleep = tick_s, sleep
        self.controller = Controller(f"tour “{tour.name}”", started_by.organisation, TOUR_ROLE, kind=TOUR_ROLE)
        self.started_by = started_by
        self.state = "running"
        self.step = 0
        self.steps_done = 0
        self._stopping = False
        self._free_since_us: int | None = None

    def stop(self) -> None:
        self._stopping = True

    def _hold(self) -> bool:
        """Renew the tour's lease; False (and paused) if someone else holds the camera."""
        try:
            self._arbiter.acquire(self.tour.camera_id, self.controller, None, command="tour")
        except PtzBusy:
            self.state, self._free_since_us = "paused", None
            return False
        return True

    async def _wait_until_idle(self) -> None:
        """Paused: wait for the camera to be free for ``resume_after_s`` without interruption."""
        while not self._stopping:
            now = self._clock()
            if self._arbiter.holder(self.tour.camera_id) is not None:
                self._free_since_us = None
            elif self._free_since_us is None:
                self._free_since_us = now
            elif now - self._free_since_us >= self.tour.resume_after_s * _US and self._hold():
                self.state = "running"
                return
            await self._sleep(self._tick_s)

    async def _dwell(self, dwell_s: float) -> bool:
        """Stay at the current preset; False if control was lost meanwhile."""
        until = self._clock() + int(dwell_s * _US)
        while not self._stopping and self._clock() < until:
            if not self._hold():
                return False
            await self._sleep(self._tick_s)
        return True

    async def run(self) -> None:
        try:
            while not self._stopping:
                if self.state == "paused" or not self._hold():
                    await self._wait_until_idle()
                    continue
                step = self.tour.steps[self.step]
                try:
                    await self._goto(step.preset)
                except PtzError as exc:
                    log.warning("tour %s: %s", self.tour.name, exc)
                if await self._dwell(step.dwell_s):
                    self.step = (self.step + 1) % len(self.tour.steps)
                    self.steps_done += 1
        finally:
            self.state = "stopped"
            self._arbiter.release(self.tour.camera_id, self.controller, None)
