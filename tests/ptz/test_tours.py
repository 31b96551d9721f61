"""Tours patrol presets, pause while someone holds control and resume after the idle time."""

from __future__ import annotations

import asyncio

import pytest

from citywatch.access.principal import Principal
from citywatch.ptz.arbitration import Arbiter
from citywatch.ptz.errors import PtzBusy, PtzError
from citywatch.ptz.model import Controller
from citywatch.ptz.policy import CameraPtzSettings, PriorityPolicy
from citywatch.ptz.tours import Tour, TourRunner, TourStep
from tests.ptz.fakes import FakeAudit, FakeClock

CAM = 3
STARTER = Principal("op1", "operator", "H&F Council")


class Harness:
    """A tour on a fake clock: ``sleep`` advances the clock, so minutes of patrol take milliseconds."""

    def __init__(self, resume_after_s: float = 30.0) -> None:
        self.clock, self.audit = FakeClock(), FakeAudit()
        self.arbiter = Arbiter(PriorityPolicy(), lambda _cid: CameraPtzSettings(lease_s=15), self.clock, self.audit)
        self.visits: list[tuple[float, str]] = []
        self.t0 = self.clock.now_us
        steps = (TourStep("p1", 10), TourStep("p2", 20), TourStep("p3", 10))
        tour = Tour(1, CAM, "Broadway loop", steps, resume_after_s)
        self.runner = TourRunner(tour, self.arbiter, self.goto, self.clock, started_by=STARTER, sleep=self.sleep)

    def elapsed(self) -> float:
        return (self.clock.now_us - self.t0) / 1e6

    async def goto(self, token: str) -> None:
        self.visits.append((self.elapsed(), token))

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    async def run_until(self, seconds: float) -> None:
        """Let the runner go until the fake clock reaches ``seconds`` since the start."""
        while self.elapsed() < seconds:  # noqa: ASYNC110 (the runner advances the fake clock)
            await asyncio.sleep(0)


def test_tour_visits_presets_in_order_with_dwell_times() -> None:
    async def scenario() -> Harness:
        h = Harness()
        task = asyncio.create_task(h.runner.run())
        await h.run_until(85)
        h.runner.stop()
        await task
        return h

    h = asyncio.run(scenario())
    assert [(round(t), p) for t, p in h.visits] == [
        (0, "p1"),
        (10, "p2"),
        (30, "p3"),
        (40, "p1"),
        (50, "p2"),
        (70, "p3"),
        (80, "p1"),
    ]
    assert h.runner.state == "stopped"
    assert h.arbiter.holder(CAM) is None  # stopping releases the tour's lease


def test_tour_holds_off_lower_priorities_and_yields_to_higher() -> None:
    async def scenario() -> tuple[Harness, list[tuple[float, str]]]:
        h = Harness(resume_after_s=30)
        task = asyncio.create_task(h.runner.run())
        await h.run_until(5)
        partner = Controller("guard", "Westfield London", "partner_security")
        with pytest.raises(PtzBusy, match="controlled by tour “Broadway loop” \\(H&F Council\\)"):
            h.arbiter.acquire(CAM, partner, None, command="move")
        sup = Controller("sup", "H&F Council", "supervisor")
        h.arbiter.acquire(CAM, sup, None, command="move")  # takes over at t=5 s, lease to t=20 s
        states = []
        await h.run_until(12)
        states.append((h.elapsed(), h.runner.state))
        h.arbiter.acquire(CAM, sup, None, command="move")  # used again at ~12 s: lease to ~27 s
        await h.run_until(40)
        states.append((h.elapsed(), h.runner.state))  # free since ~27 s, not yet 30 s idle
        await h.run_until(60)
        states.append((h.elapsed(), h.runner.state))
        h.runner.stop()
        await task
        return h, states

    h, states = asyncio.run(scenario())
    assert [s for _t, s in states] == ["paused", "paused", "running"]
    resumed_at, token = h.visits[1]
    assert token == "p1"  # the interrupted step is repeated, not skipped
    assert 27 + 30 <= resumed_at <= 27 + 30 + 1
    assert "ptz.takeover" in h.audit.actions()


def test_tour_without_steps_is_refused() -> None:
    h = Harness()
    with pytest.raises(PtzError, match="no steps"):
        TourRunner(Tour(2, CAM, "empty", ()), h.arbiter, h.goto, h.clock, started_by=STARTER)
