"""``OnvifDevice``: the ONVIF face of one virtual PTZ camera, served on its own port.

ONVIF clients expect the device service at the fixed path ``/onvif/device_service``, so each
device listens on a port of its own (``CameraNetwork`` gives every PTZ camera one). The device
and the camera's renderer share one ``PtzMotion``: a command changes the picture from the first
frame due after it.
"""

from __future__ import annotations

import asyncio
import contextlib

from citywatch.sim.onvif._model import DEVICE_PATH, DeviceState, OnvifAccount
from citywatch.sim.onvif._server import OnvifHttpHandler

__all__ = ["DeviceState", "OnvifAccount", "OnvifDevice"]


class OnvifDevice:
    """Serves one ``DeviceState`` over HTTP on ``host:port`` (0: any free port)."""

    def __init__(self, state: DeviceState) -> None:
        self.state = state
        self.handler = OnvifHttpHandler(state)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """The device service address, e.g. ``http://127.0.0.1:8081/onvif/device_service``."""
        return self.state.url(DEVICE_PATH)

    @property
    def account(self) -> OnvifAccount:
        return self.state.account

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self.handler.handle, host, port)
        self.state.host, self.state.port = host, self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self.handler.close_connections()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
            self._server = None
