"""Domain objects of tracking: positions, devices, alerts. Plain dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "ALERT_PRIORITY",
    "AlertKind",
    "AlertState",
    "Decoded",
    "DeviceInfo",
    "Position",
    "Profile",
    "RaisedAlert",
    "from_us",
    "to_us",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_us(t: datetime) -> int:
    """Microseconds since the Unix epoch (UTC) for an aware datetime."""
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Profile(StrEnum):
    PERSON = "person"  # a wearable on a person with dementia
    VEHICLE = "vehicle"  # e.g. a covert police sting car
    PROPERTY = "property"  # a sting property (bait bike, laptop…)


@dataclass(slots=True)
class Position:
    """One report from a device. ``fix_time`` is UTC after the device-clock fix."""

    device: str  # the device identifier (IMEI or app id)
    protocol: str
    fix_time: datetime
    valid: bool
    latitude: float
    longitude: float
    server_time: datetime = field(default_factory=utcnow)
    device_time: datetime | None = None  # as the device stamped it, read as UTC
    speed_kmh: float = 0.0
    course: float | None = None
    altitude: float | None = None
    accuracy_m: float | None = None
    satellites: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    archived: bool = False

    @property
    def alarms(self) -> tuple[str, ...]:
        """Alarm kinds carried by this report (``attributes["alarm"]`` is comma separated)."""
        raw = self.attributes.get("alarm")
        if not raw:
            return ()
        return tuple(a for a in str(raw).split(",") if a)

    def add_alarm(self, kind: str) -> None:
        present = self.alarms
        if kind not in present:
            self.attributes["alarm"] = ",".join((*present, kind))

    @property
    def battery_pct(self) -> float | None:
        value = self.attributes.get("battery_pct")
        return float(value) if isinstance(value, int | float) else None

    @property
    def source(self) -> str:
        """``gps`` unless the device says the location came from cell towers or Wi-Fi."""
        return str(self.attributes.get("source", "gps"))


@dataclass(slots=True)
class Decoded:
    """What a decoder made of one frame: positions, the exact reply bytes, the device it named."""

    message: str  # e.g. "login", "location", "heartbeat"
    positions: list[Position] = field(default_factory=list)
    reply: bytes | None = None
    identifier: str | None = None
    crc_ok: bool = True


@dataclass(slots=True)
class DeviceInfo:
    id: int
    identifier: str
    protocol: str
    name: str
    profile: Profile = Profile.PERSON
    covert: bool = False
    clock_tz: str = "UTC"
    expected_interval_s: float = 30.0
    registered: bool = True


class AlertKind(StrEnum):
    LEFT_ZONE = "left_zone"
    RETURNED_TO_ZONE = "returned_to_zone"
    SOS = "sos"
    FALL = "fall"
    REMOVED = "removed"
    LOW_BATTERY = "low_battery"
    TRACKER_SILENT = "tracker_silent"
    LOST_CONTACT = "lost_contact"
    STING_MOVED = "sting_moved"
    STING_IGNITION = "sting_ignition"
    PROPERTY_ALARM = "property_alarm"


class AlertState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    CLOSED = "closed"


# 1 is the most urgent.
ALERT_PRIORITY: dict[AlertKind, int] = {
    AlertKind.SOS: 1,
    AlertKind.STING_MOVED: 1,
    AlertKind.STING_IGNITION: 1,
    AlertKind.LEFT_ZONE: 2,
    AlertKind.FALL: 2,
    AlertKind.LOST_CONTACT: 2,
    AlertKind.PROPERTY_ALARM: 2,
    AlertKind.REMOVED: 3,
    AlertKind.TRACKER_SILENT: 3,
    AlertKind.LOW_BATTERY: 4,
    AlertKind.RETURNED_TO_ZONE: 4,
}


@dataclass(slots=True)
class RaisedAlert:
    """An alert as raised by the pipeline and delivered to subscribers (ids allocated in process)."""

    id: int
    kind: AlertKind
    priority: int
    device_id: int
    device: str
    raised: datetime
    message: str
    position_id: int | None = None
    zone_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    fix_time: datetime | None = None
    received: datetime | None = None  # server time of the position that caused it (latency)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "priority": self.priority,
            "device_id": self.device_id,
            "device": self.device,
            "raised": self.raised.isoformat(),
            "message": self.message,
            "position_id": self.position_id,
            "zone_id": self.zone_id,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "fix_time": self.fix_time.isoformat() if self.fix_time else None,
            "details": self.details,
        }
