"""A recorder node's media server: its recorded bytes and live feeds, for the API process (docs/design/fleet.md).

Runs inside ``citywatch recorder --node`` as a uvicorn server on its own thread, so the recorder's
threads never wait on it and it never waits on them. Endpoints:
  ``GET /health``             public: the node's name, for load balancers and humans;
  ``GET /metrics``            Prometheus text: cameras held, bitrate, disk per media directory, index lag, errors
                              (also to ``Authorization: Bearer <citywatch fleet metrics-token>``, for Prometheus);
  ``GET|HEAD /media``         byte ranges of one recording file (``dir``, ``path`` as in the index), only
                              inside this node's media directories;
  ``GET /live/{camera_id}``   the camera's local live publisher stream, relayed as is (video/live_wire.py).
All but ``/health`` need a signed token for this node and purpose (fleet/node_auth.py): 401 without one,
403 with a forged, tampered, expired or misdirected one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from citywatch.config import Settings
from citywatch.fleet.node_auth import NodeAuthError, NodeSigner
from citywatch.timeutil import now_us
from citywatch.video.live_wire import live_socket_path

__all__ = ["MediaPathRefused", "NodeMediaServer", "resolve_media_file"]

log = logging.getLogger(__name__)

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_RELAY_CHUNK = 256 * 1024
_NODE = text("SELECT cameras, bitrate_kbps, errors, heartbeat_us FROM nodes WHERE name = :name")
# Newest indexed instant per held camera: one index seek each on ix_recordings_camera_end.
_LAG = text(
    "SELECT l.camera_id, (SELECT MAX(r.end_us) FROM recordings r WHERE r.camera_id = l.camera_id) "
    "FROM camera_leases l WHERE l.node = :name"
)


class _MediaFileResponse(FileResponse):
    chunk_size = 1024 * 1024  # Starlette's 64 kB costs a thread hop per chunk: a sixteenth of the hops for exports


class MediaPathRefused(Exception):
    """A requested file lies outside this node's media directories (or is not a regular file)."""


def resolve_media_file(media_dirs: list[Path], media_dir: str, path: str) -> Path:
    """The file ``media_dir/path`` names, if it lies inside one of ``media_dirs`` after resolving links and ``..``."""
    if not path or "\x00" in media_dir or "\x00" in path:
        raise MediaPathRefused("no file named")
    candidate = (Path(media_dir) / path).resolve()
    for root in media_dirs:
        if candidate.is_relative_to(root.resolve()):
            if not candidate.is_file():
                raise FileNotFoundError(candidate)
            return candidate
    raise MediaPathRefused(f"{media_dir}/{path} is outside this node's media directories")


def _listen_address(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"fleet.media_listen must be host:port, not {listen!r}")
    return host.strip("[]"), int(port)


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


class NodeMediaServer:
    """Serves this node's recorded bytes and live feeds to the API process."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.url = ""
        self.node = settings.fleet.node or "local"
        self.media_dirs = [p.resolve() for p in settings.effective_media_dirs]
        self.run_dir = settings.data_dir / "run"
        self._signer = NodeSigner.from_settings(settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # by endpoint and outcome
        self.bytes_sent = 0
        self.relays = 0
        self.app = Starlette(
            routes=[
                Route("/health", self._health, methods=["GET"]),
                Route("/metrics", self._metrics, methods=["GET"]),
                Route("/media", self._media, methods=["GET", "HEAD"]),
                Route("/live/{camera_id:int}", self._live, methods=["GET"]),
            ]
        )

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> str:
        """Listen on ``settings.fleet.media_listen``; returns the URL to advertise in ``nodes.url``."""
        host, port = _listen_address(self.settings.fleet.media_listen)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"node-media-{self.node}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"node {self.node}'s media server could not listen on {self.settings.fleet.media_listen} "
                    "(address in use?); set fleet.media_listen to a free host:port"
                )
            time.sleep(0.02)
        self._server, self._thread = server, thread
        bound = server.servers[0].sockets[0].getsockname()[1]
        if self.settings.fleet.advertise_url:
            self.url = self.settings.fleet.advertise_url.rstrip("/")
        else:
            shown = socket.getfqdn() if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (recognised, not bound)
            self.url = f"http://{shown}:{bound}"
        log.info("node %s serves media at %s", self.node, self.url)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    # Endpoints -------------------------------------------------------------------------------

    def _count(self, what: str) -> None:
        with self._lock:
            self.requests[what] += 1

    def _refused(self, request: Request, scope: str) -> Response | None:
        try:
            self._signer.verify(request.headers.get("authorization"), self.node, scope)
        except NodeAuthError as exc:
            absent = not request.headers.get("authorization")
            self._count(f"{scope}:refused")
            return JSONResponse({"detail": str(exc)}, status_code=401 if absent else 403)
        return None

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"node": self.node, "status": "ok"})

    def _media(self, request: Request) -> Response:
        refused = self._refused(request, "media")
        if refused is not None:
            return refused
        media_dir, path = request.query_params.get("dir", ""), request.query_params.get("path", "")
        try:
            file = resolve_media_file(self.media_dirs, media_dir, path)
        except MediaPathRefused as exc:
            self._count("media:outside")
            log.warning("node %s refused a media request: %s", self.node, exc)
            return JSONResponse({"detail": f"refused: {exc}"}, status_code=403)
        except FileNotFoundError:
            self._count("media:missing")
            return JSONResponse({"detail": f"{path} is not on node {self.node} (deleted?)"}, status_code=404)
        self._count("media:ok")
        size = file.stat().st_size
        with self._lock:
            self.bytes_sent += _range_length(request.headers.get("range"), size)
        return _MediaFileResponse(file, media_type="video/mp4", headers={"Cache-Control": "no-store"})

    async def _live(self, request: Request) -> Response:
        refused = self._refused(request, "live")
        if refused is not None:
            return refused
        camera_id = int(request.path_params["camera_id"])
        try:
            reader, writer = await asyncio.open_unix_connection(str(live_socket_path(self.run_dir, camera_id)))
        except OSError:
            self._count("live:not_here")
            return JSONResponse({"detail": f"camera {camera_id} is not live on node {self.node}"}, status_code=404)
        self._count("live:ok")

        async def relay() -> AsyncIterator[bytes]:
            with self._lock:
                self.relays += 1
            try:
                while chunk := await reader.read(_RELAY_CHUNK):
                    with self._lock:
                        self.bytes_sent += len(chunk)
                    yield chunk
            finally:
                with self._lock:
                    self.relays -= 1
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

        return StreamingResponse(relay(), media_type="application/octet-stream", headers={"Cache-Control": "no-store"})

    def _metrics(self, request: Request) -> Response:
        if not self._signer.is_scrape(request.headers.get("authorization")):  # Prometheus, or the API:
            refused = self._refused(request, "metrics")
            if refused is not None:
                return refused
        return PlainTextResponse("\n".join(self.metric_lines()) + "\n", media_type=PROMETHEUS_TYPE)

    def metric_lines(self) -> list[str]:
        node = _label(self.node)
        lines = [
            "# HELP citywatch_node_up 1 while this node's media server answers.",
            "# TYPE citywatch_node_up gauge",
            f'citywatch_node_up{{node="{node}"}} 1',
            "# HELP citywatch_node_media_free_bytes Free space per media directory.",
            "# TYPE citywatch_node_media_free_bytes gauge",
        ]
        totals = []
        for media_dir in self.media_dirs:
            try:
                usage = shutil.disk_usage(media_dir)
            except OSError:
                continue
            lines.append(f'citywatch_node_media_free_bytes{{node="{node}",dir="{_label(media_dir)}"}} {usage.free}')
            totals.append(f'citywatch_node_media_total_bytes{{node="{node}",dir="{_label(media_dir)}"}} {usage.total}')
        lines += ["# TYPE citywatch_node_media_total_bytes gauge", *totals]
        with self._lock:
            requests, sent, relays = dict(self.requests), self.bytes_sent, self.relays
        lines += ["# HELP citywatch_node_requests_total Media server requests by endpoint and outcome.",
                  "# TYPE citywatch_node_requests_total counter"]  # fmt: skip
        for what, n in sorted(requests.items()):
            endpoint, _, outcome = what.partition(":")
            lines.append(
                f'citywatch_node_requests_total{{node="{node}",endpoint="{endpoint}",outcome="{outcome}"}} {n}'
            )
        lines += [
            "# TYPE citywatch_node_sent_bytes_total counter",
            f'citywatch_node_sent_bytes_total{{node="{node}"}} {sent}',
            "# TYPE citywatch_node_live_relays gauge",
            f'citywatch_node_live_relays{{node="{node}"}} {relays}',
        ]
        lines += self._store_lines(node)
        return lines

    def _store_lines(self, node: str) -> list[str]:
        """What the node's heartbeat reports and how far its index lags; left out while the database is unreachable."""
        try:
            with self.sessions() as session:
                row = session.execute(_NODE, {"name": self.node}).first()
                newest = [int(end) for _cam, end in session.execute(_LAG, {"name": self.node}) if end is not None]
        except Exception as exc:  # the database being away must not take /metrics down with it
            log.warning("node %s metrics: the database is unreachable (%s)", self.node, exc)
            return ["# TYPE citywatch_node_database_up gauge", f'citywatch_node_database_up{{node="{node}"}} 0']
        now = now_us()
        lines = ["# TYPE citywatch_node_database_up gauge", f'citywatch_node_database_up{{node="{node}"}} 1']
        if row is not None:
            cameras, kbps, errors, heartbeat = row
            lines += [
                "# HELP citywatch_node_cameras Cameras this node holds a lease on and records.",
                "# TYPE citywatch_node_cameras gauge",
                f'citywatch_node_cameras{{node="{node}"}} {int(cameras)}',
                "# TYPE citywatch_node_bitrate_kbps gauge",
                f'citywatch_node_bitrate_kbps{{node="{node}"}} {float(kbps):.1f}',
                "# TYPE citywatch_node_errors_total counter",
                f'citywatch_node_errors_total{{node="{node}"}} {int(errors)}',
                "# TYPE citywatch_node_heartbeat_age_seconds gauge",
                f'citywatch_node_heartbeat_age_seconds{{node="{node}"}} {max(0, now - int(heartbeat)) / 1e6:.3f}',
            ]
        if newest:
            lag_s = max(0, now - min(newest)) / 1e6
            lines += [
                "# HELP citywatch_node_index_lag_seconds Oldest newest-indexed instant among held cameras, from now.",
                "# TYPE citywatch_node_index_lag_seconds gauge",
                f'citywatch_node_index_lag_seconds{{node="{node}"}} {lag_s:.3f}',
            ]
        return lines


def _range_length(header: str | None, size: int) -> int:
    """Bytes a single-range request will be sent (for the sent-bytes counter); the whole file otherwise."""
    if not header or not header.startswith("bytes="):
        return size
    first, _, last = header[6:].split(",")[0].strip().partition("-")
    try:
        if not first:
            return min(size, int(last))
        lo, hi = int(first), int(last) if last else size - 1
    except ValueError:
        return size
    return max(0, min(hi, size - 1) - lo + 1)
