"""A recorder worker process: a thread per camera, one index writer, commands over a pipe.

Workers are separate processes so that a crash inside FFmpeg (native code) stops only the
cameras of that process; the supervisor starts a new one, which repairs those cameras' files
before recording again.

In a fleet the supervisor sends, with each camera, the lease epoch it holds; every index write is
checked against it in the write's own transaction, and a camera whose lease another node took is
stopped at once. A camera taken away is stopped, joined and flushed before the worker answers
``("stopped", camera)``: only then may the lease go to another node.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citywatch.config import Settings
from citywatch.fleet.leases import fenced_cameras
from citywatch.fleet.media_dirs import pick_media_dir
from citywatch.store.models import Camera, Recording
from citywatch.video.camera_recorder import CameraConfig, CameraRecorder
from citywatch.video.index_writer import IndexWriter
from citywatch.video.live_publisher import LivePublisher
from citywatch.video.live_wire import live_socket_path
from citywatch.video.motion import CameraMotion, MotionSettings, MotionWorker
from citywatch.video.reconcile import LeaseLost, reconcile_camera
from citywatch.video.retention import RetentionReport, free_space

__all__ = ["CameraAssignment", "WorkerSpec", "worker_main"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    index: int
    settings_json: str
    node: str = "local"
    fleet: bool = False


@dataclass(frozen=True, slots=True)
class CameraAssignment:
    camera_id: int
    epoch: int = 0  # the lease's fencing token (fleet mode)
    gap_reason: str = "recorder_down"  # names the gap before this worker's first frame, if none is open


class _Worker:
    def __init__(self, spec: WorkerSpec) -> None:
        from citywatch.wiring import build_services

        self.spec = spec
        self.settings = Settings.model_validate_json(spec.settings_json)
        self.services = build_services(self.settings, migrate=False)
        self.media_dirs = self.settings.effective_media_dirs
        for media_dir in self.media_dirs:
            media_dir.mkdir(parents=True, exist_ok=True)
        self._disk_lock = threading.Lock()
        self._epochs: dict[int, int] = {}
        self._epochs_lock = threading.Lock()
        self.fenced: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.writer = IndexWriter(
            self.services.sessions,
            node=spec.node,
            on_disk_full=self._disk_full,
            fence=self._fence if spec.fleet else None,
            on_fenced=self._on_fenced,
        )
        recorder = self.settings.recorder
        self.motion = (
            MotionWorker(
                self.writer.motion,
                MotionSettings(recorder.motion_level, recorder.motion_min_area),
                per_camera=self._camera_motion,
            )
            if recorder.motion
            else None
        )
        self.recorders: dict[int, CameraRecorder] = {}
        self.publishers: dict[int, LivePublisher] = {}  # live view: one per camera, see video/live.py

    def _camera_motion(self) -> dict[int, CameraMotion]:
        with self.services.sessions() as session:
            rows = session.execute(select(Camera.id, Camera.motion, Camera.motion_min_area)).all()
        return {int(i): CameraMotion(bool(on), area) for i, on, area in rows}

    def _fence(self, session: Session, camera_ids: set[int]) -> set[int]:
        with self._epochs_lock:
            epochs = dict(self._epochs)
        return fenced_cameras(session, self.spec.node, epochs, camera_ids)

    def _still_mine(self, camera_id: int) -> Callable[[Session], bool]:
        return lambda session: not self._fence(session, {camera_id})

    def _on_fenced(self, camera_ids: set[int]) -> None:
        for camera_id in camera_ids:
            self.fenced.put(camera_id)

    def _disk_full(self, camera_id: int, detail: str) -> None:
        recorder = self.recorders.get(camera_id)
        media_dir = recorder.media_dir if recorder is not None else self.media_dirs[0]
        node = self.spec.node if self.spec.fleet else None
        with self._disk_lock:
            report = RetentionReport()
            target = max(self.settings.retention.min_free_bytes, 64 * 1024 * 1024)
            free_space(self.services.sessions, media_dir, target, report, reason="disk_full", node=node)
            log.warning("disk full (camera %d): freed %d bytes of unheld footage", camera_id, report.deleted_bytes)

    def drop_fenced(self) -> list[int]:
        """Stop the cameras whose lease another node holds now; their rows are not ours to write."""
        dropped: list[int] = []
        while True:
            try:
                camera_id = self.fenced.get_nowait()
            except queue.Empty:
                return dropped
            with self._epochs_lock:
                self._epochs.pop(camera_id, None)
            recorder = self.recorders.pop(camera_id, None)
            dropped.append(camera_id)
            if recorder is None:
                continue
            log.error(
                "node %s: camera %d's lease is held by another node now; stopped recording it without writing",
                self.spec.node,
                camera_id,
            )
            recorder.stop("lease_lost", f"node {self.spec.node} lost the lease")
            self.publishers.pop(camera_id).close()

    def set_cameras(
        self, assignments: list[CameraAssignment], stops: dict[int, tuple[str, str]] | None = None
    ) -> list[int]:
        """Record exactly ``assignments``; answers the cameras stopped (and, in a fleet, flushed)."""
        stops = stops or {}
        wanted = {a.camera_id: a for a in assignments}
        gone = [c for c in self.recorders if c not in wanted or self._epoch(c) != wanted[c].epoch]
        stopping: list[CameraRecorder] = []
        for camera_id in gone:
            recorder = self.recorders.pop(camera_id)
            recorder.stop(*stops.get(camera_id, ("recorder_stopped", "recorder stopped")))
            self.publishers.pop(camera_id).close()
            stopping.append(recorder)
        if self.spec.fleet and stopping:
            for recorder in stopping:
                recorder.join(10.0)  # its last rows and the gap it opens are queued now
            if self.motion is not None:
                self.motion.drain(5.0)  # and the motion events its end closed
            try:
                self.writer.flush(30.0)
            except TimeoutError:
                log.error("node %s: index writes for stopped cameras %s still pending", self.spec.node, gone)
            with self._epochs_lock:
                for camera_id in gone:
                    if camera_id not in wanted:
                        self._epochs.pop(camera_id, None)
        stagger_s = self.settings.recorder.connect_stagger_ms / 1000
        for camera_id, assignment in wanted.items():
            if camera_id in self.recorders and self.recorders[camera_id].alive:
                continue
            camera = self._load(camera_id)
            if camera is None:
                continue
            with self._epochs_lock:
                self._epochs[camera_id] = assignment.epoch
            node = self.spec.node if self.spec.fleet else None
            try:
                reconcile_camera(
                    self.services.sessions,
                    camera_id,
                    self.media_dirs,
                    node=node,
                    gap_reason=assignment.gap_reason,
                    still_mine=self._still_mine(camera_id) if self.spec.fleet else None,
                )
            except LeaseLost as exc:
                log.error("node %s: %s; not recording it", self.spec.node, exc)
                self.fenced.put(camera_id)
                continue
            with self.services.sessions() as session:
                last_end = session.scalar(select(func.max(Recording.end_us)).where(Recording.camera_id == camera_id))
            publisher = self.publishers.get(camera_id)
            if publisher is None:
                publisher = LivePublisher(live_socket_path(self.settings.data_dir / "run", camera_id))
                publisher.start()
                self.publishers[camera_id] = publisher
            recorder = CameraRecorder(
                camera,
                pick_media_dir(self.media_dirs),
                self.writer,
                self.settings.recorder,
                last_end_us=last_end or 0,
                live=publisher.publish,
                motion=self.motion,
            )
            self.recorders[camera_id] = recorder
            recorder.start()
            time.sleep(stagger_s)
        return gone

    def _epoch(self, camera_id: int) -> int:
        with self._epochs_lock:
            return self._epochs.get(camera_id, 0)

    def _load(self, camera_id: int) -> CameraConfig | None:
        with self.services.sessions() as session:
            row = session.get(Camera, camera_id)
            if row is None or not row.enabled:
                return None
            url = self.services.cameras.connect_url(row)
            return CameraConfig(row.id, row.name, url)

    def stop(self) -> None:
        for recorder in self.recorders.values():
            if self.spec.fleet:  # the leases are released next: another node carries on
                recorder.stop("node_handover", f"node {self.spec.node} stopped")
            else:
                recorder.stop()
        for recorder in self.recorders.values():
            recorder.join(10.0)
        for publisher in self.publishers.values():
            publisher.close()
        if self.motion is not None:
            self.motion.drain(5.0)  # events the stopped runs closed reach the index
            self.motion.stop()
        self.writer.stop()
        self.services.close()


def worker_main(spec: WorkerSpec, commands: Connection) -> None:
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s worker-{spec.index} %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when to stop
    worker = _Worker(spec)
    worker.writer.start()
    if worker.motion is not None:
        worker.motion.start()
    try:
        while not stop.is_set():
            for camera_id in worker.drop_fenced():
                commands.send(("fenced", camera_id))
            if not commands.poll(0.5):
                continue
            try:
                message = commands.recv()
            except EOFError:
                break  # the supervisor is gone
            if message[0] == "cameras":
                for camera_id in worker.set_cameras(list(message[1]), dict(message[2])):
                    commands.send(("stopped", camera_id))
            elif message[0] == "stop":
                break
    finally:
        worker.stop()
