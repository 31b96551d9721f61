"""``CameraNetwork``: many virtual RTSP cameras on one port, for demos, tests and benchmarks.

    net = CameraNetwork(count=3, width=640, height=360, fps=25, bitrate_kbps=800, live_count=1)
    with net.running_in_thread():          # or: async with net: ...
        net.urls                           # ["rtsp://127.0.0.1:PORT/cam/1", ...]
        net.camera(1).fault("stall", seconds=3)
        net.camera(1).sessions             # active RTSP sessions at the camera
        net.camera(1).set_viewport(30.0, -5.0, 2.0)

    net = CameraNetwork(count=3, ptz={1: OnvifAccount("admin", "pw")})   # camera 1 speaks ONVIF
        net.camera(1).onvif_url            # "http://127.0.0.1:PORT/onvif/device_service"

Cameras 1..live_count, and every PTZ camera, render a live street scene; the rest serve one
shared pre-encoded loop (cached under ``cache_dir``). A PTZ camera gets an ONVIF device on a
port of its own (``onvif_port`` + its index among the PTZ cameras, or any free port when 0)
whose commands drive the camera's motors, and so its picture. Every frame carries a
capture-time SEI (``video/sei.py``). Handle methods may be called from any thread: they run on
the network's event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from citywatch.sim.camera import Camera, FaultError
from citywatch.sim.control import ControlServer
from citywatch.sim.digest import DigestAuth
from citywatch.sim.encoder import StreamParams
from citywatch.sim.onvif.device import DeviceState, OnvifAccount, OnvifDevice
from citywatch.sim.ptz_motion import PtzMotion
from citywatch.sim.rtsp_protocol import RtspConnection, ServerContext
from citywatch.sim.scene import StreetScene, Viewport
from citywatch.sim.scheduler import FrameScheduler
from citywatch.sim.sources import LiveSource, LoopSource

__all__ = ["CameraHandle", "CameraNetwork", "FaultError", "OnvifAccount"]

T = TypeVar("T")


class CameraHandle:
    """The test- and CLI-facing view of one camera; counters are live."""

    def __init__(self, network: CameraNetwork, camera: Camera) -> None:
        self._net, self._cam = network, camera

    @property
    def number(self) -> int:
        return self._cam.number

    @property
    def url(self) -> str:
        return self._net.url(self._cam.number)

    @property
    def live(self) -> bool:
        return self._cam.live

    @property
    def ptz(self) -> bool:
        return self._cam.number in self._net.ptz_accounts

    @property
    def onvif_url(self) -> str | None:
        """The ONVIF device service of a PTZ camera (None for a fixed camera or before start)."""
        device = self._net.onvif_device(self._cam.number)
        return None if device is None else device.url

    @property
    def onvif_account(self) -> OnvifAccount | None:
        return self._net.ptz_accounts.get(self._cam.number)

    @property
    def motion(self) -> PtzMotion:
        """The motors of a live camera (position as a function of time, thread-safe)."""
        source = self._cam.source
        if not isinstance(source, LiveSource):
            raise FaultError(f"camera {self.number} serves a pre-encoded loop: it has no motors")
        return source.motion

    @property
    def scene(self) -> StreetScene:
        """What a live camera renders (its panorama lets a test predict the picture)."""
        source = self._cam.source
        if not isinstance(source, LiveSource):
            raise FaultError(f"camera {self.number} serves a pre-encoded loop: it renders no scene")
        return source.scene

    @property
    def sessions(self) -> int:
        """RTSP sessions set up at this camera (not torn down, connection open)."""
        return len(self._cam.sessions)

    @property
    def frames_sent(self) -> int:
        """Frames written to viewers, summed over viewers."""
        return self._cam.frames_sent

    @property
    def bytes_sent(self) -> int:
        return self._cam.bytes_sent

    @property
    def frames_dropped(self) -> int:
        """Frames withheld from viewers (waiting for a keyframe, or too slow), summed over viewers."""
        return sum(s.frames_dropped for s in list(self._cam.sessions.values()))

    @property
    def frames_lagged(self) -> int:
        """Frames withheld because a viewer read too slowly, over every viewer the camera ever had."""
        return self._cam.frames_lagged_closed + sum(s.frames_lagged for s in list(self._cam.sessions.values()))

    @property
    def peak_buffer_bytes(self) -> int:
        """Largest transport write buffer seen for any current viewer."""
        return max((s.peak_buffer_bytes for s in list(self._cam.sessions.values())), default=0)

    def fault(self, kind: str, seconds: float = 0.0) -> None:
        """Inject ``kind`` (see ``camera.FAULT_KINDS``) for ``seconds`` (the offset for clock_offset)."""
        self._net.call(lambda: self._cam.fault(kind, seconds))

    def disconnect(self) -> None:
        self.fault("disconnect")

    def stall(self, seconds: float) -> None:
        self.fault("stall", seconds)

    def garbage(self, seconds: float) -> None:
        self.fault("garbage", seconds)

    def refuse(self, seconds: float) -> None:
        self.fault("refuse", seconds)

    def offline(self, seconds: float) -> None:
        """Camera unreachable: drop every session and refuse new ones for ``seconds``."""
        self.fault("offline", seconds)

    def set_clock_offset(self, seconds: float) -> None:
        self.fault("clock_offset", seconds)

    def set_viewport(self, pan_deg: float, tilt_deg: float, zoom: float) -> Viewport:
        """Move a live camera's view (for PTZ); clamped to the panorama. Loop cameras cannot move."""
        source = self._cam.source
        if not isinstance(source, LiveSource):
            raise FaultError(f"camera {self.number} serves a pre-encoded loop: only live cameras can move")
        return source.set_viewport(pan_deg, tilt_deg, zoom)

    def stats(self) -> dict[str, Any]:
        return {
            "camera": self.number,
            "url": self.url,
            "live": self.live,
            "ptz": self.ptz,
            "onvif_url": self.onvif_url,
            "sessions": self.sessions,
            "frames_sent": self.frames_sent,
            "bytes_sent": self.bytes_sent,
            "frames_dropped": self.frames_dropped,
            "frames_lagged": self.frames_lagged,
        }


class CameraNetwork:
    def __init__(
        self,
        count: int = 1,
        *,
        width: int = 640,
        height: int = 360,
        fps: int = 25,
        bitrate_kbps: int = 800,
        keyframe_interval_s: float = 1.0,
        live_count: int = 0,
        host: str = "127.0.0.1",
        rtsp_port: int = 0,
        username: str | None = None,
        password: str | None = None,
        cache_dir: str | Path | None = None,
        loop_s: float = 10.0,
        session_timeout_s: int = 60,
        max_client_buffer_bytes: int = 2 * 1024 * 1024,
        send_buffer_bytes: int | None = 256 * 1024,
        control_port: int | None = None,
        ptz: Mapping[int, OnvifAccount] | None = None,
        onvif_port: int = 0,
    ) -> None:
        if count < 1 or not 0 <= live_count <= count:
            raise ValueError(f"need count ≥ 1 and 0 ≤ live_count ≤ count (got {count}, {live_count})")
        self.ptz_accounts = dict(ptz or {})
        outside = sorted(n for n in self.ptz_accounts if not 1 <= n <= count)
        if outside:
            raise ValueError(f"PTZ cameras {outside} are outside 1..{count}")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self.params = StreamParams(width, height, fps, bitrate_kbps, keyframe_interval_s)
        self._count, self._live_count, self._loop_s = count, live_count, loop_s
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._rtsp_port, self._control_port = rtsp_port, control_port
        auth = DigestAuth(username, password) if username is not None and password is not None else None
        self._cameras = [
            Camera(n, f"CAM {n}", fps, n <= live_count or n in self.ptz_accounts) for n in range(1, count + 1)
        ]
        self._onvif_port = onvif_port
        self._onvif: dict[int, OnvifDevice] = {}
        self._ctx = ServerContext(
            {c.number: c for c in self._cameras},
            host,
            auth=auth,
            session_timeout_s=session_timeout_s,
            max_buffer_bytes=max_client_buffer_bytes,
            send_buffer_bytes=send_buffer_bytes,
        )
        self.scheduler = FrameScheduler(self._cameras)
        self._servers: list[asyncio.Server] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    # --- addresses -----------------------------------------------------------------------------
    @property
    def rtsp_port(self) -> int:
        return self._ctx.port

    @property
    def control_port(self) -> int | None:
        return self._control_port

    def url(self, number: int) -> str:
        return f"rtsp://{self._ctx.host}:{self._ctx.port}/cam/{number}"

    @property
    def urls(self) -> list[str]:
        return [self.url(c.number) for c in self._cameras]

    def onvif_device(self, number: int) -> OnvifDevice | None:
        return self._onvif.get(number)

    @property
    def onvif_urls(self) -> list[str | None]:
        """Per camera, in order: its ONVIF device service URL, or None for a fixed camera."""
        return [d.url if (d := self._onvif.get(c.number)) else None for c in self._cameras]

    def camera(self, number: int) -> CameraHandle:
        cam = self._ctx.cameras.get(number)
        if cam is None:
            raise KeyError(f"no camera {number}: cameras are numbered 1..{self._count}")
        return CameraHandle(self, cam)

    @property
    def cameras(self) -> list[CameraHandle]:
        return [CameraHandle(self, c) for c in self._cameras]

    def stats(self) -> list[dict[str, Any]]:
        return [h.stats() for h in self.cameras]

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        await asyncio.to_thread(self._make_sources)
        self._servers.append(
            await self._loop.create_server(lambda: RtspConnection(self._ctx), self._ctx.host, self._rtsp_port)
        )
        self._ctx.port = self._servers[0].sockets[0].getsockname()[1]
        if self._control_port is not None:
            control = ControlServer(self.stats, self._inject)
            server = await asyncio.start_server(control.handle, self._ctx.host, self._control_port)
            self._servers.append(server)
            self._control_port = server.sockets[0].getsockname()[1]
        await self._start_onvif()
        self.scheduler.start_clocks()
        self._tasks = [asyncio.create_task(self.scheduler.run()), asyncio.create_task(self._reap())]

    async def _start_onvif(self) -> None:
        for index, number in enumerate(sorted(self.ptz_accounts)):
            cam = self._ctx.cameras[number]
            source = cam.source
            assert isinstance(source, LiveSource)
            state = DeviceState(
                name=cam.name,
                serial=f"CW-SIM-{number:04d}",
                stream_uri=functools.partial(self.url, number),
                motion=source.motion,
                account=self.ptz_accounts[number],
                width=self.params.width,
                height=self.params.height,
                fps=self.params.fps,
                bitrate_kbps=self.params.bitrate_kbps,
                gop_frames=self.params.gop_frames,
                snapshot=source.snapshot_jpeg,
            )
            device = OnvifDevice(state)
            await device.start(self._ctx.host, self._onvif_port + index if self._onvif_port else 0)
            self._onvif[number] = device

    def _make_sources(self) -> None:
        loop = None
        if any(not cam.live for cam in self._cameras):
            loop = LoopSource(self.params, self._loop_s, self._cache_dir)
        for cam in self._cameras:
            if cam.live:
                cam.source = LiveSource(self.params, cam.name, cam.number, cam.capture_us, cam.due, PtzMotion())
            else:
                cam.source = loop

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for conn in list(self._ctx.connections):
                conn.reap(now)

    async def stop(self) -> None:
        for device in self._onvif.values():
            await device.stop()
        self._onvif.clear()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for server in self._servers:
            server.close()
        for conn in list(self._ctx.connections):
            if conn.transport is not None:
                conn.transport.abort()
        for server in self._servers:
            await server.wait_closed()
        self._servers, self._tasks = [], []
        for cam in self._cameras:
            if cam.source is not None:
                await asyncio.to_thread(cam.source.close)

    async def __aenter__(self) -> CameraNetwork:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def running_in_thread(self) -> Iterator[CameraNetwork]:
        """Serve from a daemon thread with its own event loop, for synchronous callers."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="sim-cameras", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result()
            yield self
        finally:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[CameraNetwork]:
        async with self:
            yield self

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the network's event loop (directly when already on it) and return its result."""
        if self._loop is None or self._loop_thread == threading.get_ident() or not self._loop.is_running():
            return fn()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    def _inject(self, number: int, kind: str, seconds: float) -> dict[str, Any]:
        handle = self.camera(number)
        handle.fault(kind, seconds)
        return handle.stats()
