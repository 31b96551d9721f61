"""Recorder nodes as monitoring sees them: the ``nodes`` table read once, heartbeat age computed.

A node is *stale* when it is not marked ``down`` but has not written its heartbeat for longer than a
lease lasts: its cameras are being (or have been) taken over by other nodes, and its footage may be
unavailable. A node that stopped cleanly marks itself ``down`` and is not stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.store.models import Node

__all__ = ["NodeHealth", "node_health"]


@dataclass(frozen=True, slots=True)
class NodeHealth:
    name: str
    url: str
    state: str
    heartbeat_age_s: float
    cameras: int
    bitrate_kbps: float
    free_bytes: int
    total_bytes: int
    errors: int
    stale: bool

    @property
    def up(self) -> bool:
        return self.state == "up" and not self.stale


def node_health(sessions: sessionmaker[Session], *, now_us: int, stale_after_s: float) -> list[NodeHealth]:
    """Every node, by name; one indexed read (a fleet has tens of nodes, not thousands)."""
    with sessions() as session:
        rows = session.scalars(select(Node).order_by(Node.name)).all()
    out = []
    for row in rows:
        age_s = max(0.0, (now_us - row.heartbeat_us) / 1e6)
        out.append(
            NodeHealth(
                name=row.name,
                url=row.url,
                state=row.state,
                heartbeat_age_s=age_s,
                cameras=row.cameras,
                bitrate_kbps=row.bitrate_kbps,
                free_bytes=row.free_bytes,
                total_bytes=row.total_bytes,
                errors=row.errors,
                stale=row.state != "down" and age_s > stale_after_s,
            )
        )
    return out
