"""The sting response's policy: which alerts, which cameras, which priority, which hold window; on a real
SQLite installation (holds and audit entries are real rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.config import Settings
from citywatch.ptz.arbitration import Arbiter
from citywatch.ptz.callup import CameraPlacement
from citywatch.ptz.errors import PtzBusy
from citywatch.ptz.model import Controller
from citywatch.ptz.policy import CameraPtzSettings, PriorityPolicy
from citywatch.ptz.repository import PtzRepository
from citywatch.ptz.service import PtzService, controller_for
from citywatch.store.models import Hold
from citywatch.tracking.camera_passes import CameraFov
from citywatch.tracking.domain import to_us
from citywatch.tracking.models import AlertRow, DeviceRow
from citywatch.tracking.response import (
    SYSTEM_USERNAME,
    AlertResponder,
    ResponsePolicy,
    alarm_principal,
    plan_response,
)
from citywatch.tracking.services import AlertView, DeviceView
from citywatch.video.cameras import CameraInput
from citywatch.wiring import Services, build_services
from tests.playback_fixtures import ADMIN_PASSWORD
from tests.ptz.fakes import FakeAudit, FakeClock

BROADWAY = (51.4802, -0.1953)
M_PER_DEG_LAT = 111_200.0
M_PER_DEG_LON = 69_280.0
RAISED = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _alert(kind: str = "sting_moved", state: str = "new", alert_id: int = 1) -> AlertView:
    return AlertView(alert_id, kind, 1, 1, None, None, RAISED, state, "moved", BROADWAY[0], BROADWAY[1], None, [], None)


def _device(covert: bool = True) -> DeviceView:
    return DeviceView(1, "356307042441013", "teltonika", "Sting car", "vehicle", covert, True, 30.0, "UTC", None)


def _ptz(camera_id: int, north_m: float, east_m: float, range_m: float | None = None) -> CameraPlacement:
    lat, lon = BROADWAY[0] + north_m / M_PER_DEG_LAT, BROADWAY[1] + east_m / M_PER_DEG_LON
    return CameraPlacement(camera_id, f"ptz {camera_id}", lat, lon, 0.0, range_m)


def test_only_sting_alerts_with_a_position_call_cameras_up() -> None:
    policy = ResponsePolicy()
    assert policy.applies(_alert("sting_moved"), _device())
    assert policy.applies(_alert("sting_ignition"), _device())
    assert policy.applies(_alert("property_alarm"), _device())
    assert policy.applies(_alert("left_zone"), _device(covert=True))
    assert not policy.applies(_alert("left_zone"), _device(covert=False))  # a patient: people, not cameras
    assert not policy.applies(_alert("sos"), _device(covert=False))
    assert not policy.applies(_alert(state="closed"), _device())
    assert not policy.applies(replace(_alert(), latitude=None, longitude=None), _device())


def test_the_nearest_ptz_cameras_in_range_are_aimed_and_covering_fixed_cameras_held() -> None:
    cameras = [
        _ptz(1, -200, 0),  # 200 m south: looks north
        _ptz(2, 0, 100),  # 100 m east: nearest
        _ptz(3, 0, -250, range_m=200),  # in default range but its own range falls short
        _ptz(4, 1000, 0),  # beyond the default 300 m
    ]
    over = CameraFov(10, "fixed over it", BROADWAY[0] - 50 / M_PER_DEG_LAT, BROADWAY[1], 0.0, 60.0, 100.0)
    away = CameraFov(11, "fixed, looking away", BROADWAY[0] - 50 / M_PER_DEG_LAT, BROADWAY[1], 180.0, 60.0, 100.0)
    plan = plan_response(ResponsePolicy(), _alert(), cameras, [over, away], to_us(RAISED))
    assert [a.camera_id for a in plan.aims] == [2, 1]
    assert plan.aims[0].bearing_deg == pytest.approx(270.0, abs=0.5)
    assert plan.aims[0].position.pan == pytest.approx(-0.5, abs=0.005)  # 270° is −90° from pan 0 (north)
    assert plan.aims[1].position.pan == pytest.approx(0.0, abs=0.005)
    assert [c.camera_id for c in plan.covering] == [10]
    assert plan.hold_camera_ids == [1, 2, 10]


def test_the_hold_window_runs_from_before_the_alert_to_after_it_or_after_now() -> None:
    policy = ResponsePolicy(before_s=600, after_s=1800)
    raised = to_us(RAISED)
    assert policy.window(raised, raised) == (raised - 600_000_000, raised + 1_800_000_000)
    later = raised + 3_600_000_000  # still open an hour on
    assert policy.window(raised, later) == (raised - 600_000_000, later + 1_800_000_000)


def test_alarm_call_up_outranks_a_tour_but_not_an_operator() -> None:
    audit, clock = FakeAudit(), FakeClock()
    arbiter = Arbiter(PriorityPolicy(), lambda _cid: CameraPtzSettings(), clock, audit)
    system = alarm_principal("LBHF")
    alarm = controller_for(system)
    assert arbiter.priority(1, alarm) == 75
    arbiter.acquire(1, Controller("Night patrol", "LBHF", "tour", kind="tour"), None, command="tour")
    assert arbiter.acquire(1, alarm, system, command="absolute").holder == alarm  # the tour yields
    arbiter.acquire(2, Controller("Sam", "LBHF", "operator"), None, command="move")
    with pytest.raises(PtzBusy, match="controlled by Sam"):
        arbiter.acquire(2, alarm, system, command="absolute")
    arbiter.acquire(3, Controller("PC Jones", "Met Police", "police_investigator"), None, command="move")
    with pytest.raises(PtzBusy):
        arbiter.acquire(3, alarm, system, command="absolute")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    settings = Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD, admin_mfa_exempt=True, mfa_roles=[])
    s = build_services(settings)
    yield s
    s.close()


def _installation(services: Services) -> tuple[AlertResponder, AuditLog, FakeClock, int]:
    """A fixed camera over Fulham Broadway, one looking away, and one open sting alert raised now."""
    clock = FakeClock(to_us(RAISED))
    south = BROADWAY[0] - 50 / M_PER_DEG_LAT
    services.cameras.add(CameraInput(name="Over it", rtsp_url="rtsp://127.0.0.1:1/a", latitude=south,
                                     longitude=BROADWAY[1], bearing_deg=0, fov_deg=60, range_m=100))  # fmt: skip
    services.cameras.add(CameraInput(name="Away", rtsp_url="rtsp://127.0.0.1:1/b", latitude=south,
                                     longitude=BROADWAY[1], bearing_deg=180, fov_deg=60, range_m=100))  # fmt: skip
    with services.sessions.begin() as s:
        device = DeviceRow(identifier="356307042441013", protocol="teltonika", name="Sting car", profile="vehicle",
                           covert=True, created_us=0, last_seen_us=None)  # fmt: skip
        s.add(device)
        s.flush()
        alert = AlertRow(kind="sting_moved", priority=1, device_id=device.id, raised_us=clock(), state="new",
                         message="moved", latitude=BROADWAY[0], longitude=BROADWAY[1], notes=[],
                         updated_us=clock())  # fmt: skip
        s.add(alert)
        s.flush()
        alert_id = alert.id
    audit = AuditLog(services.sessions)
    ptz = PtzService(services.cameras, PtzRepository(services.sessions), audit.record, decrypt=services.secrets.decrypt)
    responder = AlertResponder(
        services.cameras.list, ptz, services.sessions, audit.record, organisation="LBHF", clock=clock
    )
    return responder, audit, clock, alert_id


def test_a_response_holds_the_covering_camera_once_and_audits_it(services: Services) -> None:
    responder, audit, clock, alert_id = _installation(services)
    alert = replace(_alert(alert_id=alert_id), raised=RAISED)
    report = asyncio.run(responder.respond(alert, _device()))
    assert report is not None and report.callups == []
    over = next(c.id for c in services.cameras.list() if c.name == "Over it")
    with services.sessions() as s:
        holds = list(s.scalars(select(Hold)))
    assert [(h.camera_id, h.start_us, h.end_us, h.created_by) for h in holds] == [
        (over, clock() - 600_000_000, clock() + 1_800_000_000, SYSTEM_USERNAME)
    ]
    assert holds[0].reference == f"tracking-alert-{alert_id}"
    assert "Sting" not in holds[0].reason and "sting" not in holds[0].reason  # holds are seen by operators
    again = asyncio.run(responder.respond(alert, _device()))  # a restart replays the alert: no second hold
    assert again is not None and again.hold_ids == report.hold_ids
    with services.sessions() as s:
        assert len(list(s.scalars(select(Hold)))) == 1
    entries = audit.search(AuditFilter(username=SYSTEM_USERNAME))
    assert [e.action for e in entries].count("hold.place") == 1
    assert [e.action for e in entries].count("tracking.alert.response") == 2
    assert asyncio.run(responder.respond(_alert(kind="sos"), _device(covert=False))) is None


def test_holds_of_an_open_alert_are_extended_and_stop_when_it_closes(services: Services) -> None:
    responder, audit, clock, alert_id = _installation(services)
    asyncio.run(responder.respond(replace(_alert(alert_id=alert_id)), _device()))
    assert responder.extend_holds() == []  # just placed: nothing to do yet
    clock.advance(600)
    [hold_id] = responder.extend_holds()
    with services.sessions() as s:
        assert s.get(Hold, hold_id).end_us == clock() + 1_800_000_000  # type: ignore[union-attr]
    with services.sessions.begin() as s:
        s.get(AlertRow, alert_id).state = "closed"  # type: ignore[union-attr]
    clock.advance(1200)
    assert responder.extend_holds() == []
    actions = [e.action for e in audit.search(AuditFilter(username=SYSTEM_USERNAME))]
    assert actions.count("hold.extend") == 1
