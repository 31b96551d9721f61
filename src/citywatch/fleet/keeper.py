"""A node's lease keeper: heartbeat, renew, take, hand back, once every ``renew_s``.

The keeper decides what this node holds; the supervisor asks it every half second which cameras
may be recorded *now*. A camera may be recorded until ``valid_until`` on this process's monotonic
clock: the start of the last successful renewal plus the lease minus a safety margin. The database
extended the lease from a moment after that start, so the node stops recording before any other
node can take the camera, whatever the wall clocks say and however long a stuck database call takes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from citywatch import __version__
from citywatch.config import FleetSettings
from citywatch.fleet.balance import DEFAULT_KBPS, FleetView, plan
from citywatch.fleet.leases import acquire, db_now_us, ensure_lease_rows, lease_rows, release, renew
from citywatch.fleet.media_dirs import space
from citywatch.fleet.nodes import NodeReport, alive_nodes, heartbeat, mark_down

__all__ = ["Held", "LeaseKeeper", "safety_margin_s"]

log = logging.getLogger(__name__)


def safety_margin_s(lease_s: float) -> float:
    """How long before the lease ends a node stops recording: a frame, a file close, a scheduling hiccup."""
    return max(1.0, min(3.0, lease_s * 0.2))


@dataclass(frozen=True, slots=True)
class Held:
    epoch: int
    valid_until: float  # time.monotonic() after which this node must not record the camera
    gap_reason: str  # what the gap before this node's first frame is called
    stopping: str = ""  # a stop reason while the camera is being handed back
    stop_detail: str = ""


class LeaseKeeper:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: FleetSettings,
        media_dirs: list[Path],
        *,
        url: str = "",
        errors: Callable[[], int] = lambda: 0,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.node = settings.node
        self.media_dirs = media_dirs
        self.url = url
        self.margin_s = safety_margin_s(settings.lease_s)
        self._errors = errors
        self._lock = threading.Lock()
        self._held: dict[int, Held] = {}
        self._lost: dict[int, int] = {}  # camera -> epoch found lost while a round ran
        self._ready: set[int] = set()  # handed-back cameras whose recording has stopped: release them
        self._released_at: dict[int, float] = {}  # not taken back for a while (no ping-pong)
        self._kbps: dict[int, float] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease-keeper", daemon=True)
        self.rounds = 0
        self.round_errors = 0

    # -- for the supervisor ---------------------------------------------------------------------
    def snapshot(self) -> dict[int, Held]:
        with self._lock:
            return dict(self._held)

    def stopped(self, camera_id: int) -> None:
        """The camera's recording has ended and its rows are committed; a handed-back lease can go."""
        with self._lock:
            held = self._held.get(camera_id)
            if held is not None and held.stopping:
                self._ready.add(camera_id)
        self._wake.set()

    def lost(self, camera_id: int) -> None:
        """An index write found the lease gone (another node holds it): forget it."""
        with self._lock:
            held = self._held.pop(camera_id, None)
            if held is not None:
                self._lost[camera_id] = held.epoch

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def release_all(self) -> None:
        """After a clean stop of every recording: give every lease back and leave the fleet."""
        with self._lock:
            held, self._held = self._held, {}
        try:
            with self.sessions.begin() as session:
                for camera_id, h in held.items():
                    release(session, self.node, camera_id, h.epoch)
                mark_down(session, self.node)
        except Exception:
            log.exception(
                "node %s: could not release its leases; they expire in %.0f s", self.node, self.settings.lease_s
            )

    # -- the thread -----------------------------------------------------------------------------
    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.round(first=first)
                first = False
                self.rounds += 1
            except Exception:
                self.round_errors += 1
                log.exception("node %s: lease round failed; retrying", self.node)
            self._wake.wait(self.settings.renew_s)
            self._wake.clear()

    def round(self, *, first: bool = False) -> None:
        """One round: heartbeat, release, renew, then take or hand back (the first round only registers)."""
        with self._lock:
            held = dict(self._held)
            ready, self._ready = self._ready, set()
        mine_kbps = sum(self._kbps.get(c, DEFAULT_KBPS) for c in held)
        free, total = space(self.media_dirs)
        report = NodeReport(
            self.node,
            self.url,
            __version__,
            len(held),
            mine_kbps,
            free,
            total,
            self.media_dirs,
            self._errors() + self.round_errors,
        )
        with self.sessions.begin() as session:
            heartbeat(session, report, first=first)
            ensure_lease_rows(session)
        for camera_id in sorted(ready):
            h = held.pop(camera_id, None)
            if h is None:
                continue  # lost meanwhile: not ours to release
            with self.sessions.begin() as session:
                release(session, self.node, camera_id, h.epoch)
            if h.stopping == "node_handover":
                self._released_at[camera_id] = time.monotonic()  # handed to a lighter node: leave it to them
            log.info("node %s: handed camera %d back (%s)", self.node, camera_id, h.stop_detail or h.stopping)
        started = time.monotonic()
        with self.sessions.begin() as session:
            kept = renew(session, self.node, {c: h.epoch for c, h in held.items()}, self.settings.lease_s)
        for camera_id in [c for c in held if c not in kept]:
            log.error("node %s: lease of camera %d was lost; stopping its recording", self.node, camera_id)
            del held[camera_id]
        valid_until = started + self.settings.lease_s - self.margin_s
        held = {c: replace(h, valid_until=valid_until) for c, h in held.items()}
        with self.sessions() as session:
            rows = lease_rows(session)
            alive = alive_nodes(session, self.settings.lease_s)
            now = db_now_us(session)
        known = [r.bitrate_kbps for r in rows if r.bitrate_kbps > 0]
        default = sum(known) / len(known) if known else DEFAULT_KBPS
        self._kbps = {r.camera_id: r.bitrate_kbps or default for r in rows}
        enabled = {r.camera_id for r in rows if r.enabled}
        for camera_id, h in list(held.items()):
            if camera_id not in enabled and not h.stopping:
                held[camera_id] = replace(h, stopping="recorder_stopped", stop_detail="camera disabled")
        load: dict[str, float] = {}
        for r in rows:
            if r.node is not None and r.node != self.node and r.expires_us >= now and r.enabled:
                load[r.node] = load.get(r.node, 0.0) + self._kbps[r.camera_id]
        recent = time.monotonic() - 2 * self.settings.renew_s
        free_rows = [
            (r.camera_id, self._kbps[r.camera_id])
            for r in rows
            if r.enabled
            and r.camera_id not in held
            and (r.node is None or r.expires_us < now or r.node == self.node)
            and self._released_at.get(r.camera_id, 0.0) < recent
        ]
        mine = [(c, self._kbps.get(c, default)) for c, h in held.items() if not h.stopping]
        decision = plan(FleetView(self.node, frozenset(alive | {self.node}), load, free_rows, mine))
        if not first and decision.take:
            started = time.monotonic()
            with self.sessions.begin() as session:
                taken = acquire(session, self.node, decision.take, self.settings.lease_s)
            valid_until = started + self.settings.lease_s - self.margin_s
            for a in taken:
                if a.previous is not None and a.previous != self.node and a.previous_expired:
                    reason = "node_failover"
                elif a.previous == self.node:
                    reason = "recorder_down"
                else:
                    reason = "node_handover"
                held[a.camera_id] = Held(a.epoch, valid_until, reason)
                log.info("node %s: took camera %d (epoch %d, from %s)", self.node, a.camera_id, a.epoch, a.previous)
        for camera_id in decision.hand_back:
            h = held[camera_id]
            held[camera_id] = replace(h, stopping="node_handover", stop_detail=f"node {self.node} rebalancing")
        with self._lock:
            # lost() may have run meanwhile: keep its verdict for the epoch it saw.
            lost, self._lost = self._lost, {}
            self._held = {c: h for c, h in held.items() if lost.get(c) != h.epoch}
