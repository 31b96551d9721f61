"""The PTZ domain's values. Positions use ONVIF's generic spaces: pan and tilt in [-1, 1], zoom in [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Controller",
    "DeviceInfo",
    "Position",
    "Preset",
    "ProbeResult",
    "PtzCapabilities",
    "PtzStatus",
    "Velocity",
    "clamp",
]


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True, slots=True)
class Position:
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0

    def clamped(self) -> Position:
        return Position(clamp(self.pan, -1, 1), clamp(self.tilt, -1, 1), clamp(self.zoom, 0, 1))


@dataclass(frozen=True, slots=True)
class Velocity:
    """Continuous-move speeds, each in [-1, 1]; all zero is a stop."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0

    def clamped(self) -> Velocity:
        return Velocity(clamp(self.pan, -1, 1), clamp(self.tilt, -1, 1), clamp(self.zoom, -1, 1))

    @property
    def is_stop(self) -> bool:
        return self.pan == 0 and self.tilt == 0 and self.zoom == 0


@dataclass(frozen=True, slots=True)
class Preset:
    token: str
    name: str
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class PtzStatus:
    position: Position
    moving: bool
    utc_us: int | None = None


@dataclass(frozen=True, slots=True)
class PtzCapabilities:
    """What the camera's PTZ node says it can do (GetNodes / GetConfigurations)."""

    continuous: bool = True
    absolute: bool = False
    relative: bool = False
    presets: bool = False
    max_presets: int = 0
    home: bool = False
    default_timeout_s: float | None = None


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    manufacturer: str
    model: str
    firmware: str
    serial: str


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What adding a camera by its ONVIF address finds."""

    device: DeviceInfo
    profile_token: str
    profile_name: str
    stream_uri: str
    snapshot_uri: str | None
    ptz: PtzCapabilities | None
    presets: list[Preset] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Controller:
    """Who asks for control: a user (from the principal) or a tour (``kind == "tour"``)."""

    name: str
    organisation: str
    role: str
    kind: str = "user"

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)
