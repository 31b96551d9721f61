"""In-process alert delivery: subscribers get each alert as it is raised (asyncio queues).

``publish`` is synchronous and never blocks the pipeline: a subscriber that falls more than
``max_queue`` alerts behind loses the oldest ones, and the loss is counted on its subscription.
Plain callbacks (the MQTT publisher) are called inline and must be quick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from types import TracebackType

from citywatch.tracking.domain import RaisedAlert

__all__ = ["AlertBus", "Subscription"]

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, bus: AlertBus, max_queue: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[RaisedAlert] = asyncio.Queue(max_queue)
        self.dropped = 0

    def _offer(self, alert: RaisedAlert) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(alert)

    async def get(self, timeout_s: float | None = None) -> RaisedAlert:
        if timeout_s is None:
            return await self.queue.get()
        return await asyncio.wait_for(self.queue.get(), timeout_s)

    def close(self) -> None:
        self._bus._subs.discard(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aiter__(self) -> AsyncIterator[RaisedAlert]:
        while True:
            yield await self.queue.get()


class AlertBus:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._callbacks: list[Callable[[RaisedAlert], None]] = []
        self.published = 0

    def subscribe(self, max_queue: int = 10_000) -> Subscription:
        """Must be called on the event loop that publishes."""
        sub = Subscription(self, max_queue)
        self._subs.add(sub)
        return sub

    def add_callback(self, fn: Callable[[RaisedAlert], None]) -> None:
        self._callbacks.append(fn)

    def publish(self, alert: RaisedAlert) -> None:
        self.published += 1
        for sub in tuple(self._subs):
            sub._offer(alert)
        for fn in self._callbacks:
            try:
                fn(alert)
            except Exception:  # a broken sink must not stop delivery to the others
                log.exception("alert callback %r failed for alert %d", fn, alert.id)
