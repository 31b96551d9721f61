"""A recorder worker process: a thread per camera, one index writer, commands over a pipe.

Workers are separate processes so that a crash inside FFmpeg (native code) stops only the
cameras of that process; the supervisor starts a new one, which repairs those cameras' files
before recording again.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from sqlalchemy import func, select

from citywatch.config import Settings
from citywatch.store.models import Camera, Recording
from citywatch.video.camera_recorder import CameraConfig, CameraRecorder
from citywatch.video.index_writer import IndexWriter
from citywatch.video.live_publisher import LivePublisher
from citywatch.video.live_wire import live_socket_path
from citywatch.video.reconcile import reconcile_camera
from citywatch.video.retention import RetentionReport, free_space

__all__ = ["WorkerSpec", "worker_main"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    index: int
    settings_json: str
    node: str = "local"


class _Worker:
    def __init__(self, spec: WorkerSpec) -> None:
        from citywatch.wiring import build_services

        self.spec = spec
        self.settings = Settings.model_validate_json(spec.settings_json)
        self.services = build_services(self.settings, migrate=False)
        self.media_dirs = self.settings.effective_media_dirs
        self.media_dir = self.media_dirs[0]
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self._disk_lock = threading.Lock()
        self.writer = IndexWriter(self.services.sessions, node=spec.node, on_disk_full=self._disk_full)
        self.recorders: dict[int, CameraRecorder] = {}
        self.publishers: dict[int, LivePublisher] = {}  # live view: one per camera, see video/live.py

    def _disk_full(self, camera_id: int, detail: str) -> None:
        with self._disk_lock:
            report = RetentionReport()
            target = max(self.settings.retention.min_free_bytes, 64 * 1024 * 1024)
            free_space(self.services.sessions, self.media_dir, target, report, reason="disk_full")
            log.warning("disk full (camera %d): freed %d bytes of unheld footage", camera_id, report.deleted_bytes)

    def set_cameras(self, wanted: list[int]) -> None:
        for camera_id in [c for c in self.recorders if c not in wanted]:
            self.recorders.pop(camera_id).stop()
            self.publishers.pop(camera_id).close()
        stagger_s = self.settings.recorder.connect_stagger_ms / 1000
        for camera_id in wanted:
            if camera_id in self.recorders and self.recorders[camera_id].alive:
                continue
            camera = self._load(camera_id)
            if camera is None:
                continue
            reconcile_camera(self.services.sessions, camera_id, self.media_dirs)
            with self.services.sessions() as session:
                last_end = session.scalar(select(func.max(Recording.end_us)).where(Recording.camera_id == camera_id))
            publisher = self.publishers.get(camera_id)
            if publisher is None:
                publisher = LivePublisher(live_socket_path(self.settings.data_dir / "run", camera_id))
                publisher.start()
                self.publishers[camera_id] = publisher
            recorder = CameraRecorder(
                camera,
                self.media_dir,
                self.writer,
                self.settings.recorder,
                last_end_us=last_end or 0,
                live=publisher.publish,
            )
            self.recorders[camera_id] = recorder
            recorder.start()
            time.sleep(stagger_s)

    def _load(self, camera_id: int) -> CameraConfig | None:
        with self.services.sessions() as session:
            row = session.get(Camera, camera_id)
            if row is None or not row.enabled:
                return None
            url = self.services.cameras.connect_url(row)
            return CameraConfig(row.id, row.name, url)

    def stop(self) -> None:
        for recorder in self.recorders.values():
            recorder.stop()
        for recorder in self.recorders.values():
            recorder.join(10.0)
        for publisher in self.publishers.values():
            publisher.close()
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
    try:
        while not stop.is_set():
            if not commands.poll(0.5):
                continue
            try:
                message = commands.recv()
            except EOFError:
                break  # the supervisor is gone
            if message[0] == "cameras":
                worker.set_cameras(list(message[1]))
            elif message[0] == "stop":
                break
    finally:
        worker.stop()
