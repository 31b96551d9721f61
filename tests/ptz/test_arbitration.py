"""Arbitration matrix: priorities, ties refused, leases lapsing, reservations, take-overs audited."""

from __future__ import annotations

import itertools

import pytest

from citywatch.access.principal import Principal
from citywatch.ptz.arbitration import Arbiter
from citywatch.ptz.errors import PtzBusy, PtzError
from citywatch.ptz.model import Controller
from citywatch.ptz.policy import CameraPtzSettings, PriorityPolicy
from tests.ptz.fakes import FakeAudit, FakeClock

CAM = 7
ORDER = ["police_emergency", "supervisor", "operator", "police_investigator", "tour", "partner_security"]
ORG = {
    "police_emergency": "Metropolitan Police",
    "supervisor": "H&F Council",
    "operator": "H&F Council",
    "police_investigator": "Metropolitan Police",
    "tour": "H&F Council",
    "partner_security": "Westfield London",
}


def who(role: str, name: str | None = None) -> Controller:
    kind = "tour" if role == "tour" else "user"
    return Controller(name or f"{role}-user", ORG[role], role, kind=kind)


def principal(c: Controller) -> Principal:
    return Principal(c.name, c.role, c.organisation)


def make(settings: CameraPtzSettings | None = None) -> tuple[Arbiter, FakeClock, FakeAudit]:
    clock, audit = FakeClock(), FakeAudit()
    s = settings or CameraPtzSettings()
    return Arbiter(PriorityPolicy(), lambda _cid: s, clock, audit), clock, audit


@pytest.mark.parametrize(("holder_role", "challenger_role"), list(itertools.product(ORDER, ORDER)))
def test_priority_matrix(holder_role: str, challenger_role: str) -> None:
    arbiter, _clock, audit = make()
    holder, challenger = who(holder_role, "first"), who(challenger_role, "second")
    arbiter.acquire(CAM, holder, principal(holder), command="move")
    if ORDER.index(challenger_role) < ORDER.index(holder_role):
        lease = arbiter.acquire(CAM, challenger, principal(challenger), command="move")
        assert lease.holder == challenger
        entry = audit.entries[-1]
        assert entry.action == "ptz.takeover"
        assert entry.detail["from"] == "first" and entry.detail["by"] == "second"
    else:  # lower or equal (a tie) is refused, naming the holder
        with pytest.raises(PtzBusy, match=rf"controlled by first \({ORG[holder_role]}\) until 20\d\d-"):
            arbiter.acquire(CAM, challenger, principal(challenger), command="move")
        assert arbiter.holder(CAM) is not None and arbiter.holder(CAM).holder == holder  # type: ignore[union-attr]
        assert audit.entries[-1].action == "ptz.refused" and audit.entries[-1].outcome == "refused"


def test_lease_is_renewed_by_use_and_lapses_after_inactivity() -> None:
    arbiter, clock, audit = make(CameraPtzSettings(lease_s=15))
    op, investigator = who("operator"), who("police_investigator")
    arbiter.acquire(CAM, op, principal(op), command="move")
    clock.advance(10)
    arbiter.acquire(CAM, op, principal(op), command="move")  # renewed: now good until t=25 s
    clock.advance(10)
    with pytest.raises(PtzBusy):
        arbiter.acquire(CAM, investigator, principal(investigator), command="move")
    assert arbiter.expire() == []
    clock.advance(5)  # 15 s after the last use
    assert arbiter.holder(CAM) is None
    lapsed = arbiter.expire()
    assert [lease.holder for lease in lapsed] == [op]
    assert audit.entries[-1].action == "ptz.lapse"
    assert arbiter.acquire(CAM, investigator, principal(investigator), command="move").holder == investigator


def test_per_camera_lease_length() -> None:
    arbiter, clock, _audit = make(CameraPtzSettings(lease_s=60))
    op = who("operator")
    lease = arbiter.acquire(CAM, op, principal(op), command="move")
    assert lease.expires_us - lease.granted_us == 60_000_000
    clock.advance(59)
    assert arbiter.holder(CAM) is not None


def test_the_busy_error_names_holder_and_time() -> None:
    arbiter, clock, _audit = make()
    pc = Controller("PC Smith", "Metropolitan Police", "police_emergency")
    arbiter.acquire(CAM, pc, principal(pc), command="move")
    with pytest.raises(PtzBusy) as caught:
        arbiter.acquire(CAM, who("operator"), None, command="move")
    assert caught.value.holder == "PC Smith" and caught.value.organisation == "Metropolitan Police"
    assert caught.value.until_us == clock.now_us + 15_000_000
    assert "camera 7 is controlled by PC Smith (Metropolitan Police) until" in str(caught.value)


def test_reservation_outlasts_inactivity_but_not_a_higher_priority() -> None:
    arbiter, clock, audit = make(CameraPtzSettings(lease_s=15, max_reservation_s=600))
    sup, op, emergency = who("supervisor"), who("operator"), who("police_emergency")
    lease = arbiter.reserve(CAM, sup, principal(sup), 300)
    assert lease.reserved and audit.actions()[-1] == "ptz.reserve"
    clock.advance(200)  # far past the 15 s lease, inside the reservation
    with pytest.raises(PtzBusy):
        arbiter.acquire(CAM, op, principal(op), command="move")
    assert arbiter.acquire(CAM, emergency, principal(emergency), command="move").holder == emergency
    takeover = audit.entries[-1]
    assert takeover.action == "ptz.takeover" and takeover.detail["from_reserved"] is True


def test_reservation_ends_and_is_capped_and_privileged() -> None:
    arbiter, clock, _audit = make(CameraPtzSettings(max_reservation_s=600))
    sup, op = who("supervisor"), who("operator")
    with pytest.raises(PtzError, match="may not reserve"):
        arbiter.reserve(CAM, op, principal(op), 60)
    with pytest.raises(PtzError, match="between 1 s and 600 s"):
        arbiter.reserve(CAM, sup, principal(sup), 601)
    arbiter.reserve(CAM, sup, principal(sup), 60)
    clock.advance(60)
    assert [lease.reserved for lease in arbiter.expire()] == [True]


def test_release_frees_the_camera_only_for_the_holder() -> None:
    arbiter, _clock, audit = make()
    op, other = who("operator", "op1"), who("operator", "op2")
    arbiter.acquire(CAM, op, principal(op), command="move")
    assert arbiter.release(CAM, other, principal(other)) is None
    assert arbiter.holder(CAM) is not None
    assert arbiter.release(CAM, op, principal(op)) is not None
    assert arbiter.holder(CAM) is None and audit.actions()[-1] == "ptz.release"
    arbiter.acquire(CAM, other, principal(other), command="move")  # the camera is free again


def test_organisation_and_camera_adjust_priority() -> None:
    own_camera = CameraPtzSettings(organisation_bonus={"Westfield London": 150})
    clock, audit = FakeClock(), FakeAudit()
    arbiter = Arbiter(PriorityPolicy(), lambda cid: own_camera if cid == 1 else CameraPtzSettings(), clock, audit)
    partner, op = who("partner_security"), who("operator")
    assert arbiter.priority(1, partner) == 175 > arbiter.priority(1, op) == 150
    assert arbiter.priority(2, partner) == 25
    arbiter.acquire(1, op, principal(op), command="move")
    arbiter.acquire(1, partner, principal(partner), command="move")  # the partner outranks on its own camera
    arbiter.acquire(2, op, principal(op), command="move")
    with pytest.raises(PtzBusy):  # elsewhere the partner ranks last
        arbiter.acquire(2, partner, principal(partner), command="move")
    replaced = CameraPtzSettings(role_priority={"police_investigator": 240})
    arbiter2 = Arbiter(PriorityPolicy(), lambda _cid: replaced, clock, audit)
    assert arbiter2.priority(3, who("police_investigator")) == 240


def test_change_listeners_hear_takeovers_releases_and_lapses() -> None:
    arbiter, clock, _audit = make()
    heard: list[str | None] = []
    arbiter.on_change(lambda _cid, lease: heard.append(lease.holder.name if lease else None))
    op, sup = who("operator", "op"), who("supervisor", "sup")
    arbiter.acquire(CAM, op, None, command="move")
    arbiter.acquire(CAM, op, None, command="move")  # a renewal is not a change of owner
    arbiter.acquire(CAM, sup, None, command="move")
    arbiter.release(CAM, sup, None)
    arbiter.acquire(CAM, op, None, command="move")
    clock.advance(16)
    arbiter.expire()
    assert heard == ["op", "sup", None, "op", None]
