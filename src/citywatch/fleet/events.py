"""Events between processes of a fleet: camera status, alarms and motion, from recorders to API processes.

On PostgreSQL a writer calls ``stage(session, events)`` inside the transaction that stores the change:
``pg_notify`` is transactional, so listeners hear of a change only once it has committed, and never of
one that rolled back. API processes ``LISTEN`` on one connection each (``EventListener``) and fan the
events out to their WebSocket clients. SQLite has no such channel: events of writers in the listener's
own process go through an in-process bus after the commit (``after_commit``); those of the recorder's
worker processes are found by reading ``camera_status``, the open alarms and the motion going on once a
second and comparing (three small indexed reads; a single-node installation has one API process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

__all__ = [
    "CHANNEL",
    "MAX_PAYLOAD_BYTES",
    "EventListener",
    "FleetEvent",
    "LocalBus",
    "after_commit",
    "local_bus",
    "stage",
]

log = logging.getLogger(__name__)

CHANNEL = "citywatch_events"
MAX_PAYLOAD_BYTES = 7900  # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more
_TEXT_LIMIT = 1000  # messages and errors are cut to this many characters before encoding

EventKind = Literal["camera.status", "alarm.raised", "alarm.cleared", "motion.started", "motion.ended"]
_KINDS = ("camera.status", "alarm.raised", "alarm.cleared", "motion.started", "motion.ended")


@dataclass(frozen=True, slots=True)
class FleetEvent:
    """One change, small enough for a NOTIFY payload. ``camera_id`` None: not about one camera (disk full)."""

    kind: EventKind
    camera_id: int | None
    at_us: int
    node: str = ""
    state: str = ""  # camera.status: online, offline, connecting, …
    error: str = ""
    alarm: str = ""  # alarm.*: its kind (camera_offline, disk_full, …)
    message: str = ""

    def to_json(self) -> str:
        event = replace(self, error=self.error[:_TEXT_LIMIT], message=self.message[:_TEXT_LIMIT])
        payload = json.dumps(asdict(event), separators=(",", ":"), ensure_ascii=False)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:  # only a pathological node name gets here
            raise ValueError(f"event for camera {self.camera_id} from node {self.node!r} too large to send")
        return payload

    @classmethod
    def from_json(cls, payload: str) -> FleetEvent:
        data = json.loads(payload)
        if not isinstance(data, dict) or data.get("kind") not in _KINDS:
            raise ValueError(f"not a citywatch event: {payload[:80]!r}")
        camera = data.get("camera_id")
        return cls(
            kind=data["kind"],
            camera_id=None if camera is None else int(camera),
            at_us=int(data["at_us"]),
            node=str(data.get("node", "")),
            state=str(data.get("state", "")),
            error=str(data.get("error", "")),
            alarm=str(data.get("alarm", "")),
            message=str(data.get("message", "")),
        )

    def to_client(self) -> dict[str, Any]:
        """What a WebSocket client gets: the event's fields under ``type``."""
        out: dict[str, Any] = {"type": self.kind, **asdict(self)}
        del out["kind"]
        return out


_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def stage(session: Session, events: Sequence[FleetEvent]) -> None:
    """Inside the writing transaction: on PostgreSQL queue a NOTIFY per event (sent only if it commits)."""
    if events and session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY, [{"channel": CHANNEL, "payload": e.to_json()} for e in events])


def after_commit(session: Session, events: Sequence[FleetEvent]) -> None:
    """After the commit: where there is no NOTIFY (SQLite), tell this process's listeners."""
    if events and session.get_bind().dialect.name != "postgresql":
        local_bus().publish(events)


class LocalBus:
    """The in-process channel used instead of NOTIFY where the database has none."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[FleetEvent], None]] = []

    def subscribe(self, callback: Callable[[FleetEvent], None]) -> Callable[[], None]:
        """``callback`` is called in the publishing thread; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, events: Sequence[FleetEvent]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for event in events:
            for callback in subscribers:
                try:
                    callback(event)
                except Exception:
                    log.exception("an in-process event subscriber failed on %s", event.kind)


_BUS = LocalBus()


def local_bus() -> LocalBus:
    return _BUS


def psycopg_conninfo(engine: Engine) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL engine (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


class EventListener:
    """One per API process: hears every event and hands each to the subscribed queues.

    A queue that is full (a client far behind) loses its oldest events: status is a state, the next
    event or the client's polling corrects it. A lost database connection is re-opened; changes made
    meanwhile are not replayed (clients poll as well).
    """

    QUEUE_SIZE = 1000

    def __init__(self, engine: Engine, *, reconnect_s: float = 2.0, poll_s: float = 1.0) -> None:
        self._engine = engine
        self._reconnect_s = reconnect_s
        self._poll_s = poll_s
        self._states: dict[int, str] | None = None  # SQLite: camera → state last heard (None: not read yet)
        self._open_alarms: dict[tuple[int | None, str], str] = {}  # SQLite: (camera, kind) → message
        self._moving: dict[int, str] = {}  # SQLite: camera with motion going on → node
        self._queues: set[asyncio.Queue[FleetEvent]] = set()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.listening = asyncio.Event()  # set while events can be heard
        self.received = 0

    @property
    def on_postgresql(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def start(self) -> None:
        """Start hearing events (call from the event loop that serves the clients)."""
        loop = asyncio.get_running_loop()
        if self.on_postgresql:
            self._task = asyncio.create_task(self._listen(), name="fleet-events")
        else:

            def deliver(event: FleetEvent) -> None:
                loop.call_soon_threadsafe(self._fan_out, event)

            self._unsubscribe = local_bus().subscribe(deliver)
            self._task = asyncio.create_task(self._poll(), name="fleet-events-poll")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.listening.clear()

    def subscribe(self) -> asyncio.Queue[FleetEvent]:
        queue: asyncio.Queue[FleetEvent] = asyncio.Queue(self.QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[FleetEvent]) -> None:
        self._queues.discard(queue)

    def _fan_out(self, event: FleetEvent) -> None:
        self.received += 1
        if self._states is not None:  # polling: what the bus told need not be found again
            if event.kind == "camera.status" and event.camera_id is not None:
                self._states[event.camera_id] = event.state
            elif event.kind == "alarm.raised":
                self._open_alarms[(event.camera_id, event.alarm)] = event.message
            elif event.kind == "alarm.cleared":
                self._open_alarms.pop((event.camera_id, event.alarm), None)
            elif event.kind == "motion.started" and event.camera_id is not None:
                self._moving[event.camera_id] = event.node
            elif event.kind == "motion.ended" and event.camera_id is not None:
                self._moving.pop(event.camera_id, None)
        for queue in list(self._queues):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    def _read(
        self,
    ) -> tuple[dict[int, tuple[str, str, str]], dict[tuple[int | None, str], str], dict[int, str]]:
        from citywatch.store.models import Alarm, CameraStatus
        from citywatch.video.status import open_motion

        with self._engine.connect() as conn:
            statuses = conn.execute(
                select(CameraStatus.camera_id, CameraStatus.state, CameraStatus.error, CameraStatus.node)
            ).all()
            alarms = conn.execute(select(Alarm.camera_id, Alarm.kind, Alarm.message).where(Alarm.cleared_us.is_(None)))
            return (
                {c: (st, err, node) for c, st, err, node in statuses},
                {(c, k): m for c, k, m in alarms},
                {c: node for c, (_start, node) in open_motion(conn).items()},
            )

    async def _poll(self) -> None:
        while True:
            try:
                statuses, alarms, moving = await asyncio.to_thread(self._read)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("could not read camera status for events (%s); retrying", exc)
                await asyncio.sleep(self._reconnect_s)
                continue
            now = int(time.time() * 1e6)
            if self._states is None:  # the first read is the baseline
                self._states = {c: st for c, (st, _err, _node) in statuses.items()}
                self._open_alarms = dict(alarms)
                self._moving = dict(moving)
                self.listening.set()
            else:
                for camera_id, (state, error, node) in statuses.items():
                    if self._states.get(camera_id) != state:
                        self._fan_out(FleetEvent("camera.status", camera_id, now, node, state, error))
                for (camera, kind), message in alarms.items():
                    if (camera, kind) not in self._open_alarms:
                        self._fan_out(FleetEvent("alarm.raised", camera, now, alarm=kind, message=message))
                for (camera, kind), message in list(self._open_alarms.items()):
                    if (camera, kind) not in alarms:
                        self._fan_out(FleetEvent("alarm.cleared", camera, now, alarm=kind, message=message))
                for camera, node in moving.items():
                    if camera not in self._moving:
                        self._fan_out(FleetEvent("motion.started", camera, now, node))
                for camera, node in list(self._moving.items()):
                    if camera not in moving:
                        self._fan_out(FleetEvent("motion.ended", camera, now, node))
            await asyncio.sleep(self._poll_s)

    async def _listen(self) -> None:
        import psycopg

        conninfo = psycopg_conninfo(self._engine)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    async for notice in conn.notifies():
                        try:
                            self._fan_out(FleetEvent.from_json(notice.payload))
                        except (ValueError, KeyError, TypeError) as exc:
                            log.warning("ignored a malformed event on %s: %s", CHANNEL, exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "lost the event channel to %s (%s); reconnecting in %.0f s",
                    self._engine.url.render_as_string(hide_password=True),
                    exc,
                    self._reconnect_s,
                )
            self.listening.clear()
            await asyncio.sleep(self._reconnect_s)
