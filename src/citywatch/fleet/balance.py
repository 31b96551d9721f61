"""Which cameras a node takes and which it hands back, so that each node records its share of bitrate.

Pure: given what the lease table says, one decision per round. A node takes a free camera while that
brings it nearer its share than leaving it (``load + kbps / 2 <= share``), so equal nodes end at the
share, not above it with the last one starved. It hands back only above ``share × (1 + hand_margin)``,
down to the same point, and only cameras whose move to the least-loaded node leaves that node no
heavier than this one: that last rule is what keeps a balanced fleet still. The least-loaded node
may take beyond its share, so a camera bigger than every share is never left unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_KBPS", "FleetView", "Plan", "plan"]

DEFAULT_KBPS = 2000.0  # a camera never measured counts as this much until it is


@dataclass(frozen=True, slots=True)
class FleetView:
    me: str
    alive: frozenset[str]  # nodes with a fresh heartbeat, this one included
    load_kbps: dict[str, float]  # bitrate each node holds now, from the lease table
    free: list[tuple[int, float]]  # (camera, kbps): enabled, and free or expired
    mine: list[tuple[int, float]]  # (camera, kbps): held by this node


@dataclass(slots=True)
class Plan:
    take: list[int] = field(default_factory=list)
    hand_back: list[int] = field(default_factory=list)


def plan(view: FleetView, *, hand_margin: float = 0.1) -> Plan:
    out = Plan()
    alive = view.alive | {view.me}
    others = {n: view.load_kbps.get(n, 0.0) for n in alive if n != view.me}
    mine = sum(k for _, k in view.mine)
    total = mine + sum(others.values()) + sum(k for _, k in view.free)
    least = min(others.values(), default=float("inf"))
    if total <= 0:
        out.take = [c for c, _ in view.free]
        return out
    share = total / len(alive)
    for camera_id, kbps in sorted(view.free, key=lambda f: (-f[1], f[0])):
        if mine + kbps / 2 <= share or mine <= least:
            out.take.append(camera_id)
            mine += kbps
    if others and mine > share * (1 + hand_margin):
        for camera_id, kbps in sorted(view.mine, key=lambda m: (-m[1], m[0])):
            if mine - kbps / 2 >= share and mine - kbps >= least + kbps:
                out.hand_back.append(camera_id)
                mine -= kbps
    return out
