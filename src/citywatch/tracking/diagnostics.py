"""Counters for what the listeners accepted and rejected, per device (or peer) and reason."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Diagnostics"]

log = logging.getLogger(__name__)


@dataclass
class Diagnostics:
    rejects: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (protocol, who, reason)
    accepted: Counter[str] = field(default_factory=Counter)  # protocol → positions
    frames: Counter[str] = field(default_factory=Counter)  # protocol → frames decoded
    crc_errors: Counter[tuple[str, str]] = field(default_factory=Counter)

    def reject(self, protocol: str, who: str, reason: str) -> None:
        key = (protocol, who, reason[:120])
        self.rejects[key] += 1
        if self.rejects[key] in (1, 10, 100, 1000) or self.rejects[key] % 10_000 == 0:
            log.warning("%s: rejected from %s (%d×): %s", protocol, who, self.rejects[key], reason)

    def crc_error(self, protocol: str, who: str) -> None:
        self.crc_errors[(protocol, who)] += 1
        if self.crc_errors[(protocol, who)] == 1:
            log.info("%s: %s sends frames with a wrong CRC; accepted, as many real devices do", protocol, who)

    def rejects_for(self, who: str) -> dict[str, int]:
        return {f"{p}: {r}": n for (p, w, r), n in self.rejects.items() if w == who}

    def snapshot(self) -> dict[str, object]:
        return {
            "accepted": dict(self.accepted),
            "frames": dict(self.frames),
            "rejects": [{"protocol": p, "who": w, "reason": r, "count": n} for (p, w, r), n in self.rejects.items()],
            "crc_errors": [{"protocol": p, "who": w, "count": n} for (p, w), n in self.crc_errors.items()],
        }
