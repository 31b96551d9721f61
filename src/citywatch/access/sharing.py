"""Sharing agreements between organisations, and the directory they refer to (groups, sites, rules).

Every change here alters who can see what, so each returns what changed for the caller to audit
and the sign-in cache to forget.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.errors import InvalidInput, NotFound, PermissionDenied
from citywatch.access.models import CameraGroup, CameraGroupMember, PermissionRule, SharingAgreement, Site
from citywatch.access.permissions import SHARE_RIGHTS, parse_hours
from citywatch.access.principal import Action, Principal
from citywatch.store.models import Camera
from citywatch.timeutil import now_us

__all__ = ["CONDITIONS", "Directory", "RuleInput", "ShareInput", "SharingService"]

CONDITIONS = ("always", "incident", "alarm")
TARGET_KINDS = ("all", "camera", "group", "organisation")


@dataclass(frozen=True, slots=True)
class ShareInput:
    owner_id: int
    recipient_id: int
    rights: list[str]
    condition: str
    starts_us: int
    expires_us: int | None
    dsa_reference: str
    camera_ids: list[int] | None = None
    group_ids: list[int] | None = None


@dataclass(frozen=True, slots=True)
class RuleInput:
    action: str
    effect: str
    target_kind: str
    target_id: int | None = None
    role: str | None = None
    organisation_id: int | None = None
    user_id: int | None = None
    playback_days: float | None = None
    hours: str | None = None


def _may_manage(principal: Principal, owner_id: int) -> None:
    """Administrators manage every agreement; others only their own organisation's."""
    if principal.is_admin:
        return
    if principal.organisation_id != owner_id or not principal.grants.allows(Action.MANAGE_SHARING):
        raise PermissionDenied("only the owning organisation's administrators may change its sharing agreements")


class SharingService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(self, principal: Principal, data: ShareInput) -> SharingAgreement:
        _may_manage(principal, data.owner_id)
        bad = [r for r in data.rights if r not in SHARE_RIGHTS]
        if bad or not data.rights:
            raise InvalidInput(f"rights must be some of {', '.join(SHARE_RIGHTS)}; got {data.rights}")
        if data.condition not in CONDITIONS:
            raise InvalidInput(f"condition must be one of {', '.join(CONDITIONS)}")
        if data.owner_id == data.recipient_id:
            raise InvalidInput("an organisation cannot share with itself")
        if data.expires_us is not None and data.expires_us <= data.starts_us:
            raise InvalidInput("the agreement must expire after it starts")
        if not data.dsa_reference.strip():
            raise InvalidInput("give the data-sharing agreement's reference")
        row = SharingAgreement(
            owner_id=data.owner_id,
            recipient_id=data.recipient_id,
            camera_ids=data.camera_ids,
            group_ids=data.group_ids,
            rights=sorted(set(data.rights)),
            condition=data.condition,
            incident_until_us=None,
            starts_us=data.starts_us,
            expires_us=data.expires_us,
            dsa_reference=data.dsa_reference.strip()[:200],
            created_by=principal.username,
            created_us=now_us(),
            revoked_us=None,
            expiry_audited=False,
        )
        with self._sessions.begin() as session:
            session.add(row)
        return row

    def get(self, agreement_id: int) -> SharingAgreement:
        with self._sessions() as session:
            row = session.get(SharingAgreement, agreement_id)
        if row is None:
            raise NotFound(f"sharing agreement {agreement_id} does not exist")
        return row

    def list(self, organisation_id: int | None = None) -> list[SharingAgreement]:
        query = select(SharingAgreement).order_by(SharingAgreement.id)
        if organisation_id is not None:
            query = query.where(
                (SharingAgreement.owner_id == organisation_id) | (SharingAgreement.recipient_id == organisation_id)
            )
        with self._sessions() as session:
            return list(session.scalars(query))

    def revoke(self, principal: Principal, agreement_id: int) -> SharingAgreement:
        row = self.get(agreement_id)
        _may_manage(principal, row.owner_id)
        with self._sessions.begin() as session:
            live = session.get(SharingAgreement, agreement_id)
            assert live is not None
            live.revoked_us = now_us()
            return live

    def declare_incident(self, principal: Principal, agreement_id: int, minutes: float) -> SharingAgreement:
        """Open the agreement for ``minutes`` (condition ``incident``); 0 closes it."""
        row = self.get(agreement_id)
        _may_manage(principal, row.owner_id)
        if row.condition != "incident":
            raise InvalidInput(f"agreement {agreement_id} is not conditional on an incident")
        if not 0 <= minutes <= 24 * 60:
            raise InvalidInput("an incident opens the agreement for 0 to 1440 minutes")
        with self._sessions.begin() as session:
            live = session.get(SharingAgreement, agreement_id)
            assert live is not None
            live.incident_until_us = now_us() + int(minutes * 60e6) if minutes else None
            return live


class Directory:
    """Sites, camera groups, camera ownership and permission rules."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add_site(self, organisation_id: int, name: str, address: str = "") -> Site:
        row = Site(organisation_id=organisation_id, name=name.strip()[:200], address=address)
        with self._sessions.begin() as session:
            session.add(row)
        return row

    def sites(self, organisation_id: int | None = None) -> list[Site]:
        query = select(Site).order_by(Site.id)
        if organisation_id is not None:
            query = query.where(Site.organisation_id == organisation_id)
        with self._sessions() as session:
            return list(session.scalars(query))

    def add_group(self, organisation_id: int, name: str, camera_ids: list[int]) -> CameraGroup:
        if not name.strip():
            raise InvalidInput("a camera group needs a name")
        group = CameraGroup(organisation_id=organisation_id, name=name.strip()[:200])
        with self._sessions.begin() as session:
            session.add(group)
            session.flush()
            self._set_members(session, group.id, camera_ids)
        return group

    def set_group_cameras(self, group_id: int, camera_ids: list[int]) -> None:
        with self._sessions.begin() as session:
            if session.get(CameraGroup, group_id) is None:
                raise NotFound(f"camera group {group_id} does not exist")
            session.execute(delete(CameraGroupMember).where(CameraGroupMember.group_id == group_id))
            self._set_members(session, group_id, camera_ids)

    def _set_members(self, session: Session, group_id: int, camera_ids: list[int]) -> None:
        known = set(session.scalars(select(Camera.id).where(Camera.id.in_(camera_ids))))
        missing = sorted(set(camera_ids) - known)
        if missing:
            raise InvalidInput(f"cameras {missing} do not exist")
        session.add_all(CameraGroupMember(group_id=group_id, camera_id=c) for c in sorted(known))

    def groups(self, organisation_id: int | None = None) -> list[tuple[CameraGroup, list[int]]]:
        query = select(CameraGroup).order_by(CameraGroup.id)
        if organisation_id is not None:
            query = query.where(CameraGroup.organisation_id == organisation_id)
        with self._sessions() as session:
            groups = list(session.scalars(query))
            members: dict[int, list[int]] = {}
            for gid, cid in session.execute(select(CameraGroupMember.group_id, CameraGroupMember.camera_id)):
                members.setdefault(gid, []).append(cid)
        return [(g, sorted(members.get(g.id, []))) for g in groups]

    def delete_group(self, group_id: int) -> None:
        with self._sessions.begin() as session:
            group = session.get(CameraGroup, group_id)
            if group is None:
                raise NotFound(f"camera group {group_id} does not exist")
            session.delete(group)

    def set_camera_owner(self, camera_id: int, organisation_id: int | None) -> None:
        with self._sessions.begin() as session:
            camera = session.get(Camera, camera_id)
            if camera is None:
                raise NotFound(f"camera {camera_id} does not exist")
            camera.organisation_id = organisation_id

    def add_rule(self, data: RuleInput, by: str) -> PermissionRule:
        if data.effect not in ("allow", "deny"):
            raise InvalidInput("effect must be allow or deny")
        if data.target_kind not in TARGET_KINDS:
            raise InvalidInput(f"target_kind must be one of {', '.join(TARGET_KINDS)}")
        if data.target_kind != "all" and data.target_id is None:
            raise InvalidInput(f"a rule on a {data.target_kind} needs target_id")
        if (data.role is None) == (data.user_id is None):
            raise InvalidInput("a rule applies to a role or to a user: give exactly one")
        if data.action not in {str(a) for a in Action}:
            raise InvalidInput(f"unknown action {data.action!r}")
        if data.hours:
            parse_hours(data.hours)
        if data.playback_days is not None and data.playback_days <= 0:
            raise InvalidInput("playback_days must be positive")
        row = PermissionRule(
            role=data.role,
            organisation_id=data.organisation_id,
            user_id=data.user_id,
            target_kind=data.target_kind,
            target_id=data.target_id,
            action=data.action,
            effect=data.effect,
            playback_days=data.playback_days,
            hours=data.hours or None,
            created_us=now_us(),
            created_by=by,
        )
        with self._sessions.begin() as session:
            session.add(row)
        return row

    def rules(self) -> list[PermissionRule]:
        with self._sessions() as session:
            return list(session.scalars(select(PermissionRule).order_by(PermissionRule.id)))

    def delete_rule(self, rule_id: int) -> PermissionRule:
        with self._sessions.begin() as session:
            row = session.get(PermissionRule, rule_id)
            if row is None:
                raise NotFound(f"permission rule {rule_id} does not exist")
            session.delete(row)
        return row
