"""Tracking tables on the shared declarative ``Base``. Times are integer microseconds UTC (``*_us``).

Table names carry a ``tracking_`` prefix so they never collide with other domains (``alarms`` is the
recorder's). Written by hand together with migration 0010; ``tests/tracking/test_models.py`` keeps the two
in step.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citywatch.store.models import WIDE_ID, Base

__all__ = ["POSITION_COLUMNS", "AlertRow", "DeviceRow", "PositionRow", "ZoneRow", "ZoneStateRow"]


class DeviceRow(Base):
    __tablename__ = "tracking_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), unique=True)  # IMEI or app id
    protocol: Mapped[str] = mapped_column(String(16))  # gt06 | watch | osmand | teltonika
    name: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str] = mapped_column(String(16))  # person | vehicle | property
    covert: Mapped[bool] = mapped_column(Boolean, default=False)
    clock_tz: Mapped[str] = mapped_column(String(64), default="UTC")  # zone of the device's clock
    expected_interval_s: Mapped[float] = mapped_column(Float, default=30.0)
    registered: Mapped[bool] = mapped_column(Boolean, default=True)  # False: created on first contact
    created_us: Mapped[int] = mapped_column(BigInteger)
    last_seen_us: Mapped[int | None] = mapped_column(BigInteger)


class PositionRow(Base):
    """The trail. ``archived``: arrived late (older than the device's latest fix); never raised events."""

    __tablename__ = "tracking_positions"
    __table_args__ = (Index("ix_tracking_positions_device_fix", "device_id", "fix_us"),)

    id: Mapped[int] = mapped_column(WIDE_ID, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("tracking_devices.id", ondelete="CASCADE"))
    device_us: Mapped[int | None] = mapped_column(BigInteger)
    fix_us: Mapped[int] = mapped_column(BigInteger)
    server_us: Mapped[int] = mapped_column(BigInteger)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float] = mapped_column(Float, default=0.0)
    course: Mapped[float | None] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    valid: Mapped[bool] = mapped_column(Boolean)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


# The pipeline hands position rows to the writer as tuples in this order (the hot path avoids dicts).
POSITION_COLUMNS = (
    "id",
    "device_id",
    "device_us",
    "fix_us",
    "server_us",
    "latitude",
    "longitude",
    "speed_kmh",
    "course",
    "altitude",
    "accuracy_m",
    "valid",
    "attributes",
    "archived",
)


class ZoneRow(Base):
    """A safe zone: a GeoJSON Polygon, or a Point with ``radius_m`` (a circle).

    ``schedule`` is NULL (always) or ``{"tz": "Europe/London", "windows": [["20:00", "08:00"]]}``.
    ``device_id`` NULL: the zone applies to every person-profile device.
    """

    __tablename__ = "tracking_zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16))  # care_unit | campus
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    radius_m: Mapped[float | None] = mapped_column(Float)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_devices.id", ondelete="CASCADE"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_us: Mapped[int] = mapped_column(BigInteger)


class ZoneStateRow(Base):
    """Inside/outside per device and zone, kept across restarts so an exit while offline is still seen."""

    __tablename__ = "tracking_zone_states"

    device_id: Mapped[int] = mapped_column(ForeignKey("tracking_devices.id", ondelete="CASCADE"), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("tracking_zones.id", ondelete="CASCADE"), primary_key=True)
    inside: Mapped[bool | None] = mapped_column(Boolean)
    since_us: Mapped[int] = mapped_column(BigInteger)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_since_us: Mapped[int | None] = mapped_column(BigInteger)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    last_distance_m: Mapped[float | None] = mapped_column(Float)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class AlertRow(Base):
    """An alert and its handling: new → acknowledged → assigned → escalated → closed (with an outcome)."""

    __tablename__ = "tracking_alerts"
    __table_args__ = (
        Index("ix_tracking_alerts_state_raised", "state", "raised_us"),
        Index("ix_tracking_alerts_device", "device_id", "raised_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)  # 1 = most urgent
    device_id: Mapped[int] = mapped_column(ForeignKey("tracking_devices.id", ondelete="CASCADE"))
    position_id: Mapped[int | None] = mapped_column(BigInteger)
    zone_id: Mapped[int | None] = mapped_column(Integer)
    raised_us: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(Text)
    updated_us: Mapped[int] = mapped_column(BigInteger)
