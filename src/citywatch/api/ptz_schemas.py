"""Request bodies of the PTZ routes (api/routes_ptz.py). Positions use ONVIF's generic spaces:
pan and tilt −1..1, zoom 0..1; velocities −1..1."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

__all__ = [
    "AbsoluteIn",
    "CallupIn",
    "CentreIn",
    "MoveIn",
    "PositionIn",
    "PresetIn",
    "ProbeIn",
    "SettingsIn",
    "StepIn",
    "TakeIn",
    "TourIn",
    "TranslationIn",
    "Unit",
    "WsMessage",
]

Unit = Annotated[float, Field(ge=-1, le=1)]


class PositionIn(BaseModel):
    pan: Unit = 0.0
    tilt: Unit = 0.0
    zoom: Annotated[float, Field(ge=0, le=1)] = 0.0


class TranslationIn(BaseModel):
    pan: Annotated[float, Field(ge=-2, le=2)] = 0.0
    tilt: Annotated[float, Field(ge=-2, le=2)] = 0.0
    zoom: Unit = 0.0


class AbsoluteIn(PositionIn):
    speed: Annotated[float, Field(gt=0, le=1)] | None = None


class MoveIn(BaseModel):
    pan: Unit = 0.0
    tilt: Unit = 0.0
    zoom: Unit = 0.0
    timeout_s: Annotated[float, Field(ge=0.1, le=10)] = 1.0


class CentreIn(BaseModel):
    x: Annotated[float, Field(ge=0, le=1)]
    y: Annotated[float, Field(ge=0, le=1)]


class TakeIn(BaseModel):
    reserve_s: Annotated[float, Field(gt=0)] | None = None


class PresetIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    token: str | None = None


class StepIn(BaseModel):
    preset: str
    dwell_s: Annotated[float, Field(ge=1, le=3600)]


class TourIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    steps: list[StepIn]
    resume_after_s: Annotated[float, Field(ge=0, le=3600)] = 60.0


class SettingsIn(BaseModel):
    lease_s: Annotated[float, Field(ge=2, le=600)] = 15.0
    home_on_lapse: bool = False
    max_reservation_s: Annotated[float, Field(ge=10, le=86400)] = 1800.0
    tour_resume_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    role_priority: dict[str, int] = Field(default_factory=dict)
    organisation_bonus: dict[str, int] = Field(default_factory=dict)
    hfov_wide_deg: Annotated[float, Field(ge=1, le=180)] | None = None
    max_zoom: Annotated[float, Field(ge=1, le=100)] = 20.0
    zoom_law: str = "geometric"
    tilt_range_deg: Annotated[float, Field(ge=1, le=180)] = 45.0
    mount_height_m: Annotated[float, Field(ge=0, le=200)] = 6.0


class ProbeIn(BaseModel):
    onvif_url: Annotated[str, Field(min_length=8, max_length=1000)]
    username: str | None = None
    password: str | None = None


class CallupIn(BaseModel):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    limit: Annotated[int, Field(ge=1, le=10)] = 3


class WsMessage(BaseModel):
    """One joystick message on the PTZ WebSocket."""

    type: str
    seq: int | None = None
    pan: Unit = 0.0
    tilt: Unit = 0.0
    zoom: Unit = 0.0
    timeout_s: Annotated[float, Field(ge=0.1, le=10)] = 1.0
