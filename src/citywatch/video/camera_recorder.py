"""One camera's recording loop: connect, record, and on any failure record a gap and reconnect.

Runs in its own thread inside a worker process. PyAV releases the GIL while it waits on the
socket, so one process holds many cameras; a native crash takes down only that process's
cameras, which the supervisor restarts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from citywatch.config import RecorderSettings
from citywatch.timeutil import now_us
from citywatch.video.events import FragmentOut
from citywatch.video.index_writer import IndexWriter, StatusUpdate
from citywatch.video.ingest import CameraConnectionError, RtspSource
from citywatch.video.native_ingest import NativeRtspSource
from citywatch.video.segmenter import MotionHook, Segmenter

__all__ = ["CameraConfig", "CameraRecorder"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CameraConfig:
    id: int
    name: str
    url: str  # with credentials; never logged (see redact_url)


class CameraRecorder:
    def __init__(
        self,
        camera: CameraConfig,
        media_dir: Path,
        writer: IndexWriter,
        settings: RecorderSettings,
        *,
        last_end_us: int = 0,
        live: Callable[[FragmentOut], None] | None = None,
        motion: MotionHook | None = None,
    ) -> None:
        self.camera = camera
        self.media_dir = media_dir
        self._writer = writer
        self._settings = settings
        self._stop = threading.Event()
        self._stop_reason = ("recorder_stopped", "recorder stopped")
        self._segmenter = Segmenter(
            camera.id,
            media_dir,
            writer,
            file_duration_s=settings.file_duration_s,
            live=live,
            last_end_us=last_end_us,
            live_part_ms=settings.live_part_ms,
            motion=motion,
        )
        self._thread = threading.Thread(target=self._run, name=f"camera-{camera.id}", daemon=True)
        self._source_class: type[RtspSource] | type[NativeRtspSource] = (
            NativeRtspSource if settings.ingest == "native" else RtspSource
        )
        self.connects = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, reason: str = "recorder_stopped", detail: str = "recorder stopped") -> None:
        """``reason`` names the gap this stop opens (``node_handover`` when another node takes over)."""
        self._stop_reason = (reason, detail)
        self._stop.set()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _status(self, state: str, since_us: int, error: str = "", bitrate: float = 0.0, fps: float = 0.0) -> None:
        last = self._segmenter.last_end_us or None
        self._writer.status(StatusUpdate(self.camera.id, state, since_us, last, bitrate, fps, error))

    def _run(self) -> None:
        backoff_s = 0.25
        offline_since_us: int | None = None
        alarmed = False
        self._status("connecting", now_us())
        while not self._stop.is_set():
            source = self._source_class(self.camera.url, timeout_s=self._settings.rtsp_timeout_s)
            try:
                source.open()
            except CameraConnectionError as exc:
                offline_since_us = offline_since_us or now_us()
                self._status("offline", offline_since_us, str(exc))
                if not alarmed and now_us() - offline_since_us > self._settings.offline_alarm_after_s * 1e6:
                    self._writer.alarm(self.camera.id, "camera_offline", raised=True, message=str(exc))
                    alarmed = True
                self._stop.wait(backoff_s)
                backoff_s = min(backoff_s * 2, self._settings.reconnect_max_backoff_s)
                continue
            self.connects += 1
            backoff_s = 0.25
            reason, detail = self._record(source)
            source.close()
            self._segmenter.end_run(reason, detail)
            if self._stop.is_set():
                break
            offline_since_us = now_us()
            self._status("offline", offline_since_us, detail)
            if alarmed:
                alarmed = False  # it came back in between; a new outage gets a new alarm
            log.warning("camera %d (%s): %s", self.camera.id, self.camera.name, detail)
        self._status("stopped", now_us())

    def _record(self, source: RtspSource | NativeRtspSource) -> tuple[str, str]:
        self._segmenter.set_params(source.params)
        online_since = now_us()
        self._status("online", online_since)
        self._writer.alarm(self.camera.id, "camera_offline", raised=False)
        window_start = time.monotonic()
        window_frames = window_bytes = 0
        try:
            for frame in source.frames():
                self._segmenter.push(frame)
                window_frames += 1
                window_bytes += len(frame.data)
                elapsed = time.monotonic() - window_start
                if elapsed >= 5.0:
                    self._status("online", online_since, "", window_bytes * 8 / 1000 / elapsed, window_frames / elapsed)
                    window_start, window_frames, window_bytes = time.monotonic(), 0, 0
                if self._stop.is_set():
                    return self._stop_reason
        except CameraConnectionError as exc:
            return "camera_offline", str(exc)
        except Exception as exc:  # never let one camera's bad data stop its recording for good
            log.exception("camera %d: unexpected error while recording %s", self.camera.id, source.safe_url)
            return "recorder_error", f"{type(exc).__name__}: {exc}"
        return "camera_offline", "stream ended"
