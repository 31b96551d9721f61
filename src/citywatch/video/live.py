"""Live fan-out in the API process: one subscription per camera to its recorder, shared by all viewers.

The first viewer of a camera connects the hub to the recorder worker's publisher (``live_publisher``);
later viewers share that one feed, so the camera still sees the recorder's single RTSP session. Media
arrives as parts of GOPs (about 200 ms each) so that viewers need not wait for a GOP to end. Each
viewer has a queue of at most ``max_queued`` parts; a viewer that falls behind has its queue dropped
and continues at the next part that starts with a keyframe, so a stalled viewer costs at most
``max_queued`` parts of memory and never receives undecodable media. A new viewer starts with the
current GOP's parts so far. The init segment is re-sent whenever the run changes.

In a fleet the camera may be recorded by another node: ``locate`` (fleet/live_relay.py) answers, at
every (re)connect, either the local socket or that node's TCP relay, which carries the same wire format.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Protocol

from citywatch.fleet.live_relay import RelayTarget, open_relay
from citywatch.video.live_queue import DEFAULT_MAX_BYTES, DEFAULT_MAX_S, SkipAheadQueue
from citywatch.video.live_wire import LiveFragment, decode_fragment, decode_init, live_socket_path, message_length
from citywatch.video.playback_errors import LiveUnavailable

__all__ = ["LiveHub", "LiveViewer", "Locate"]

Locate = Callable[[int], Awaitable[Path | RelayTarget]]  # camera id → where its live media is

log = logging.getLogger(__name__)


class _Reader(Protocol):
    async def readexactly(self, n: int, /) -> bytes: ...


class LiveViewer:
    def __init__(self, camera_id: int, max_queued_s: float, max_queued_bytes: int) -> None:
        self.camera_id = camera_id
        self._queue: SkipAheadQueue[LiveFragment] = SkipAheadQueue(max_queued_s, max_queued_bytes)
        self._ready = asyncio.Event()
        self._ended = False
        self.delivered = 0

    def offer(self, fragment: LiveFragment) -> None:
        if self._queue.offer(fragment):
            self._ready.set()

    def end(self) -> None:
        self._ended = True
        self._ready.set()

    @property
    def queued_bytes(self) -> int:
        return self._queue.queued_bytes

    @property
    def skipped(self) -> int:
        return self._queue.skipped

    async def next(self) -> LiveFragment | None:
        """The next part of a GOP, or None when the feed has ended."""
        while not self._queue:
            if self._ended:
                return None
            self._ready.clear()
            await self._ready.wait()
        self.delivered += 1
        return self._queue.pop()


class _Feed:
    def __init__(self, camera_id: int, locate: Locate) -> None:
        self.camera_id = camera_id
        self.locate = locate
        self.viewers: set[LiveViewer] = set()
        self.connected = asyncio.Event()
        self.current_gop: list[LiveFragment] = []  # parts since the newest keyframe, for new viewers
        self.task: asyncio.Task[None] | None = None
        self.connects = 0

    async def run(self) -> None:
        backoff_s = 0.1
        while self.viewers:
            try:
                where = await self.locate(self.camera_id)
                if isinstance(where, RelayTarget):
                    reader, writer = await open_relay(where, self.camera_id)
                else:
                    reader, writer = await asyncio.open_unix_connection(str(where), limit=1 << 20)
            except OSError:
                await asyncio.sleep(backoff_s)
                backoff_s = min(backoff_s * 2, 2.0)
                continue
            self.connects += 1
            self.connected.set()
            backoff_s = 0.1
            try:
                await self._read(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                log.info("live feed of camera %d ended: %s", self.camera_id, exc)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    async def _read(self, reader: _Reader) -> None:
        run_id, init = "", b""
        while True:
            length = message_length(await reader.readexactly(4))
            body = await reader.readexactly(length)
            decoded = decode_init(body)
            if decoded is not None:
                run_id, init = decoded
                continue
            start_us, duration_90k, data, key = decode_fragment(body)
            fragment = LiveFragment(run_id, init, data, start_us, duration_90k, key)
            if key:
                self.current_gop = [fragment]
            elif self.current_gop:
                self.current_gop.append(fragment)
            for viewer in list(self.viewers):
                viewer.offer(fragment)


class LiveHub:
    def __init__(
        self,
        run_dir: Path,
        *,
        max_queued_s: float = DEFAULT_MAX_S,
        max_queued_bytes: int = DEFAULT_MAX_BYTES,
        connect_timeout_s: float = 3.0,
        locate: Locate | None = None,
    ) -> None:
        self._run_dir = run_dir
        self._locate = locate or self._local
        self.max_queued_s = max_queued_s
        self.max_queued_bytes = max_queued_bytes
        self._connect_timeout_s = connect_timeout_s
        self._feeds: dict[int, _Feed] = {}

    async def _local(self, camera_id: int) -> Path:
        return live_socket_path(self._run_dir, camera_id)

    @contextlib.asynccontextmanager
    async def watch(self, camera_id: int) -> AsyncIterator[LiveViewer]:
        """A viewer of the camera's live media for the ``async with`` block."""
        feed = self._feeds.get(camera_id)
        if feed is None:
            feed = _Feed(camera_id, self._locate)
            self._feeds[camera_id] = feed
        viewer = LiveViewer(camera_id, self.max_queued_s, self.max_queued_bytes)
        feed.viewers.add(viewer)
        if feed.task is None or feed.task.done():
            feed.task = asyncio.create_task(feed.run(), name=f"live-feed-{camera_id}")
        try:
            if feed.current_gop:
                for fragment in feed.current_gop:
                    viewer.offer(fragment)
            else:
                try:
                    await asyncio.wait_for(feed.connected.wait(), self._connect_timeout_s)
                except TimeoutError as exc:
                    raise LiveUnavailable(
                        f"camera {camera_id} is not being recorded right now, so there is no live view; see its status"
                    ) from exc
            yield viewer
        finally:
            feed.viewers.discard(viewer)
            viewer.end()
            if not feed.viewers:
                await self._close_feed(feed)

    async def _close_feed(self, feed: _Feed) -> None:
        if self._feeds.get(feed.camera_id) is feed:
            del self._feeds[feed.camera_id]
        if feed.task is not None:
            feed.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await feed.task

    def stats(self) -> dict[int, dict[str, int]]:
        return {
            camera_id: {
                "viewers": len(feed.viewers),
                "connects": feed.connects,
                "queued_bytes": sum(v.queued_bytes for v in feed.viewers),
                "skipped": sum(v.skipped for v in feed.viewers),
            }
            for camera_id, feed in self._feeds.items()
        }

    async def close(self) -> None:
        for feed in list(self._feeds.values()):
            for viewer in list(feed.viewers):
                viewer.end()
            feed.viewers.clear()
            await self._close_feed(feed)
