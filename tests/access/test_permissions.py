"""Grants from roles, sharing agreements and rules, on a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.access.errors import AuthenticationRequired, InvalidInput, PermissionDenied, TooManyAttempts
from citywatch.access.models import SharingAgreement, User
from citywatch.access.permissions import PermissionService, within_hours
from citywatch.access.principal import Action, Principal, require_range
from citywatch.access.sessions import AuthService, LoginThrottle
from citywatch.access.sharing import Directory, RuleInput, ShareInput, SharingService
from citywatch.access.throttle import AuditedLoginThrottle
from citywatch.access.users import UserInput, UserService
from citywatch.config import Settings
from citywatch.store.models import Alarm, Camera
from citywatch.timeutil import now_us, parse_iso
from citywatch.wiring import Services, build_services
from tests.database import installation_database

NOW = parse_iso("2026-11-26T12:00:00Z")  # 12:00 in London (GMT)
DAY = 86_400_000_000


@dataclass
class World:
    services: Services
    users: UserService
    perms: PermissionService
    sharing: SharingService
    directory: Directory
    audit: AuditLog
    council: int
    police: int
    mall: int
    club: int


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    services = build_services(Settings(data_dir=tmp_path, database_url=installation_database(tmp_path)))
    audit = AuditLog(services.sessions)
    users = UserService(services.sessions, services.secrets)

    def expired(a: SharingAgreement) -> None:
        audit.record("sharing.expired", None, username="system", detail={"agreement": a.id})

    perms = PermissionService(services.sessions, expired)
    council = users.add_organisation("Council", "council").id
    police = users.add_organisation("Police", "police").id
    mall = users.add_organisation("Mall", "partner").id
    club = users.add_organisation("Club", "partner").id
    with services.sessions.begin() as s:
        for cid, owner in ((1, None), (2, council), (3, mall), (4, mall), (5, club)):
            s.add(
                Camera(
                    id=cid, name=f"cam {cid}", rtsp_url="rtsp://127.0.0.1/x", enabled=False, created_us=0,
                    updated_us=0, organisation_id=owner,
                )
            )  # fmt: skip
    yield World(services, users, perms, SharingService(services.sessions), Directory(services.sessions), audit,
                council, police, mall, club)  # fmt: skip
    services.close()


def _user(w: World, name: str, org: int, role: str) -> User:
    return w.users.add(UserInput(name, name, org, role, "long enough password"))


ADMIN = Principal("root", "admin", "Council")


def _share(w: World, owner: int, recipient: int, rights: list[str], **kw: object) -> SharingAgreement:
    data = ShareInput(
        owner_id=owner,
        recipient_id=recipient,
        rights=rights,
        condition=str(kw.get("condition", "always")),
        starts_us=int(kw.get("starts_us", NOW - DAY)),  # type: ignore[call-overload]
        expires_us=kw.get("expires_us"),  # type: ignore[arg-type]
        dsa_reference="DSA-1",
        camera_ids=kw.get("camera_ids"),  # type: ignore[arg-type]
    )
    return w.sharing.create(ADMIN, data)


def test_roles_reach_their_own_organisations_cameras_only(world: World) -> None:
    operator = world.perms.grants_for(_user(world, "op", world.council, "operator"), now=NOW)
    assert sorted(operator.cameras) == [1, 2]  # a camera with no owner is the council's
    assert operator.cameras[1] == {"live", "playback", "ptz", "hold"}
    assert not operator.allows(Action.EXPORT, 1) and operator.allows(Action.VIEW_ALARMS)
    mall = world.perms.grants_for(_user(world, "guard", world.mall, "partner_security"), now=NOW)
    assert sorted(mall.cameras) == [3, 4] and not mall.allows(Action.LIVE, 5)
    manager = world.perms.grants_for(_user(world, "mgr", world.council, "network_manager"), now=NOW)
    assert manager.cameras == {} and manager.see_all_cameras and manager.allows(Action.VIEW_CRIME)


def test_sharing_grants_only_the_rights_given_and_stops_at_expiry_audited_once(world: World) -> None:
    officer = _user(world, "pc", world.police, "police_investigator")
    assert world.perms.grants_for(officer, now=NOW).cameras == {}
    _share(world, world.mall, world.police, ["recorded"], camera_ids=[3], expires_us=NOW + DAY)
    grants = world.perms.grants_for(officer, now=NOW)
    assert dict(grants.cameras) == {3: frozenset({"playback", "export", "hold"})}  # no live, no camera 4
    after = world.perms.grants_for(officer, now=NOW + DAY + 1)
    assert after.cameras == {}
    world.perms.grants_for(officer, now=NOW + DAY + 2)
    assert world.perms.sweep_expired(now=NOW + 2 * DAY) == 0  # already recorded by the first look
    expired = world.audit.search(AuditFilter(action="sharing.expired"))
    assert len(expired) == 1


def test_an_owner_cannot_share_what_it_does_not_own(world: World) -> None:
    officer = _user(world, "pc", world.police, "police_investigator")
    _share(world, world.mall, world.police, ["live"], camera_ids=[3, 5])  # 5 is the club's
    assert sorted(world.perms.grants_for(officer, now=NOW).cameras) == [3]


def test_incident_and_alarm_conditions(world: World) -> None:
    officer = _user(world, "pc", world.police, "police_emergency")
    incident = _share(world, world.mall, world.police, ["live"], condition="incident")
    _share(world, world.club, world.police, ["live"], condition="alarm")
    assert world.perms.grants_for(officer).cameras == {}
    world.sharing.declare_incident(ADMIN, incident.id, 30)
    assert sorted(world.perms.grants_for(officer).cameras) == [3, 4]
    with world.services.sessions.begin() as s:
        s.add(Alarm(kind="intrusion", camera_id=5, raised_us=NOW, cleared_us=None, message="gate forced"))
    assert sorted(world.perms.grants_for(officer).cameras) == [3, 4, 5]
    world.sharing.declare_incident(ADMIN, incident.id, 0)
    assert sorted(world.perms.grants_for(officer).cameras) == [5]


def test_deny_beats_allow_whatever_the_order(world: World) -> None:
    op = _user(world, "op", world.council, "operator")
    world.directory.add_rule(RuleInput("export", "deny", "camera", 2, user_id=op.id), "admin")
    world.directory.add_rule(RuleInput("export", "allow", "all", role="operator"), "admin")
    grants = world.perms.grants_for(op, now=NOW)
    assert grants.allows(Action.EXPORT, 1) and not grants.allows(Action.EXPORT, 2)
    # An allow never reaches a camera the organisation cannot reach.
    world.directory.add_rule(RuleInput("live", "allow", "camera", 5, user_id=op.id), "admin")
    assert not world.perms.grants_for(op, now=NOW).allows(Action.LIVE, 5)


def test_playback_only_of_the_last_days_and_rules_by_the_clock(world: World) -> None:
    op = _user(world, "op", world.council, "operator")
    world.directory.add_rule(RuleInput("playback", "allow", "camera", 1, user_id=op.id, playback_days=7), "admin")
    world.directory.add_rule(RuleInput("live", "deny", "all", role="operator", hours="22:00-06:00"), "admin")
    grants = world.perms.grants_for(op, now=NOW)
    p = Principal("op", "operator", "Council", user_id=op.id, grants=grants)
    require_range(p, Action.PLAYBACK, 1, NOW - 6 * DAY, NOW)
    with pytest.raises(PermissionDenied, match="last 7 days"):
        require_range(p, Action.PLAYBACK, 1, NOW - 8 * DAY, NOW)
    assert grants.allows(Action.LIVE, 1)  # midday: the night-time deny does not apply
    night = world.perms.grants_for(op, now=parse_iso("2026-11-26T23:30:00Z"))
    assert not night.allows(Action.LIVE, 1)


def test_hours_are_uk_local_time_across_the_clock_change() -> None:
    # 07:30 UTC is 08:30 in London in summer (BST) and 07:30 in winter (GMT).
    assert within_hours("08:00-18:00", parse_iso("2026-07-01T07:30:00Z"))
    assert not within_hours("08:00-18:00", parse_iso("2026-12-01T07:30:00Z"))
    with pytest.raises(InvalidInput, match="07:00-19:00"):
        within_hours("seven till late", 0)


def test_users_validate_and_lock(world: World) -> None:
    with pytest.raises(InvalidInput, match="role"):
        world.users.add(UserInput("x", "x", world.council, "superuser", "long enough password"))
    with pytest.raises(InvalidInput, match="at least 10"):
        world.users.add(UserInput("x", "x", world.council, "operator", "short"))
    user = _user(world, "someone", world.council, "operator")
    assert [world.users.record_failure(user.id) for _ in range(5)] == [False] * 4 + [True]
    with world.services.sessions() as s:
        locked = s.scalar(select(User.locked_until_us).where(User.id == user.id))
    assert locked is not None


def test_login_throttle_counts_failures_per_address_within_the_window() -> None:
    clock = [0.0]
    throttle = LoginThrottle(limit=3, window_s=60, clock=lambda: clock[0])
    for _ in range(3):
        throttle.check("10.0.0.1")
        throttle.failed("10.0.0.1")
    with pytest.raises(TooManyAttempts) as raised:
        throttle.check("10.0.0.1")
    assert raised.value.retry_after_s == 61
    throttle.check("10.0.0.2")  # another address is unaffected
    clock[0] = 61.0
    throttle.check("10.0.0.1")  # the failures aged out


def test_failed_sign_ins_are_counted_across_api_processes_from_the_audit_log(world: World) -> None:
    """Two AuthServices on one database stand for two API processes behind a load balancer."""
    _user(world, "target", world.council, "operator")
    clock = [now_us()]

    def auth() -> AuthService:
        throttle = AuditedLoginThrottle(world.services.sessions, limit=4, window_s=60, clock=lambda: clock[0])
        return AuthService(
            world.services.sessions, world.users, world.perms, world.audit,
            idle_s=600, absolute_s=3600, mfa_roles=frozenset(), throttle=throttle,
        )  # fmt: skip

    first, second = auth(), auth()
    for service in (first, second, first, second):
        with pytest.raises(AuthenticationRequired):
            service.login("target", "wrong guess", client="10.1.2.3")
    for service in (first, second):  # each process has seen only two, but the fifth try is refused in both
        with pytest.raises(TooManyAttempts) as raised:
            service.login("target", "long enough password", client="10.1.2.3")
        assert 1 <= raised.value.retry_after_s <= 61
    second.login("target", "long enough password", client="10.9.9.9")  # another address is unaffected
    with pytest.raises(TooManyAttempts):  # a restarted process still counts them
        auth().login("target", "long enough password", client="10.1.2.3")
    clock[0] += 90_000_000  # the failures age out of the window
    auth().login("target", "long enough password", client="10.1.2.3")
