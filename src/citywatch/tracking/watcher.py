"""New alerts as the API process learns of them: a one-second poll of the alerts table, fanned out.

The tracking runtime (listeners, pipeline) may run in another thread or process than the API (``citywatch demo``
runs it in a thread, ``citywatch tracking serve`` on its own), so the database is the one place every alert is
sure to reach. Polling by id costs one indexed query a second whatever the number of devices, and delivery is at
most ~1.1 s behind the pipeline's batch writer (~100 ms): well inside the control room's "within seconds".

Subscribers (the web app's live feed) get each new alert on an asyncio queue; handlers (the sting response) are
run as tasks so a slow camera never delays the feed; tickers run every so often (extending holds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session, sessionmaker

from citywatch.tracking import services
from citywatch.tracking.services import AlertView, DeviceView

__all__ = ["AlertHandler", "AlertWatcher", "NewAlert"]

log = logging.getLogger(__name__)

NewAlert = tuple[AlertView, DeviceView]
AlertHandler = Callable[[AlertView, DeviceView], Awaitable[object]]


class AlertWatcher:
    def __init__(self, sessions: sessionmaker[Session], *, interval_s: float = 1.0) -> None:
        self._sessions = sessions
        self.interval_s = interval_s
        self._subscribers: set[asyncio.Queue[NewAlert]] = set()
        self._handlers: list[AlertHandler] = []
        self._tickers: list[tuple[Callable[[], object], float]] = []
        self._running: set[asyncio.Task[object]] = set()
        self._task: asyncio.Task[None] | None = None
        self.cursor: int | None = None  # the last alert id seen; None until started
        self.dropped = 0

    # --- who hears of new alerts ----------------------------------------------------------------
    def subscribe(self, max_queue: int = 100) -> asyncio.Queue[NewAlert]:
        queue: asyncio.Queue[NewAlert] = asyncio.Queue(max_queue)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[NewAlert]) -> None:
        self._subscribers.discard(queue)

    def add_handler(self, handler: AlertHandler) -> None:
        self._handlers.append(handler)

    def add_ticker(self, fn: Callable[[], object], every_s: float) -> None:
        """``fn`` (blocking: it runs in a worker thread) every ``every_s`` seconds."""
        self._tickers.append((fn, every_s))

    # --- running --------------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        """Start polling on the running loop (once; later calls return the same task)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="tracking-alert-watcher")
        return self._task

    async def run(self) -> None:
        """Alerts raised before the start are history, not news: only later ones are delivered."""
        if self.cursor is None:
            self.cursor = await asyncio.to_thread(self._last_id)
        due: dict[int, float] = {}
        loop = asyncio.get_running_loop()
        try:
            while True:
                await asyncio.sleep(self.interval_s)
                try:
                    await self.poll()
                except Exception:  # the database may be busy; the next tick retries from the same cursor
                    log.exception("tracking: polling for new alerts failed")
                for i, (fn, every_s) in enumerate(self._tickers):
                    if loop.time() >= due.get(i, 0.0):
                        due[i] = loop.time() + every_s
                        self._spawn(asyncio.to_thread(fn), f"ticker {fn!r}")
        finally:
            for task in list(self._running):
                task.cancel()

    async def poll(self) -> list[NewAlert]:
        """One look for new alerts; delivers and returns them."""
        if self.cursor is None:
            self.cursor = await asyncio.to_thread(self._last_id)
        new = await asyncio.to_thread(self._after, self.cursor)
        for alert, device in new:
            self.cursor = max(self.cursor, alert.id)
            for queue in tuple(self._subscribers):
                if queue.full():  # a stalled client loses its oldest alert, not the others their newest
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                    self.dropped += 1
                queue.put_nowait((alert, device))
            for handler in self._handlers:
                self._spawn(handler(alert, device), f"handler for alert {alert.id}")
        return new

    def _spawn(self, coro: Awaitable[object], what: str) -> None:
        async def guarded() -> object:
            try:
                return await coro
            except Exception:
                log.exception("tracking: %s failed", what)
                return None

        task = asyncio.get_running_loop().create_task(guarded())
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def drain(self) -> None:
        """Wait for the handlers and tickers started so far (tests, shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    def _last_id(self) -> int:
        with self._sessions() as s:
            return services.last_alert_id(s)

    def _after(self, cursor: int) -> list[NewAlert]:
        with self._sessions() as s:
            return services.alerts_after(s, cursor)
