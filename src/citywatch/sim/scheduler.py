"""The one task that paces every camera.

A timer per camera would mean hundreds of wake-ups per 40 ms and hundreds of tasks; instead a heap
orders cameras by the due time of their next frame, and each wake-up sends every frame that is
due (or due within ``_EARLY_S``). Due times are ``t0 + i/fps`` on the monotonic clock, so late
wake-ups never accumulate drift. Cameras start staggered across one frame interval so 200
cameras' frames do not all leave in one burst.

A frame more than ``_MAX_LATE_S`` late is skipped (its viewers resume at the next keyframe)
rather than sent in a burst; a live frame that the encoder has not finished is retried shortly.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Sequence

from citywatch.sim.camera import Camera

__all__ = ["FrameScheduler"]

log = logging.getLogger(__name__)

_EARLY_S = 0.002  # send frames due this soon now: fewer wake-ups, at most 2 ms early
_MIN_SLEEP_S = 0.004  # at most 250 wake-ups a second whatever the camera count
_MAX_LATE_S = 0.5
_RETRY_S = 0.005


class FrameScheduler:
    def __init__(self, cameras: Sequence[Camera]) -> None:
        self._cameras = list(cameras)
        self._heap: list[tuple[float, int, int]] = []  # (due, camera index, frame number)
        self.frames_skipped = 0
        self.wakeups = 0

    def start_clocks(self) -> None:
        """Anchor every camera's clock now, staggered across one frame interval."""
        now = time.monotonic()
        wall_us = time.time_ns() // 1000
        count = max(1, len(self._cameras))
        self._heap = []
        for idx, cam in enumerate(self._cameras):
            offset = idx / count / cam.fps
            cam.t0 = now + offset
            cam.t0_wall_us = wall_us + round(offset * 1_000_000)
            self._heap.append((cam.t0, idx, 0))
        heapq.heapify(self._heap)

    def run_due(self, now: float) -> float:
        """Send everything due by ``now``; the monotonic time of the next due frame."""
        heap = self._heap
        while heap and heap[0][0] <= now + _EARLY_S:
            _, idx, frame_no = heapq.heappop(heap)
            cam = self._cameras[idx]
            late = now - cam.due(frame_no)
            if late > _MAX_LATE_S:
                skip_to = int((now - cam.t0) * cam.fps) + 1
                self.frames_skipped += skip_to - frame_no
                for session in cam.sessions.values():
                    session.resync()
                heapq.heappush(heap, (cam.due(skip_to), idx, skip_to))
                continue
            try:
                sent = cam.emit(frame_no, now)
            except Exception:  # one camera's bug must not stop the others
                log.exception("camera %d failed to send frame %d", cam.number, frame_no)
                sent = True
            if sent:
                heapq.heappush(heap, (cam.due(frame_no + 1), idx, frame_no + 1))
            else:
                heapq.heappush(heap, (now + _RETRY_S, idx, frame_no))
        return heap[0][0] if heap else now + 1.0

    async def run(self) -> None:
        if not self._heap:
            self.start_clocks()
        while True:
            now = time.monotonic()
            next_due = self.run_due(now)
            self.wakeups += 1
            await asyncio.sleep(max(next_due - time.monotonic(), _MIN_SLEEP_S))
