"""Who may do what on which camera: role defaults, sharing agreements and explicit rules → ``Grants``.

The order of reasoning, documented in docs/design/access.md:
1. A user reaches the cameras their organisation owns (cameras with no owner belong to the network
   operator, the first council organisation) and those shared with it by an agreement that is in
   force now (started, not expired or revoked, its condition met).
2. Their role names the actions it can ever take (``ROLE_DEFAULTS``); on a shared camera only the
   rights the agreement grants (live → live; recorded → playback, export, hold; ptz → ptz).
3. Explicit rules for their role (in their organisation or everywhere) or for them personally
   add actions (allow) or take them away (deny) on all reachable cameras, a camera, a group, or an
   organisation's cameras; a rule may apply only in some hours and may limit playback to the last
   N days. Deny beats allow, whatever the order. An allow never reaches past step 1.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.errors import InvalidInput
from citywatch.access.models import CameraGroupMember, Organisation, PermissionRule, SharingAgreement, User
from citywatch.access.principal import CAMERA_ACTIONS, Action, Grants
from citywatch.store.models import Alarm, Camera
from citywatch.timeutil import now_us

__all__ = [
    "ROLES",
    "ROLE_DEFAULTS",
    "SHARE_RIGHTS",
    "PermissionService",
    "RoleDefaults",
    "parse_hours",
    "within_hours",
]

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
SYSTEM_ALARMS = ("camera_offline", "disk_low", "disk_full")


@dataclass(frozen=True, slots=True)
class RoleDefaults:
    label: str
    cameras: frozenset[str]
    general: frozenset[str]


def _a(*actions: Action) -> frozenset[str]:
    return frozenset(str(a) for a in actions)


_FOOTAGE = (Action.LIVE, Action.PLAYBACK)
ROLE_DEFAULTS: dict[str, RoleDefaults] = {
    "admin": RoleDefaults(
        "Administrator", frozenset(str(a) for a in CAMERA_ACTIONS), frozenset(str(a) for a in Action)
    ),
    "supervisor": RoleDefaults(
        "Control-room supervisor",
        _a(*_FOOTAGE, Action.EXPORT, Action.PTZ, Action.HOLD, Action.HOLD_RELEASE, Action.MASK_LIFT),
        _a(Action.VIEW_CAMERAS, Action.VIEW_ALARMS, Action.VIEW_TRACKING, Action.MANAGE_TRACKING, Action.VIEW_AUDIT),
    ),
    "operator": RoleDefaults(
        "Control-room operator",
        _a(*_FOOTAGE, Action.PTZ, Action.HOLD),
        _a(Action.VIEW_CAMERAS, Action.VIEW_ALARMS, Action.VIEW_TRACKING),
    ),
    "police_investigator": RoleDefaults(
        "Police investigator",
        _a(*_FOOTAGE, Action.EXPORT, Action.PTZ, Action.HOLD),
        _a(Action.VIEW_CAMERAS, Action.VIEW_ALARMS, Action.VIEW_TRACKING, Action.MANAGE_TRACKING),
    ),
    "police_emergency": RoleDefaults(
        "Police emergency",
        _a(*_FOOTAGE, Action.EXPORT, Action.PTZ, Action.HOLD),
        _a(Action.VIEW_CAMERAS, Action.VIEW_ALARMS, Action.VIEW_TRACKING, Action.MANAGE_TRACKING),
    ),
    "partner_security": RoleDefaults(
        "Partner security",
        _a(*_FOOTAGE, Action.PTZ),
        _a(Action.VIEW_CAMERAS, Action.VIEW_AUDIT, Action.VIEW_BILLING),
    ),
    "network_manager": RoleDefaults(
        "Network manager",
        frozenset(),
        _a(Action.VIEW_CAMERAS, Action.VIEW_CRIME, Action.VIEW_BILLING, Action.VIEW_AUDIT, Action.VIEW_ALARMS),
    ),
}
ROLES = tuple(ROLE_DEFAULTS)
SHARE_RIGHTS: dict[str, frozenset[str]] = {
    "live": _a(Action.LIVE),
    "recorded": _a(Action.PLAYBACK, Action.EXPORT, Action.HOLD),
    "ptz": _a(Action.PTZ),
}


def parse_hours(text: str) -> tuple[dt.time, dt.time]:
    """``"07:00-19:00"`` → (start, end); a window may wrap midnight (``"22:00-06:00"``)."""
    try:
        a, b = text.split("-")
        return dt.time.fromisoformat(a.strip()), dt.time.fromisoformat(b.strip())
    except ValueError as exc:
        raise InvalidInput(f"hours {text!r} must look like 07:00-19:00 (Europe/London)") from exc


def within_hours(text: str | None, at_us: int) -> bool:
    if not text:
        return True
    start, end = parse_hours(text)
    local = dt.datetime.fromtimestamp(at_us / 1e6, LONDON).time()
    return start <= local < end if start <= end else (local >= start or local < end)


@dataclass(slots=True)
class _World:
    """Everything a grant computation reads, fetched in one short transaction."""

    cameras: dict[int, int]  # camera → owner organisation
    owned: dict[int, set[int]]  # organisation → its cameras
    groups: dict[int, set[int]]  # group → cameras
    agreements: list[SharingAgreement]
    rules: list[PermissionRule]
    alarmed: set[int]  # cameras with an open alarm


class PermissionService:
    def __init__(self, sessions: sessionmaker[Session], on_share_expired: Callable[[SharingAgreement], None]) -> None:
        self._sessions = sessions
        self._on_share_expired = on_share_expired

    def operator_organisation(self, session: Session) -> int | None:
        return session.scalar(select(Organisation.id).where(Organisation.kind == "council").order_by(Organisation.id))

    def _world(self, session: Session, user: User, now: int) -> _World:
        operator = self.operator_organisation(session)
        cameras = {
            cid: (org if org is not None else operator or 0)
            for cid, org in session.execute(select(Camera.id, Camera.organisation_id))
        }
        groups: dict[int, set[int]] = {}
        for gid, cid in session.execute(select(CameraGroupMember.group_id, CameraGroupMember.camera_id)):
            groups.setdefault(gid, set()).add(cid)
        agreements = list(
            session.scalars(
                select(SharingAgreement).where(
                    SharingAgreement.recipient_id == user.organisation_id, SharingAgreement.revoked_us.is_(None)
                )
            )
        )
        rules = list(
            session.scalars(
                select(PermissionRule).where(
                    (PermissionRule.user_id == user.id)
                    | (
                        (PermissionRule.role == user.role)
                        & (
                            PermissionRule.organisation_id.is_(None)
                            | (PermissionRule.organisation_id == user.organisation_id)
                        )
                    )
                )
            )
        )
        # Only incident alarms open an "on alarm" share, not the system's own health alarms.
        alarmed = set(
            session.scalars(select(Alarm.camera_id).where(Alarm.cleared_us.is_(None), Alarm.kind.not_in(SYSTEM_ALARMS)))
        )
        owned: dict[int, set[int]] = {}
        for camera, org in cameras.items():
            owned.setdefault(org, set()).add(camera)
        return _World(cameras, owned, groups, agreements, rules, {a for a in alarmed if a is not None})

    def _agreement_cameras(self, agreement: SharingAgreement, world: _World) -> set[int]:
        owned = world.owned.get(agreement.owner_id, set())
        if agreement.camera_ids is None and agreement.group_ids is None:
            return owned
        chosen = set(agreement.camera_ids or ())
        for gid in agreement.group_ids or ():
            chosen |= world.groups.get(gid, set())
        return chosen & owned  # an owner can only share what it owns

    def agreement_in_force(self, agreement: SharingAgreement, now: int, alarmed: Iterable[int] = ()) -> bool:
        if agreement.revoked_us is not None or now < agreement.starts_us:
            return False
        if agreement.expires_us is not None and now >= agreement.expires_us:
            return False
        if agreement.condition == "incident":
            return agreement.incident_until_us is not None and now < agreement.incident_until_us
        return True

    def grants_for(self, user: User, *, now: int | None = None) -> Grants:
        if user.role == "admin":
            return Grants(everything=True)
        now = now_us() if now is None else now
        defaults = ROLE_DEFAULTS.get(user.role)
        if defaults is None:
            log.warning("user %s has unknown role %r: no rights", user.username, user.role)
            return Grants()
        with self._sessions() as session:
            world = self._world(session, user, now)
        expired = [a for a in world.agreements if a.expires_us is not None and now >= a.expires_us]
        for agreement in expired:
            if not agreement.expiry_audited:
                self.mark_expired(agreement)

        rights: dict[int, set[str]] = {c: set(defaults.cameras) for c in world.owned.get(user.organisation_id, ())}
        for agreement in world.agreements:
            if not self.agreement_in_force(agreement, now):
                continue
            granted = set().union(*(SHARE_RIGHTS.get(r, frozenset()) for r in agreement.rights))
            for camera in self._agreement_cameras(agreement, world):
                if agreement.condition == "alarm" and camera not in world.alarmed:
                    continue
                rights.setdefault(camera, set()).update(granted & defaults.cameras)
        reachable = set(rights)
        general = set(defaults.general)
        playback_days: dict[int, float] = {}
        denies: list[tuple[PermissionRule, set[int]]] = []
        for rule in sorted(world.rules, key=lambda r: r.effect == "deny"):  # allows first, denies last
            if not within_hours(rule.hours, now):
                continue
            targets = self._targets(rule, world, reachable)
            if rule.action not in CAMERA_ACTIONS:
                if rule.target_kind == "all":
                    (general.add if rule.effect == "allow" else general.discard)(rule.action)
                continue
            if rule.effect == "deny":
                denies.append((rule, targets))
                continue
            for camera in targets:
                rights.setdefault(camera, set()).add(rule.action)
                if rule.playback_days is not None:
                    playback_days[camera] = min(playback_days.get(camera, rule.playback_days), rule.playback_days)
        for rule, targets in denies:
            for camera in targets:
                rights.get(camera, set()).discard(rule.action)
            if rule.playback_days is not None:  # a deny with a limit: "nothing older than N days"
                for camera in targets:
                    playback_days[camera] = min(playback_days.get(camera, rule.playback_days), rule.playback_days)
        return Grants(
            everything=False,
            general=frozenset(general),
            cameras=MappingProxyType({c: frozenset(a) for c, a in rights.items() if a}),
            playback_days=MappingProxyType(playback_days),
            see_all_cameras=user.role == "network_manager",
        )

    def _targets(self, rule: PermissionRule, world: _World, reachable: set[int]) -> set[int]:
        if rule.target_kind == "all":
            return set(reachable)
        if rule.target_kind == "camera":
            return {rule.target_id} & reachable if rule.target_id is not None else set()
        if rule.target_kind == "group":
            return world.groups.get(rule.target_id or -1, set()) & reachable
        if rule.target_kind == "organisation":
            return world.owned.get(rule.target_id or -1, set()) & reachable
        return set()

    def mark_expired(self, agreement: SharingAgreement) -> None:
        """Record once that an agreement ran out (the callback writes the audit entry)."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(SharingAgreement)
                .where(SharingAgreement.id == agreement.id, SharingAgreement.expiry_audited.is_(False))
                .values(expiry_audited=True)
            )
            changed = cast(CursorResult[Any], result).rowcount
        if changed:
            self._on_share_expired(agreement)

    def sweep_expired(self, now: int | None = None) -> int:
        """Audit agreements that expired since the last sweep; the server runs this every minute."""
        now = now_us() if now is None else now
        with self._sessions() as session:
            due = list(
                session.scalars(
                    select(SharingAgreement).where(
                        SharingAgreement.expires_us.is_not(None),
                        SharingAgreement.expires_us <= now,
                        SharingAgreement.expiry_audited.is_(False),
                    )
                )
            )
        for agreement in due:
            self.mark_expired(agreement)
        return len(due)
