"""The recorder supervisor: starts worker processes, gives each its cameras, restarts the dead,
and runs retention. Runs inside ``citywatch recorder``, ``citywatch serve`` and ``citywatch demo``.

Alone (SQLite, or no node name) it records every enabled camera. In a fleet (``settings.fleet.node``
set, PostgreSQL) it records the cameras its lease keeper holds, checks twice a second that each
lease is still valid by this process's monotonic clock, and stops a camera the moment it is not
(docs/design/fleet.md).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from sqlalchemy import select

from citywatch.fleet.keeper import Held, LeaseKeeper
from citywatch.store.models import Camera
from citywatch.video.reconcile import collect_garbage, reconcile_node
from citywatch.video.retention import run_retention
from citywatch.video.worker import CameraAssignment, WorkerSpec, worker_main
from citywatch.wiring import Services

__all__ = ["FleetError", "RecorderSupervisor"]


class FleetError(RuntimeError):
    """A fleet set-up that cannot work (e.g. a node name with a SQLite database)."""


log = logging.getLogger(__name__)


@dataclass(slots=True)
class _WorkerHandle:
    index: int
    process: BaseProcess
    pipe: Connection
    cameras: list[int] = field(default_factory=list)
    restarts: int = 0
    epochs: dict[int, int] = field(default_factory=dict)  # fleet: camera -> lease epoch sent
    stopping: set[int] = field(default_factory=set)  # fleet: told to stop, "stopped" not yet answered


class RecorderSupervisor:
    def __init__(self, services: Services, *, node: str = "local", url: str = "") -> None:
        self.services = services
        self.settings = services.settings
        self.fleet = self.settings.fleet.enabled
        self.node = self.settings.fleet.node if self.fleet else node
        self.keeper: LeaseKeeper | None = None
        if self.fleet:
            if services.engine.dialect.name != "postgresql":
                raise FleetError(
                    f"recorder node {self.node!r} needs a PostgreSQL database_url shared by the fleet; "
                    f"this one is {services.engine.dialect.name} (run without --node for a single recorder)"
                )
            self.keeper = LeaseKeeper(
                services.sessions,
                self.settings.fleet,
                self.settings.effective_media_dirs,
                url=url,
                errors=lambda: self.worker_restarts,
            )
        configured = self.settings.recorder.workers
        self.worker_count = configured if configured > 0 else max(1, min(4, os.cpu_count() or 1))
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_WorkerHandle] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="recorder-supervisor", daemon=True)
        self.worker_restarts = 0

    def start(self) -> None:
        mine = self.node if self.fleet else None
        removed = collect_garbage(self.services.sessions, mine)
        if removed:
            log.info("finished %d interrupted deletions", removed)
        for media_dir in self.settings.effective_media_dirs:
            media_dir.mkdir(parents=True, exist_ok=True)
        if self.keeper is not None:
            repaired = reconcile_node(self.services.sessions, self.node)
            if repaired:
                log.info("node %s: repaired the files of %d cameras it was writing", self.node, repaired)
            self.keeper.start()
        self._workers = [self._spawn(i) for i in range(self.worker_count)]
        self._assign()
        self._thread.start()

    def _spawn(self, index: int) -> _WorkerHandle:
        parent, child = self._ctx.Pipe()
        spec = WorkerSpec(index, self.settings.model_dump_json(), self.node, self.fleet)
        process = self._ctx.Process(target=worker_main, args=(spec, child), name=f"citywatch-recorder-{index}")
        process.start()
        child.close()
        return _WorkerHandle(index, process, parent)

    def _enabled_cameras(self) -> list[int]:
        with self.services.sessions() as session:
            return list(session.scalars(select(Camera.id).where(Camera.enabled.is_(True)).order_by(Camera.id)))

    def _assign(self) -> None:
        if self.keeper is not None:
            self._assign_leased(self.keeper.snapshot())
            return
        cameras = self._enabled_cameras()
        for handle in self._workers:
            wanted = [c for i, c in enumerate(cameras) if i % len(self._workers) == handle.index]
            if wanted != handle.cameras:
                handle.cameras = wanted
                try:
                    handle.pipe.send(("cameras", [CameraAssignment(c) for c in wanted], {}))
                except (BrokenPipeError, OSError):
                    pass  # the monitor restarts it and sends again

    def _assign_leased(self, held: dict[int, Held]) -> None:
        """Record what is held and still valid; a camera stays on one worker (``id mod workers``)."""
        assert self.keeper is not None
        now = time.monotonic()
        recordable = {c: h for c, h in held.items() if not h.stopping and h.valid_until > now}
        for handle in self._workers:
            wanted = {
                c: h for c, h in recordable.items() if c % len(self._workers) == handle.index % len(self._workers)
            }
            epochs = {c: h.epoch for c, h in wanted.items()}
            if epochs == handle.epochs:
                continue
            stops: dict[int, tuple[str, str]] = {}
            for camera_id in handle.epochs:
                h = held.get(camera_id)
                if h is not None and h.stopping:
                    stops[camera_id] = (h.stopping, h.stop_detail)
                elif camera_id not in epochs:
                    why = "was not renewed in time" if h is not None else "is held by another node"
                    log.error("node %s: lease of camera %d %s; stopping its recording", self.node, camera_id, why)
                    stops[camera_id] = ("lease_lost", f"node {self.node}: lease {why}")
            assignments = [CameraAssignment(c, h.epoch, h.gap_reason) for c, h in sorted(wanted.items())]
            handle.stopping |= set(handle.epochs) - set(epochs)
            handle.epochs = epochs
            handle.cameras = sorted(epochs)
            try:
                handle.pipe.send(("cameras", assignments, stops))
            except (BrokenPipeError, OSError):
                pass  # the monitor restarts it and sends again
        # A camera to hand back that no worker records (never started, or its worker died): release it now.
        recorded = {c for handle in self._workers for c in (*handle.epochs, *handle.stopping)}
        for camera_id, h in held.items():
            if h.stopping and camera_id not in recorded:
                self.keeper.stopped(camera_id)

    def _read_workers(self) -> None:
        for handle in self._workers:
            try:
                while handle.pipe.poll():
                    message = handle.pipe.recv()
                    if self.keeper is None:
                        continue
                    if message[0] == "stopped":
                        handle.stopping.discard(message[1])
                        self.keeper.stopped(message[1])
                    elif message[0] == "fenced":
                        self.keeper.lost(message[1])
                        handle.epochs.pop(message[1], None)
            except (EOFError, OSError):
                continue  # a dead worker: the monitor restarts it

    def _loop(self) -> None:
        last_assign = last_retention = 0.0
        while not self._stop.wait(0.5):
            for i, handle in enumerate(self._workers):
                if not handle.process.is_alive() and not self._stop.is_set():
                    log.error(
                        "recorder worker %d died (exit code %s); restarting it for %d cameras",
                        handle.index,
                        handle.process.exitcode,
                        len(handle.cameras),
                    )
                    new = self._spawn(handle.index)
                    new.restarts = handle.restarts + 1
                    self.worker_restarts += 1
                    self._workers[i] = new
                    last_assign = 0.0
            self._read_workers()
            now = time.monotonic()
            if now - last_assign > 5.0 or self.keeper is not None:
                self._assign()
                last_assign = now
            if now - last_retention > self.settings.retention.interval_s:
                try:
                    run_retention(
                        self.services.sessions,
                        self.settings.effective_media_dirs,
                        self.settings.retention,
                        self.node if self.fleet else None,
                    )
                except Exception:
                    log.exception("retention run failed; will retry")
                last_retention = now

    def worker_pids(self) -> list[int]:
        return [h.process.pid or 0 for h in self._workers]

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        if self.keeper is not None:
            self.keeper.stop()  # keeps the leases (not renewed) until the workers have closed their files
        for handle in self._workers:
            try:
                handle.pipe.send(("stop",))
            except (BrokenPipeError, OSError):
                pass
        deadline = time.monotonic() + timeout_s
        for handle in self._workers:
            handle.process.join(max(0.1, deadline - time.monotonic()))
            if handle.process.is_alive():
                log.error("worker %d did not stop in time; terminating it", handle.index)
                handle.process.terminate()
                handle.process.join(5)
        if self.keeper is not None:
            self.keeper.release_all()
