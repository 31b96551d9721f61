"""Request and response bodies of the tracking routes. Times are ISO 8601 UTC with a Z."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "AlertOut",
    "CameraPassOut",
    "ContactIO",
    "DeviceOut",
    "LastPositionOut",
    "NoteIn",
    "PlaceIO",
    "PositionOut",
    "ProfileIO",
    "ShareIn",
    "ShareOut",
    "SharedTrailOut",
    "ZoneOut",
]


class LastPositionOut(BaseModel):
    fix_time: str
    latitude: float
    longitude: float
    speed_kmh: float
    accuracy_m: float | None
    battery_pct: float | None


class DeviceOut(BaseModel):
    id: int
    identifier: str
    name: str
    protocol: str
    profile: str = Field(description="person | vehicle | property")
    covert: bool
    registered: bool
    expected_interval_s: float
    status: str = Field(description="reporting | silent (no report for 2.5 × the interval) | never_seen")
    last_seen: str | None
    last_position: LastPositionOut | None
    open_alerts: int


class PositionOut(BaseModel):
    id: int
    fix_time: str
    latitude: float
    longitude: float
    speed_kmh: float
    course: float | None
    accuracy_m: float | None
    archived: bool = Field(description="arrived late; in the trail but raised nothing")
    attributes: dict[str, Any]


class ZoneOut(BaseModel):
    id: int
    name: str
    tier: str = Field(description="care_unit | campus")
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon, or Point with radius_m")
    radius_m: float | None
    schedule: dict[str, Any] | None
    device_id: int | None


class AlertOut(BaseModel):
    id: int
    kind: str
    priority: int = Field(description="1 is the most urgent")
    device_id: int
    device_name: str
    covert: bool
    zone_id: int | None
    raised: str
    state: str
    message: str
    latitude: float | None
    longitude: float | None
    assigned_to: str | None
    notes: list[dict[str, Any]]
    outcome: str | None


class NoteIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class CameraPassOut(BaseModel):
    camera_id: int
    camera_name: str
    start: str
    end: str
    closest_m: float
    link: str = Field(description="web app route to the footage, a few seconds before the pass")


class PlaceIO(BaseModel):
    name: str = Field(max_length=200)
    note: str = Field(default="", max_length=1000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class ContactIO(BaseModel):
    name: str = Field(max_length=200)
    relationship: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)


class ProfileIO(BaseModel):
    """The Herbert Protocol form. ``updated`` and ``updated_by`` are set by the server."""

    preferred_name: str = ""
    description: str = ""
    photo_ref: str = Field(default="", description="URL or evidence reference of a recent photo")
    conditions: str = ""
    medication: str = ""
    routines: str = ""
    languages: str = ""
    places: list[PlaceIO] = Field(default_factory=list, max_length=50)
    contacts: list[ContactIO] = Field(default_factory=list, max_length=20)
    notes: str = ""
    updated: str | None = None
    updated_by: str = ""


class ShareIn(BaseModel):
    ttl_h: float = Field(default=6.0, gt=0, le=72, description="hours until the link stops working")
    trail_h: float = Field(default=2.0, gt=0, le=48, description="hours of trail before the alert to include")


class ShareOut(BaseModel):
    token: str
    url: str = Field(description="web app route of the read-only view (relative to the app)")
    api_url: str
    expires: str


class SharedTrailOut(BaseModel):
    device: DeviceOut
    alert: AlertOut
    trail: list[PositionOut]
    camera_passes: list[CameraPassOut]
    profile: ProfileIO | None
    expires: str
    issued_by: str
