"""Tracking settings (a pydantic model an installation's ``Settings`` can embed as ``tracking``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["TrackingSettings"]


class TrackingSettings(BaseModel):
    bind_host: str = "127.0.0.1"
    osmand_port: int = Field(default=5055, ge=0, le=65535)
    gt06_port: int = Field(default=5023, ge=0, le=65535)
    watch_port: int = Field(default=5093, ge=0, le=65535)
    teltonika_port: int = Field(default=5027, ge=0, le=65535)
    allow_unregistered: bool = Field(default=True, description="create unknown devices as unregistered (demo)")
    server_tz: str = Field(default="Europe/London", description="zone of OsmAnd 'yyyy-MM-dd HH:mm:ss' times")
    write_interval_s: float = Field(default=0.1, gt=0, description="batch commit period of the writer")
    writer_high_water_rows: int = Field(default=200_000, gt=0, description="pause reading above this backlog")
    sweep_interval_s: float = Field(default=5.0, gt=0, description="silence and 60 s zone-rule checks")
    idle_timeout_s: float = Field(default=600.0, gt=0, description="close TCP connections idle this long")
    default_interval_s: float = Field(default=30.0, gt=0)
    low_battery_pct: float = Field(default=15.0, ge=0, le=100)
    silent_factor: float = Field(default=2.5, ge=1)
    mqtt_host: str | None = Field(default=None, description="publish alerts to this MQTT broker when set")
    mqtt_port: int = 1883
    mqtt_topic_prefix: str = "citywatch/alerts"
