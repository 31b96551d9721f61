"""The recorder supervisor: starts worker processes, gives each its cameras, restarts the dead,
and runs retention. Runs inside ``citywatch recorder``, ``citywatch serve`` and ``citywatch demo``.
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

from citywatch.store.models import Camera
from citywatch.video.reconcile import collect_garbage
from citywatch.video.retention import run_retention
from citywatch.video.worker import WorkerSpec, worker_main
from citywatch.wiring import Services

__all__ = ["RecorderSupervisor"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _WorkerHandle:
    index: int
    process: BaseProcess
    pipe: Connection
    cameras: list[int] = field(default_factory=list)
    restarts: int = 0


class RecorderSupervisor:
    def __init__(self, services: Services, *, node: str = "local") -> None:
        self.services = services
        self.settings = services.settings
        self.node = node
        configured = self.settings.recorder.workers
        self.worker_count = configured if configured > 0 else max(1, min(4, os.cpu_count() or 1))
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_WorkerHandle] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="recorder-supervisor", daemon=True)
        self.worker_restarts = 0

    def start(self) -> None:
        removed = collect_garbage(self.services.sessions)
        if removed:
            log.info("finished %d interrupted deletions", removed)
        for media_dir in self.settings.effective_media_dirs:
            media_dir.mkdir(parents=True, exist_ok=True)
        self._workers = [self._spawn(i) for i in range(self.worker_count)]
        self._assign()
        self._thread.start()

    def _spawn(self, index: int) -> _WorkerHandle:
        parent, child = self._ctx.Pipe()
        spec = WorkerSpec(index, self.settings.model_dump_json(), self.node)
        process = self._ctx.Process(target=worker_main, args=(spec, child), name=f"citywatch-recorder-{index}")
        process.start()
        child.close()
        return _WorkerHandle(index, process, parent)

    def _enabled_cameras(self) -> list[int]:
        with self.services.sessions() as session:
            return list(session.scalars(select(Camera.id).where(Camera.enabled.is_(True)).order_by(Camera.id)))

    def _assign(self) -> None:
        cameras = self._enabled_cameras()
        for handle in self._workers:
            wanted = [c for i, c in enumerate(cameras) if i % len(self._workers) == handle.index]
            if wanted != handle.cameras:
                handle.cameras = wanted
                try:
                    handle.pipe.send(("cameras", wanted))
                except (BrokenPipeError, OSError):
                    pass  # the monitor restarts it and sends again

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
            now = time.monotonic()
            if now - last_assign > 5.0:
                self._assign()
                last_assign = now
            if now - last_retention > self.settings.retention.interval_s:
                try:
                    run_retention(self.services.sessions, self.settings.effective_media_dirs, self.settings.retention)
                except Exception:
                    log.exception("retention run failed; will retry")
                last_retention = now

    def worker_pids(self) -> list[int]:
        return [h.process.pid or 0 for h in self._workers]

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
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
