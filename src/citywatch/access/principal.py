"""The signed-in user as every service sees it, and the one permission check all routes call.

Until organisations and roles land, the only user is the administrator, who may do everything.
The seam is ``require(principal, action, camera_id)``: later it consults the role's permission
matrix (live, playback, export, PTZ, configure; per camera) and writes the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citywatch.access.errors import PermissionDenied

__all__ = ["Action", "Principal", "require"]


class Action(StrEnum):
    VIEW_CAMERAS = "cameras.view"
    CONFIGURE_CAMERAS = "cameras.configure"
    VIEW_LIVE = "live.view"
    VIEW_PLAYBACK = "playback.view"
    EXPORT = "playback.export"
    VIEW_ALARMS = "alarms.view"
    MANAGE_HOLDS = "holds.manage"


@dataclass(frozen=True, slots=True)
class Principal:
    username: str
    role: str
    organisation: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require(principal: Principal, action: Action, camera_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``principal`` may perform ``action`` (on ``camera_id``)."""
    if principal.is_admin:
        return
    target = f" on camera {camera_id}" if camera_id is not None else ""
    raise PermissionDenied(f"{principal.username} may not {action.value}{target}; ask an administrator")
