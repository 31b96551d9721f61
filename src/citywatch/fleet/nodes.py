"""The ``nodes`` table: each recorder node's heartbeat and what it reports about itself.

A node is alive while its heartbeat (database time) is younger than one lease: the same horizon
after which its cameras are free, so the balance never counts a node whose cameras others may take.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["NodeReport", "alive_nodes", "heartbeat", "mark_down"]


@dataclass(frozen=True, slots=True)
class NodeReport:
    name: str
    url: str
    version: str
    cameras: int
    bitrate_kbps: float
    free_bytes: int
    total_bytes: int
    media_dirs: list[Path]
    errors: int


def heartbeat(session: Session, report: NodeReport, *, first: bool) -> None:
    """Insert or refresh this node's row; ``first`` also resets ``started_us`` (a new process)."""
    params = {
        "name": report.name,
        "url": report.url,
        "version": report.version,
        "cameras": report.cameras,
        "bitrate": report.bitrate_kbps,
        "free": report.free_bytes,
        "total": report.total_bytes,
        "dirs": json.dumps([str(p) for p in report.media_dirs]),
        "errors": report.errors,
        "first": first,
    }
    session.execute(
        text(
            "INSERT INTO nodes (name, url, started_us, heartbeat_us, state, version, cameras, bitrate_kbps, "
            "  free_bytes, total_bytes, media_dirs, errors) "
            "VALUES (:name, :url, CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT), "
            "  CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT), 'up', "
            "  :version, :cameras, :bitrate, :free, :total, :dirs, :errors) "
            "ON CONFLICT (name) DO UPDATE SET url = EXCLUDED.url, heartbeat_us = EXCLUDED.heartbeat_us, "
            "  started_us = CASE WHEN :first THEN EXCLUDED.started_us ELSE nodes.started_us END, state = 'up', "
            "  version = EXCLUDED.version, cameras = EXCLUDED.cameras, "
            "  bitrate_kbps = EXCLUDED.bitrate_kbps, free_bytes = EXCLUDED.free_bytes, "
            "  total_bytes = EXCLUDED.total_bytes, media_dirs = EXCLUDED.media_dirs, errors = EXCLUDED.errors"
        ),
        params,
    )


def alive_nodes(session: Session, lease_s: float) -> set[str]:
    rows = session.execute(
        text(
            "SELECT name FROM nodes WHERE state = 'up' "
            "AND heartbeat_us > CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT) - :horizon"
        ),
        {"horizon": int(lease_s * 1_000_000)},
    ).scalars()
    return {str(r) for r in rows}


def mark_down(session: Session, name: str) -> None:
    """A clean stop: the others stop counting this node at once instead of after a lease."""
    session.execute(text("UPDATE nodes SET state = 'down', cameras = 0, bitrate_kbps = 0 WHERE name = :n"), {"n": name})
