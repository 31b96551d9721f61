"""Test doubles of the PTZ domain: a settable clock and an audit log that keeps its records."""

from __future__ import annotations

from dataclasses import dataclass, field

from citywatch.access.principal import Principal


class FakeClock:
    def __init__(self, start_us: int = 1_764_000_000_000_000) -> None:
        self.now_us = start_us

    def __call__(self) -> int:
        return self.now_us

    def advance(self, seconds: float) -> None:
        self.now_us += int(seconds * 1_000_000)


@dataclass
class AuditEntry:
    action: str
    username: str | None
    camera_id: int | None
    detail: dict[str, object]
    outcome: str


@dataclass
class FakeAudit:
    entries: list[AuditEntry] = field(default_factory=list)

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
    ) -> None:
        name = principal.username if principal is not None else None
        self.entries.append(AuditEntry(action, name, camera_id, dict(detail or {}), outcome))

    def actions(self) -> list[str]:
        return [e.action for e in self.entries]
