"""The signed-in user as every service sees it, and the permission checks all routes call.

A principal carries its ``Grants``: the actions it may take on each camera and outside cameras,
computed at sign-in and refreshed every few seconds from roles, rules and sharing agreements
(access/permissions.py). Checks are then dictionary look-ups, cheap enough for every media request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from citywatch.access.errors import JustificationRequired, PermissionDenied

__all__ = [
    "CAMERA_ACTIONS",
    "POLICE_ROLES",
    "Action",
    "Grants",
    "Principal",
    "camera_ids_with",
    "require",
    "require_justified",
    "require_range",
]


class Action(StrEnum):
    """What a permission grants. The first eight apply per camera (or camera group)."""

    LIVE = "live"
    PLAYBACK = "playback"
    EXPORT = "export"
    PTZ = "ptz"
    HOLD = "hold"
    HOLD_RELEASE = "hold.release"
    MASK_LIFT = "mask.lift"
    ADMIN = "admin"
    # Not tied to one camera.
    VIEW_CAMERAS = "cameras.view"
    CONFIGURE_CAMERAS = "cameras.configure"
    VIEW_ALARMS = "alarms.view"
    VIEW_TRACKING = "tracking.view"
    MANAGE_TRACKING = "tracking.manage"
    VIEW_CRIME = "crime.view"
    VIEW_AUDIT = "audit.view"
    MANAGE_USERS = "users.manage"
    MANAGE_SHARING = "sharing.manage"
    VIEW_BILLING = "billing.view"


CAMERA_ACTIONS = frozenset(
    {
        Action.LIVE,
        Action.PLAYBACK,
        Action.EXPORT,
        Action.PTZ,
        Action.HOLD,
        Action.HOLD_RELEASE,
        Action.MASK_LIFT,
        Action.ADMIN,
    }
)
POLICE_ROLES = frozenset({"police_investigator", "police_emergency"})
_EMPTY: Mapping[int, frozenset[str]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Grants:
    """What one principal may do now. ``everything`` is the administrator's short cut."""

    everything: bool = False
    general: frozenset[str] = frozenset()
    cameras: Mapping[int, frozenset[str]] = field(default_factory=lambda: _EMPTY)
    playback_days: Mapping[int, float] = field(default_factory=lambda: MappingProxyType({}))
    see_all_cameras: bool = False  # managers read every camera's details without any right on its footage

    def visible(self, camera_id: int) -> bool:
        return self.everything or self.see_all_cameras or camera_id in self.cameras

    def allows(self, action: str, camera_id: int | None = None) -> bool:
        if self.everything:
            return True
        if action not in CAMERA_ACTIONS:
            return action in self.general
        if camera_id is None:
            return any(action in acts for acts in self.cameras.values())
        return action in self.cameras.get(camera_id, frozenset())


@dataclass(frozen=True, slots=True)
class Principal:
    username: str
    role: str
    organisation: str
    user_id: int | None = None
    organisation_id: int | None = None
    session_id: str | None = None  # SHA-256 of the session token: ties justifications to the session
    display_name: str = ""
    grants: Grants = field(default_factory=Grants)
    # Stated reasons of this session: camera id (None = every camera) → "reason [reference]".
    justifications: Mapping[int | None, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_police(self) -> bool:
        return self.role in POLICE_ROLES

    def justification_for(self, camera_id: int | None) -> str | None:
        if camera_id is not None and camera_id in self.justifications:
            return self.justifications[camera_id]
        return self.justifications.get(None)


def require(principal: Principal, action: Action, camera_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``principal`` may perform ``action`` (on ``camera_id``)."""
    if principal.is_admin or principal.grants.allows(action, camera_id):
        return
    target = f" on camera {camera_id}" if camera_id is not None else ""
    raise PermissionDenied(
        f"{principal.username} ({principal.role}) may not {action.value}{target}; ask an administrator"
    )


def require_range(principal: Principal, action: Action, camera_id: int, start_us: int, now_us: int) -> None:
    """``require`` plus the "playback only of the last N days" limit of the principal's rules."""
    require(principal, action, camera_id)
    days = principal.grants.playback_days.get(camera_id)
    if days is not None and not principal.is_admin and start_us < now_us - int(days * 86_400e6):
        raise PermissionDenied(
            f"{principal.username} may only view the last {days:g} days of camera {camera_id}; ask a supervisor"
        )


def require_justified(principal: Principal, camera_id: int) -> str | None:
    """Police users state a reason and reference before playback or export; return it (or None)."""
    reason = principal.justification_for(camera_id)
    if principal.is_police and reason is None:
        raise JustificationRequired(
            "state a reason and a CAD or crime reference first (POST /api/v1/justifications) "
            f"before viewing recorded footage of camera {camera_id}"
        )
    return reason


def camera_ids_with(principal: Principal, action: Action, all_ids: list[int]) -> list[int]:
    """The cameras among ``all_ids`` on which ``principal`` may take ``action``."""
    if principal.is_admin or principal.grants.everything:
        return all_ids
    return [i for i in all_ids if action in principal.grants.cameras.get(i, frozenset())]
