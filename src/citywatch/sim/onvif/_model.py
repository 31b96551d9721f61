"""What one virtual ONVIF device knows about itself: identity, stream, account, addresses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from citywatch.sim.onvif._soap import Element, SoapFault, text_of
from citywatch.sim.ptz_motion import PtzMotion

__all__ = [
    "DEVICE_PATH",
    "MEDIA_PATH",
    "NODE_TOKEN",
    "PROFILE_TOKEN",
    "PTZ_CONFIG_TOKEN",
    "PTZ_PATH",
    "SNAPSHOT_PATH",
    "DeviceState",
    "OnvifAccount",
    "Operation",
    "check_profile",
]

DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
PTZ_PATH = "/onvif/ptz_service"
SNAPSHOT_PATH = "/onvif/snapshot.jpg"
PROFILE_TOKEN = "profile_1"  # noqa: S105 - an ONVIF reference token, not a secret
NODE_TOKEN = "ptz_node_1"  # noqa: S105
PTZ_CONFIG_TOKEN = "ptz_config_1"  # noqa: S105


@dataclass(frozen=True, slots=True)
class OnvifAccount:
    """The one user a virtual device accepts (WS-UsernameToken digest)."""

    username: str
    password: str

    def __repr__(self) -> str:  # keep the password out of logs and test output
        return f"OnvifAccount(username={self.username!r}, password='***')"


@dataclass(slots=True)
class DeviceState:
    """Identity and live state of one device; ``host``/``port`` are set once the server listens."""

    name: str
    serial: str
    stream_uri: Callable[[], str]
    motion: PtzMotion
    account: OnvifAccount
    width: int = 640
    height: int = 360
    fps: int = 25
    bitrate_kbps: int = 800
    gop_frames: int = 25
    host: str = "127.0.0.1"
    port: int = 0
    snapshot: Callable[[], bytes] | None = None
    presets: dict[str, tuple[str, tuple[float, float, float]]] = field(default_factory=dict)
    next_preset: int = 1

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


Operation = Callable[[DeviceState, Any], Any]  # (device, request element) -> response element


def check_profile(request: Element) -> None:
    """Every media and PTZ operation names the profile; this device has exactly one."""
    token = text_of(request, "ProfileToken")
    if token != PROFILE_TOKEN:
        raise SoapFault("Sender", ["ter:InvalidArgVal", "ter:NoProfile"], f"no media profile {token!r}")
