"""Who outranks whom: a numeric priority from role, organisation and camera, and per-camera lease settings.

Default order (docs/design/ptz.md): police emergency > council supervisor (and admin) > council operator >
police investigator > alarm call-up > tour > partner. An alarm call-up (a sting asset moved: the system swings
the nearest cameras to it) displaces a tour and a partner but never a council or police user at the joystick.
The gaps of 50 leave room for an installation's own roles and for
per-organisation or per-camera adjustments (a partner's security team outranks the council's operators on
the partner's own cameras, say) without renumbering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from citywatch.ptz.model import Controller

__all__ = [
    "ALARM_CALLUP_ROLE",
    "DEFAULT_LEASE_S",
    "DEFAULT_ROLE_PRIORITY",
    "RESERVING_ROLES",
    "TOUR_ROLE",
    "CameraPtzSettings",
    "PriorityPolicy",
]

TOUR_ROLE = "tour"
ALARM_CALLUP_ROLE = "alarm_callup"
DEFAULT_LEASE_S = 15.0

DEFAULT_ROLE_PRIORITY: Mapping[str, int] = MappingProxyType(
    {
        "police_emergency": 250,
        "supervisor": 200,
        "admin": 200,
        "operator": 150,
        "police_investigator": 100,
        ALARM_CALLUP_ROLE: 75,
        TOUR_ROLE: 50,
        "partner_security": 25,
    }
)

# Roles that may hold a camera past inactivity, up to ``CameraPtzSettings.max_reservation_s``.
RESERVING_ROLES = frozenset({"police_emergency", "supervisor", "admin"})


@dataclass(frozen=True, slots=True)
class CameraPtzSettings:
    """Per-camera PTZ settings (table ``ptz_settings``; defaults when a camera has no row)."""

    lease_s: float = DEFAULT_LEASE_S
    home_on_lapse: bool = False
    max_reservation_s: float = 1800.0
    tour_resume_s: float = 60.0
    # Replace a role's priority on this camera, e.g. {"partner_security": 175}.
    role_priority: Mapping[str, int] = field(default_factory=dict)
    # Added to the role's priority for users of an organisation on this camera, e.g. {"Westfield London": 150}.
    organisation_bonus: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    roles: Mapping[str, int] = field(default_factory=lambda: DEFAULT_ROLE_PRIORITY)
    # Installation-wide organisation adjustments, added before the camera's own.
    organisations: Mapping[str, int] = field(default_factory=dict)

    def priority(self, who: Controller, camera: CameraPtzSettings) -> int:
        """Unknown roles get 0: they can only take a free camera and never displace anyone."""
        base = camera.role_priority.get(who.role, self.roles.get(who.role, 0))
        bonus = self.organisations.get(who.organisation, 0) + camera.organisation_bonus.get(who.organisation, 0)
        return base + bonus if who.kind != TOUR_ROLE else base

    def may_reserve(self, who: Controller) -> bool:
        return who.kind == "user" and who.role in RESERVING_ROLES
