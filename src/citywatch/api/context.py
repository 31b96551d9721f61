"""What the routes need, built once per app from the wired services."""

from __future__ import annotations

from dataclasses import dataclass

from citywatch.access.audit import AuditLog
from citywatch.access.sessions import AuthService
from citywatch.access.sharing import Directory, SharingService
from citywatch.video.holds import HoldService
from citywatch.video.live import LiveHub
from citywatch.video.playback import PlaybackService
from citywatch.video.status import StatusService
from citywatch.wiring import Services

__all__ = ["ApiContext"]


@dataclass(slots=True)
class ApiContext:
    services: Services
    auth: AuthService
    audit: AuditLog
    sharing: SharingService
    directory: Directory
    playback: PlaybackService
    holds: HoldService
    status: StatusService
    hub: LiveHub
