"""Live media of a camera held by another node: the API's hub reads that node's relay over TCP.

The node's media server (``GET /live/{camera_id}``) passes the bytes of its local publisher's Unix
socket through unchanged (video/live_wire.py framing), so the hub decodes them as it would locally.
The relay adds no queue of its own: when the API reads slowly, TCP backpressure reaches the node's
publisher, whose per-subscriber queue skips forward to the next keyframe as for a local subscriber.
Which node to ask is the camera's lease (``camera_leases.node``), looked up at every (re)connect so
that a camera moved to another node is followed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, text

from citywatch.video.live_wire import live_socket_path
from citywatch.video.media_access import MediaAccess

__all__ = ["LeaseLocator", "RelayTarget", "open_relay"]

_LEASE = text("SELECT node FROM camera_leases WHERE camera_id = :camera_id")
_HEADER_LIMIT = 16 * 1024


@dataclass(frozen=True, slots=True)
class RelayTarget:
    node: str
    url: str  # the node's media server
    authorization: str


class _Chunked:
    """``readexactly`` over an HTTP/1.1 chunked body (how the node's server frames an open-ended stream)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._left = 0
        self._buf = bytearray()

    async def readexactly(self, n: int) -> bytes:
        while len(self._buf) < n:
            if self._left == 0:
                line = await self._reader.readuntil(b"\r\n")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    raise asyncio.IncompleteReadError(bytes(self._buf), n)
                self._left = size
            chunk = await self._reader.read(min(self._left, 1 << 20))
            if not chunk:
                raise asyncio.IncompleteReadError(bytes(self._buf), n)
            self._buf += chunk
            self._left -= len(chunk)
            if self._left == 0:
                await self._reader.readexactly(2)  # the chunk's CRLF
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


async def open_relay(
    target: RelayTarget, camera_id: int
) -> tuple[asyncio.StreamReader | _Chunked, asyncio.StreamWriter]:
    """Connect to a node's live relay for ``camera_id``; raises OSError when it refuses or is not there."""
    parts = urlsplit(target.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    try:
        request = (
            f"GET {parts.path.rstrip('/')}/live/{camera_id} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Authorization: {target.authorization}\r\nAccept: application/octet-stream\r\n\r\n"
        )
        writer.write(request.encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _HEADER_LIMIT:
            raise OSError(f"node {target.node} sent an oversized header")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = status_line.split(" ", 2)
        if len(status) < 2 or status[1] != "200":
            raise OSError(f"node {target.node} refused the live relay of camera {camera_id}: {status_line}")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, UnicodeError) as exc:
        writer.close()
        raise OSError(f"node {target.node} broke off the live relay of camera {camera_id}") from exc
    except BaseException:
        writer.close()
        raise
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _Chunked(reader), writer
    return reader, writer


class LeaseLocator:
    """Where the hub finds a camera's live media: the local publisher's socket, or the lease holder's relay."""

    def __init__(self, engine: Engine, media: MediaAccess, run_dir: Path) -> None:
        self._engine = engine
        self._media = media
        self._run_dir = run_dir

    def _lookup(self, camera_id: int) -> Path | RelayTarget:
        local = live_socket_path(self._run_dir, camera_id)
        nodes = self._media.nodes
        if nodes is None or not nodes.all():
            return local  # single-node: no leases to ask about
        with self._engine.connect() as conn:
            node = conn.execute(_LEASE, {"camera_id": camera_id}).scalar()
        if node is None or self._media.is_local(str(node)):
            return local
        info = nodes.get(str(node))
        if info is None or not info.url or nodes.is_stale(info):
            raise OSError(f"camera {camera_id} is held by recorder node {node}, which is not answering")
        return RelayTarget(info.name, info.url, self._media.live_auth(info.name))

    async def __call__(self, camera_id: int) -> Path | RelayTarget:
        return await asyncio.to_thread(self._lookup, camera_id)
