"""The audit seam: anything shaped like ``citywatch.access.audit.AuditLog.record``."""

from __future__ import annotations

import logging
from typing import Protocol

from citywatch.access.principal import Principal

__all__ = ["AuditRecorder", "log_only_audit"]

log = logging.getLogger("citywatch.ptz.audit")


class AuditRecorder(Protocol):
    def __call__(
        self,
        action: str,
        principal: Principal | None,
        *,
        camera_id: int | None = None,
        start_us: int | None = None,
        end_us: int | None = None,
        detail: dict[str, object] | None = None,
        client: str | None = None,
        outcome: str = "ok",
    ) -> object: ...


def log_only_audit(
    action: str,
    principal: Principal | None,
    *,
    camera_id: int | None = None,
    start_us: int | None = None,
    end_us: int | None = None,
    detail: dict[str, object] | None = None,
    client: str | None = None,
    outcome: str = "ok",
) -> None:
    """Used only when the installation has no audit log wired: the record still reaches the logs."""
    who = principal.username if principal is not None else "system"
    log.info("%s by %s on camera %s: %s (%s)", action, who, camera_id, detail or {}, outcome)
