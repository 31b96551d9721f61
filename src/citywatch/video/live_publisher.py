"""The recorder side of live view: a camera's GOPs published on a Unix socket to local subscribers.

Runs inside a recorder worker; ``publish`` is the segmenter's ``live`` callback, called on the
camera's thread for each part of a GOP (about 200 ms of media), and never blocks it: each subscriber
(normally the one API process) has its own sender thread and a queue bounded by media time and bytes
(``live_queue``). When a subscriber falls behind, its queue is dropped and it continues at the next
part that starts with a keyframe, so it stays decodable. A new subscriber is sent the current GOP's parts at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from pathlib import Path

from citywatch.video.events import FragmentOut
from citywatch.video.live_queue import DEFAULT_MAX_S, SkipAheadQueue
from citywatch.video.live_wire import encode_fragment, encode_init

__all__ = ["LivePublisher"]

log = logging.getLogger(__name__)


class _Subscriber:
    def __init__(self, conn: socket.socket, max_queued_s: float) -> None:
        self.conn = conn
        self._queue: SkipAheadQueue[FragmentOut] = SkipAheadQueue(max_queued_s)
        self._cond = threading.Condition()
        self._closed = False
        self._sent_init: tuple[str, bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="live-subscriber", daemon=True)
        self._thread.start()

    def offer(self, fragment: FragmentOut) -> None:
        with self._cond:
            if self._queue.offer(fragment):
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        with contextlib.suppress(OSError):
            self.conn.shutdown(socket.SHUT_RDWR)

    @property
    def closed(self) -> bool:
        return self._closed

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    fragment = self._queue.pop()
                key = (fragment.run_id, fragment.init_segment)
                if key != self._sent_init:
                    self.conn.sendall(encode_init(fragment.run_id, fragment.init_segment))
                    self._sent_init = key
                self.conn.sendall(
                    encode_fragment(fragment.start_us, fragment.duration_90k, fragment.data, fragment.key)
                )
        except OSError:
            pass
        finally:
            self._closed = True
            with contextlib.suppress(OSError):
                self.conn.close()


class LivePublisher:
    def __init__(self, path: Path, *, max_queued_s: float = DEFAULT_MAX_S) -> None:
        self.path = path
        self._max_queued_s = max_queued_s
        self._subscribers: list[_Subscriber] = []
        self._lock = threading.Lock()
        self._current_gop: list[FragmentOut] = []
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a worker that died
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        os.chmod(self.path, 0o600)
        server.listen(16)
        self._server = server
        self._thread = threading.Thread(target=self._accept, name=f"live-{self.path.stem}", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            subscriber = _Subscriber(conn, self._max_queued_s)
            with self._lock:
                self._subscribers = [s for s in self._subscribers if not s.closed] + [subscriber]
                current = list(self._current_gop)
            for fragment in current:
                subscriber.offer(fragment)

    def publish(self, fragment: FragmentOut) -> None:
        with self._lock:
            if fragment.key:
                self._current_gop = [fragment]
            elif self._current_gop:
                self._current_gop.append(fragment)
            subscribers = self._subscribers
        for subscriber in subscribers:
            if not subscriber.closed:
                subscriber.offer(fragment)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return sum(1 for s in self._subscribers if not s.closed)

    def close(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept thread
            with contextlib.suppress(OSError):
                self._server.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.close()
