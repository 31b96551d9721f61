"""Where a recording's bytes are, and one way to read them: this machine's disk or the node that holds them.

Every recording row names the node whose disk holds its file (``recordings.node``). Rows of this
process's own node, or ``local`` (single-node mode, and everything recorded before a fleet), are read
from disk exactly as before: no lookup, no network. Other rows are read with HTTP range requests from
that node's media server (``nodes.url``, looked up and cached for two seconds) with a signed
short-lived token (fleet/node_auth.py). A ``MediaReader`` keeps one read-ahead buffer: small for a
snapshot (one GOP), megabytes for a clip or an export, so a long export makes one request per few
megabytes rather than one per fragment. A node that has stopped heartbeating, or does not answer,
raises ``FootageUnavailable`` (HTTP 503) naming the camera, the time and the node.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPResponse
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Engine, text

from citywatch.timeutil import iso, now_us
from citywatch.video.playback_errors import PlaybackError, RecordingMissing

if TYPE_CHECKING:
    from citywatch.config import Settings
    from citywatch.fleet.node_auth import NodeSigner
    from citywatch.video.recording_query import RecordingRef

__all__ = [
    "EXPORT_READ_AHEAD",
    "LOCAL_NODE",
    "SNAPSHOT_READ_AHEAD",
    "FootageUnavailable",
    "MediaAccess",
    "MediaReader",
    "NodeDirectory",
    "NodeInfo",
    "RemoteMedia",
    "default_access",
    "read_file_range",
    "read_local_range",
    "set_default_access",
]

LOCAL_NODE = "local"
SNAPSHOT_READ_AHEAD = 256 * 1024  # an init segment and one GOP, usually
EXPORT_READ_AHEAD = 8 * 1024 * 1024  # a clip or export streams: a few requests per minute of footage
NODE_CACHE_S = 2.0
_TIMEOUT_S = 10.0
_INIT_CACHE = 4096  # init segments (a few hundred bytes each) kept for remote recordings
_CONNECT_TIMEOUT_S = 2.0  # a node that is off the network is reported in two seconds, not ten
_PROXY_CHUNK = 256 * 1024


class FootageUnavailable(PlaybackError):
    """The footage exists but the recorder node holding it is down or not answering (HTTP 503)."""

    def __init__(self, camera_id: int, at_us: int, node: str, why: str = "which is not answering") -> None:
        super().__init__(
            f"footage of camera {camera_id} from {iso(at_us)} is held on recorder node {node}, {why}; "
            "it will be available again when that node is back"
        )
        self.camera_id = camera_id
        self.at_us = at_us
        self.node = node


def read_file_range(file: Path, offset: int, size: int) -> bytes:
    """``size`` bytes of a recording file on this machine's disk, or why they cannot be read."""
    try:
        with file.open("rb") as f:
            f.seek(offset)
            data = f.read(size)
    except FileNotFoundError as exc:
        raise RecordingMissing(
            f"recording file {file.name} is gone (deleted by retention?); reload the timeline"
        ) from exc
    if len(data) != size:
        raise RecordingMissing(f"recording file {file.name} is shorter than its index says")
    return data


def read_local_range(rec: RecordingRef, offset: int, size: int) -> bytes:
    return read_file_range(rec.file, offset, size)


@dataclass(frozen=True, slots=True)
class NodeInfo:
    name: str
    url: str
    heartbeat_us: int
    state: str


_NODES = text("SELECT name, url, heartbeat_us, state FROM nodes")


class NodeDirectory:
    """The ``nodes`` table, re-read at most every ``NODE_CACHE_S``; empty in single-node mode."""

    def __init__(self, engine: Engine, lease_s: float, *, ttl_s: float = NODE_CACHE_S) -> None:
        self._engine = engine
        self._stale_us = int(2 * lease_s * 1_000_000)
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._nodes: dict[str, NodeInfo] = {}
        self._read_at = -1e18

    def all(self) -> dict[str, NodeInfo]:
        with self._lock:
            if time.monotonic() - self._read_at > self._ttl_s:
                with self._engine.connect() as conn:
                    rows = conn.execute(_NODES).all()
                self._nodes = {str(r[0]): NodeInfo(str(r[0]), str(r[1] or ""), int(r[2]), str(r[3])) for r in rows}
                self._read_at = time.monotonic()
            return self._nodes

    def get(self, name: str) -> NodeInfo | None:
        return self.all().get(name)

    def forget(self) -> None:
        with self._lock:
            self._read_at = -1e18

    def is_stale(self, info: NodeInfo, at_us: int | None = None) -> bool:
        """Down: marked so, or no heartbeat for two lease periods (its cameras have moved on by then)."""
        return info.state == "down" or (at_us if at_us is not None else now_us()) - info.heartbeat_us > self._stale_us

    def unavailable(self) -> set[str]:
        now = now_us()
        return {name for name, info in self.all().items() if self.is_stale(info, now)}


@dataclass(slots=True)
class RemoteMedia:
    """A node's answer to a range request on a recording file, to be passed on to the client as is."""

    status: int
    headers: dict[str, str]
    body: Iterator[bytes]


class MediaAccess:
    """One per process: which node is this one, the node directory, and HTTP clients to the other nodes."""

    def __init__(self, engine: Engine | None, settings: Settings | None = None) -> None:
        self._settings = settings
        own = settings.fleet.node if settings is not None else ""
        self.local_nodes = frozenset({LOCAL_NODE, own} - {""})
        lease_s = settings.fleet.lease_s if settings is not None else 15.0
        self.nodes = NodeDirectory(engine, lease_s) if engine is not None else None
        self._signer: NodeSigner | None = None
        self._pools: dict[str, _NodeConnections] = {}
        self._lock = threading.Lock()
        self._inits: OrderedDict[tuple[int, str], bytes] = OrderedDict()  # an init segment never changes

    def is_local(self, node: str) -> bool:
        return node in self.local_nodes

    def reader(self, read_ahead: int = SNAPSHOT_READ_AHEAD) -> MediaReader:
        return MediaReader(self, read_ahead)

    # Remote side -------------------------------------------------------------------------------

    def _node(self, rec: RecordingRef, at_us: int) -> NodeInfo:
        if self.nodes is None or self._settings is None:
            raise FootageUnavailable(rec.camera_id, at_us, rec.node, "and this process is not part of a fleet")
        info = self.nodes.get(rec.node)
        if info is None or not info.url:
            raise FootageUnavailable(rec.camera_id, at_us, rec.node, "which is not registered in the nodes table")
        if self.nodes.is_stale(info):
            raise FootageUnavailable(rec.camera_id, at_us, rec.node)
        return info

    def _auth(self, node: str, scope: str) -> str:
        if self._signer is None:
            from citywatch.fleet.node_auth import NodeSigner  # only a fleet ever needs the secret

            assert self._settings is not None
            self._signer = NodeSigner.from_settings(self._settings)
        return self._signer.header(node, scope)

    def _pool(self, info: NodeInfo) -> _NodeConnections:
        with self._lock:
            pool = self._pools.get(info.url)
            if pool is None:
                pool = self._pools[info.url] = _NodeConnections(info.url)
            return pool

    def live_auth(self, node: str) -> str:
        """The ``Authorization`` header for a node's live relay."""
        return self._auth(node, "live")

    def _unavailable(self, rec: RecordingRef, at_us: int) -> FootageUnavailable:
        if self.nodes is not None:
            self.nodes.forget()  # its url may have changed (restarted elsewhere): look again next time
        return FootageUnavailable(rec.camera_id, at_us, rec.node)

    def _open(
        self, rec: RecordingRef, at_us: int, range_header: str | None, method: str
    ) -> tuple[HTTPResponse, HTTPConnection, _NodeConnections]:
        info = self._node(rec, at_us)
        pool = self._pool(info)
        headers = {"Authorization": self._auth(info.name, "media")}
        if range_header:
            headers["Range"] = range_header
        target = f"{pool.prefix}/media?{urlencode({'dir': rec.media_dir, 'path': rec.path})}"
        for attempt in range(2):
            conn, reused = pool.take()
            try:
                conn.request(method, target, headers=headers)
                response = conn.getresponse()
                break
            except (OSError, HTTPException) as exc:
                conn.close()
                if reused and attempt == 0:
                    continue  # a kept-alive connection the node had closed meanwhile: once more on a new one
                raise self._unavailable(rec, at_us) from exc
        if response.status in (200, 206, 416):
            return response, conn, pool
        try:
            detail = response.read().decode(errors="replace")[:200]
        except (OSError, HTTPException):
            detail = ""
        conn.close()
        if response.status == 404:
            raise RecordingMissing(
                f"recording file {rec.path} is gone from node {rec.node} (deleted by retention?); reload the timeline"
            )
        if response.status in (401, 403):
            raise FootageUnavailable(
                rec.camera_id, at_us, rec.node, f"which refused this server's token ({detail}); check the fleet secret"
            )
        raise FootageUnavailable(rec.camera_id, at_us, rec.node, f"which answered {response.status} ({detail})")

    def init_segment(self, rec: RecordingRef, *, fresh: bool = False) -> bytes:
        """A remote recording's init segment, cached: a long clip checks every file's, at every range request.

        ``fresh`` asks the node even when cached: a request made before a response starts, so that a node
        that has just gone is a 503 rather than a body cut short.
        """
        key = (rec.id, rec.path)
        with self._lock:
            cached = None if fresh else self._inits.get(key)
            if cached is not None:
                self._inits.move_to_end(key)
                return cached
        data = self.fetch(rec, 0, rec.init_bytes)
        if len(data) != rec.init_bytes:
            raise RecordingMissing(f"recording file {rec.path} on node {rec.node} is shorter than its index says")
        with self._lock:
            self._inits[key] = data
            while len(self._inits) > _INIT_CACHE:
                self._inits.popitem(last=False)
        return data

    def fetch(self, rec: RecordingRef, offset: int, size: int) -> bytes:
        """Bytes ``offset .. offset+size`` of a remote recording (fewer at the end of the file)."""
        response, conn, pool = self._open(rec, rec.start_us, f"bytes={offset}-{offset + size - 1}", "GET")
        try:
            data = response.read()  # one C-level read of the whole body: no per-chunk Python
        except (OSError, HTTPException) as exc:
            conn.close()
            raise self._unavailable(rec, rec.start_us) from exc
        pool.give(conn, response)
        if response.status == 416:
            return b""
        return data[:size] if response.status == 206 else data[offset : offset + size]

    def proxy(self, rec: RecordingRef, range_header: str | None, *, head: bool = False) -> RemoteMedia:
        """The node's answer to the client's own range request on the recording file, streamed through."""
        response, conn, pool = self._open(rec, rec.start_us, range_header, "HEAD" if head else "GET")
        keep = ("content-length", "content-range", "accept-ranges", "last-modified", "etag")
        headers = {k: v for k, v in response.getheaders() if k.lower() in keep}

        def body() -> Iterator[bytes]:
            done = False
            try:
                while chunk := response.read(_PROXY_CHUNK):
                    yield chunk
                done = True
            except (OSError, HTTPException):
                return  # the client sees a short body; the node went away mid-transfer
            finally:
                if done:
                    pool.give(conn, response)
                else:
                    conn.close()  # abandoned mid-body: the connection cannot be reused

        if head:
            response.read()
            pool.give(conn, response)
            return RemoteMedia(response.status, headers, iter(()))
        return RemoteMedia(response.status, headers, body())

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()


class _Connection(HTTPConnection):
    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), _CONNECT_TIMEOUT_S)
        self.sock.settimeout(self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _NodeConnections:
    """Kept-alive connections to one node's media server, each used by one request at a time.

    ``http.client`` rather than httpx here: a body is read by one C-level call into one buffer, which
    for megabyte read-aheads is several times faster than a Python loop over 64 kB chunks.
    """

    MAX_IDLE = 8

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self._idle: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def take(self) -> tuple[HTTPConnection, bool]:
        """A connection, and whether it was kept alive from an earlier request (it may have been closed since)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return _Connection(self.host, self.port, timeout=_TIMEOUT_S), False

    def give(self, conn: HTTPConnection, response: HTTPResponse) -> None:
        if response.will_close:
            conn.close()
            return
        with self._lock:
            if len(self._idle) < self.MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class MediaReader:
    """Reads ranges of recordings wherever they are, with one read-ahead buffer for remote ones.

    Not thread-safe: one per clip, snapshot or export.
    """

    def __init__(self, access: MediaAccess, read_ahead: int) -> None:
        self.access = access
        self.read_ahead = read_ahead
        self._buffer: tuple[int, int, bytes] | None = None  # (recording id, offset, bytes)

    def is_local(self, rec: RecordingRef) -> bool:
        return self.access.is_local(rec.node)

    def init(self, rec: RecordingRef, *, fresh: bool = False) -> bytes:
        """The recording's init segment: exact, cached for remote ones (unless ``fresh``), never a read-ahead."""
        if self.access.is_local(rec.node):
            return read_local_range(rec, 0, rec.init_bytes)
        return self.access.init_segment(rec, fresh=fresh)

    def read(self, rec: RecordingRef, offset: int, size: int) -> bytes:
        if self.access.is_local(rec.node):
            return read_local_range(rec, offset, size)
        buf = self._buffer
        if buf is None or buf[0] != rec.id or not (buf[1] <= offset and offset + size <= buf[1] + len(buf[2])):
            data = self.access.fetch(rec, offset, max(size, self.read_ahead))
            buf = self._buffer = (rec.id, offset, data)
        start = offset - buf[1]
        data = buf[2][start : start + size]
        if len(data) != size:
            raise RecordingMissing(f"recording file {rec.path} on node {rec.node} is shorter than its index says")
        return data


_default: list[MediaAccess] = []


def set_default_access(access: MediaAccess) -> None:
    """The process's access, for code reached without one (evidence exports run from the job queue)."""
    _default[:] = [access]


def default_access() -> MediaAccess:
    if not _default:
        _default.append(MediaAccess(None))
    return _default[0]
