"""Virtual ONVIF devices for the simulated PTZ cameras (device, media and PTZ services, SOAP 1.2,
WS-UsernameToken digest), on 127.0.0.1. The motors move the camera's live picture.

In a test, start one camera with its ONVIF device (a thread of its own; 320x180, 25 fps):

    from citywatch.sim.onvif import start_onvif_device

    @pytest.fixture
    def onvif_camera() -> Iterator[SimOnvifCamera]:
        camera = start_onvif_device(username="admin", password="s3cret")
        try:
            yield camera
        finally:
            camera.close()

    camera.url        # "http://127.0.0.1:PORT/onvif/device_service"
    camera.host, camera.port, camera.username, camera.password
    camera.rtsp_url   # what GetStreamUri returns, "rtsp://127.0.0.1:PORT/cam/1"
    camera.position() # PtzPosition(pan, tilt, zoom) now, in the generic spaces
    camera.motion     # the PtzMotion itself (settle_time(), moving(), jump_to() …)

or, from an async test, ``async with running_onvif_device(...) as camera``. Profile token:
``profile_1``. Motors: pan 90°/s (endless), tilt ±45° at 45°/s, zoom 1x–20x in 3 s.
With onvif-zeep-async: ``ONVIFCamera(camera.host, camera.port, camera.username,
camera.password, no_cache=True)``, then ``await cam.update_xaddrs()``.

In a whole network, ``CameraNetwork(count, ptz={1: OnvifAccount("admin", "pw")})`` gives
camera 1 a device; ``net.camera(1).onvif_url``. From the shell: ``citywatch sim cameras --ptz 1``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from citywatch.sim.onvif._model import OnvifAccount
from citywatch.sim.ptz_motion import PtzMotion, PtzPosition

if TYPE_CHECKING:
    from citywatch.sim.network import CameraNetwork

DEFAULT_PASSWORD = "admin-s3cret"  # noqa: S105 - the simulator's test account

__all__ = ["DEFAULT_PASSWORD", "OnvifAccount", "SimOnvifCamera", "running_onvif_device", "start_onvif_device"]


@dataclass
class SimOnvifCamera:
    """A running virtual PTZ camera and how to reach it."""

    url: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    rtsp_url: str
    network: CameraNetwork = field(repr=False)
    _stack: contextlib.ExitStack | None = field(default=None, repr=False)

    @property
    def motion(self) -> PtzMotion:
        return self.network.camera(1).motion

    def position(self) -> PtzPosition:
        return self.motion.position()

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


def _network(username: str, password: str, width: int, height: int, fps: int) -> CameraNetwork:
    from citywatch.sim.network import CameraNetwork

    return CameraNetwork(
        1, width=width, height=height, fps=fps, bitrate_kbps=400, ptz={1: OnvifAccount(username, password)}
    )


def _describe(net: CameraNetwork, username: str, password: str, stack: contextlib.ExitStack | None) -> SimOnvifCamera:
    device = net.onvif_device(1)
    assert device is not None
    return SimOnvifCamera(device.url, device.state.host, device.state.port, username, password, net.url(1), net, stack)


def start_onvif_device(
    username: str = "admin",
    password: str = DEFAULT_PASSWORD,
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 25,
) -> SimOnvifCamera:
    """Start one live PTZ camera with its ONVIF device in a background thread; ``close()`` it."""
    net = _network(username, password, width, height, fps)
    stack = contextlib.ExitStack()
    stack.enter_context(net.running_in_thread())
    return _describe(net, username, password, stack)


@contextlib.asynccontextmanager
async def running_onvif_device(
    username: str = "admin",
    password: str = DEFAULT_PASSWORD,
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 25,
) -> AsyncIterator[SimOnvifCamera]:
    """The same on the caller's event loop."""
    net = _network(username, password, width, height, fps)
    async with net:
        yield _describe(net, username, password, None)
