"""Camera leases in PostgreSQL: take, renew, release, and the fencing check.

Every statement reads the time from the database (``clock_timestamp()``), never from the node, so a
node whose clock is minutes off still sees leases expire when everyone else does. A change of holder
is one UPDATE guarded by ``node IS NULL OR expires_us < now``, and it increments ``epoch``: the
fencing token index writes are checked against (``fenced_cameras``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = [
    "Acquired",
    "LeaseRow",
    "acquire",
    "db_now_us",
    "ensure_lease_rows",
    "fenced_cameras",
    "lease_rows",
    "release",
    "renew",
]


@dataclass(frozen=True, slots=True)
class Acquired:
    camera_id: int
    epoch: int
    previous: str | None  # the holder before us (None: it was released or never held)
    previous_expired: bool  # the previous holder stopped renewing (a failover, not a hand-over)


@dataclass(frozen=True, slots=True)
class LeaseRow:
    camera_id: int
    node: str | None
    epoch: int
    expires_us: int
    enabled: bool
    bitrate_kbps: float  # the camera's last measured bitrate; 0 when never measured


def db_now_us(session: Session) -> int:
    return int(
        session.execute(text("SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT)")).scalar_one()
    )


def ensure_lease_rows(session: Session) -> None:
    """One lease row per camera (cameras added since the last round get theirs)."""
    session.execute(
        text(
            "INSERT INTO camera_leases (camera_id, node, epoch, acquired_us, expires_us) "
            "SELECT c.id, NULL, 0, 0, 0 FROM cameras c "
            "WHERE NOT EXISTS (SELECT 1 FROM camera_leases l WHERE l.camera_id = c.id) "
            "ON CONFLICT (camera_id) DO NOTHING"
        )
    )


def lease_rows(session: Session) -> list[LeaseRow]:
    rows = session.execute(
        text(
            "SELECT l.camera_id, l.node, l.epoch, l.expires_us, c.enabled, COALESCE(s.bitrate_kbps, 0) "
            "FROM camera_leases l JOIN cameras c ON c.id = l.camera_id "
            "LEFT JOIN camera_status s ON s.camera_id = l.camera_id ORDER BY l.camera_id"
        )
    ).all()
    return [LeaseRow(int(r[0]), r[1], int(r[2]), int(r[3]), bool(r[4]), float(r[5])) for r in rows]


def acquire(session: Session, node: str, camera_ids: Iterable[int], lease_s: float) -> list[Acquired]:
    """Take those of ``camera_ids`` that are free, expired, or ours from before a restart, and enabled;
    rows another node is changing right now are skipped, not waited for. A new epoch either way: a
    previous process of this node can no longer write."""
    ids = sorted(set(camera_ids))
    if not ids:
        return []
    rows = session.execute(
        text(
            "WITH now AS (SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT) AS us), picked AS ("
            "  SELECT l.camera_id, l.node AS prev, (l.node IS NOT NULL AND l.expires_us < now.us) AS expired "
            "  FROM camera_leases l, now, cameras c "
            "  WHERE l.camera_id = ANY(:ids) AND c.id = l.camera_id AND c.enabled "
            "    AND (l.node IS NULL OR l.expires_us < now.us OR l.node = :node) "
            "  ORDER BY l.camera_id FOR UPDATE OF l SKIP LOCKED) "
            "UPDATE camera_leases l SET node = :node, epoch = l.epoch + 1, acquired_us = now.us, "
            "  expires_us = now.us + :lease_us "
            "FROM picked, now WHERE l.camera_id = picked.camera_id "
            "RETURNING l.camera_id, l.epoch, picked.prev, picked.expired"
        ),
        {"ids": ids, "node": node, "lease_us": int(lease_s * 1_000_000)},
    ).all()
    return sorted(
        (Acquired(int(r[0]), int(r[1]), r[2], bool(r[3]) and r[2] != node) for r in rows),
        key=lambda a: a.camera_id,
    )


def renew(session: Session, node: str, held: dict[int, int], lease_s: float) -> dict[int, int]:
    """Extend our leases; answers the cameras still ours at the same epoch (the rest were lost)."""
    if not held:
        return {}
    rows = session.execute(
        text(
            "WITH now AS (SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT) AS us), mine AS ("
            "  SELECT camera_id FROM camera_leases WHERE node = :node AND camera_id = ANY(:ids) "
            "  ORDER BY camera_id FOR UPDATE) "
            "UPDATE camera_leases l SET expires_us = now.us + :lease_us FROM mine, now "
            "WHERE l.camera_id = mine.camera_id RETURNING l.camera_id, l.epoch"
        ),
        {"node": node, "ids": sorted(held), "lease_us": int(lease_s * 1_000_000)},
    ).all()
    kept = {int(r[0]): int(r[1]) for r in rows}
    return {c: e for c, e in kept.items() if held.get(c) == e}


def release(session: Session, node: str, camera_id: int, epoch: int) -> bool:
    """Give a camera back at once (a graceful hand-over); False when it was no longer ours."""
    result = session.execute(
        text(
            "UPDATE camera_leases SET node = NULL, expires_us = 0 "
            "WHERE camera_id = :c AND node = :node AND epoch = :epoch RETURNING camera_id"
        ),
        {"c": camera_id, "node": node, "epoch": epoch},
    ).all()
    return bool(result)


def fenced_cameras(session: Session, node: str, epochs: dict[int, int], camera_ids: Iterable[int]) -> set[int]:
    """Of ``camera_ids``, those this node may no longer write for.

    The rows are locked ``FOR SHARE`` until the caller's transaction ends, so no other node can take
    a lease between this check and the writes it guards.
    """
    ids = sorted(set(camera_ids))
    if not ids:
        return set()
    rows = session.execute(
        text(
            "SELECT camera_id, node, epoch FROM camera_leases WHERE camera_id = ANY(:ids) ORDER BY camera_id FOR SHARE"
        ),
        {"ids": ids},
    ).all()
    current = {int(r[0]): (r[1], int(r[2])) for r in rows}
    return {c for c in ids if c not in epochs or current.get(c) != (node, epochs[c])}
