"""Domain views of tracking → response bodies, and what the tracking routes build once per app."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from fastapi import Request

from citywatch.api.deps import context
from citywatch.api.tracking_schemas import (
    AlertOut,
    CameraPassOut,
    DeviceOut,
    LastPositionOut,
    PositionOut,
    ProfileIO,
    ZoneOut,
)
from citywatch.secrets_box import SecretBox
from citywatch.timeutil import iso
from citywatch.tracking.camera_passes import CameraPass
from citywatch.tracking.domain import to_us
from citywatch.tracking.profiles import Contact, MissingPersonProfile, Place, ProfileStore
from citywatch.tracking.services import AlertView, DeviceView, PositionView, ZoneView

__all__ = [
    "TrackingApi",
    "alert_out",
    "device_out",
    "pass_out",
    "position_out",
    "profile_from",
    "profile_out",
    "tracking_api",
    "zone_out",
]

SILENT_FACTOR = 2.5  # as the pipeline's sweeper: no report for 2.5 × the expected interval
PASS_LEAD = timedelta(seconds=5)  # footage links open a little before the person reaches the view


@dataclass(slots=True)
class TrackingApi:
    """The tracking adapters the routes share, built on first use from the wired services."""

    profiles: ProfileStore
    cipher: SecretBox


def tracking_api(request: Request) -> TrackingApi:
    existing: TrackingApi | None = getattr(request.app.state, "tracking_api", None)
    if existing is None:
        services = context(request).services
        existing = TrackingApi(ProfileStore.in_data_dir(services.settings.data_dir, services.secrets), services.secrets)
        request.app.state.tracking_api = existing
    return existing


def _iso(t: datetime | None) -> str | None:
    return None if t is None else iso(to_us(t))


def device_out(d: DeviceView, last: PositionView | None, open_alerts: int, now: datetime) -> DeviceOut:
    if d.last_seen is None:
        status = "never_seen"
    elif (now - d.last_seen).total_seconds() > SILENT_FACTOR * d.expected_interval_s:
        status = "silent"
    else:
        status = "reporting"
    last_out = None
    if last is not None:
        battery = last.attributes.get("battery_pct")
        last_out = LastPositionOut(
            fix_time=iso(to_us(last.fix_time)),
            latitude=last.latitude,
            longitude=last.longitude,
            speed_kmh=last.speed_kmh,
            accuracy_m=last.accuracy_m,
            battery_pct=float(battery) if isinstance(battery, int | float) else None,
        )
    return DeviceOut(
        id=d.id,
        identifier=d.identifier,
        name=d.name,
        protocol=d.protocol,
        profile=d.profile,
        covert=d.covert,
        registered=d.registered,
        expected_interval_s=d.expected_interval_s,
        status=status,
        last_seen=_iso(d.last_seen),
        last_position=last_out,
        open_alerts=open_alerts,
    )


def position_out(p: PositionView) -> PositionOut:
    return PositionOut(
        id=p.id,
        fix_time=iso(to_us(p.fix_time)),
        latitude=p.latitude,
        longitude=p.longitude,
        speed_kmh=p.speed_kmh,
        course=p.course,
        accuracy_m=p.accuracy_m,
        archived=p.archived,
        attributes=p.attributes,
    )


def zone_out(z: ZoneView) -> ZoneOut:
    return ZoneOut(
        id=z.id,
        name=z.name,
        tier=z.tier,
        geometry=z.geometry,
        radius_m=z.radius_m,
        schedule=z.schedule,
        device_id=z.device_id,
    )


def alert_out(a: AlertView, device: DeviceView | None) -> AlertOut:
    return AlertOut(
        id=a.id,
        kind=a.kind,
        priority=a.priority,
        device_id=a.device_id,
        device_name=device.name if device else f"device {a.device_id}",
        covert=device.covert if device else False,
        zone_id=a.zone_id,
        raised=iso(to_us(a.raised)),
        state=a.state,
        message=a.message,
        latitude=a.latitude,
        longitude=a.longitude,
        assigned_to=a.assigned_to,
        notes=[{**n, "at": iso(int(n["at_us"]))} if "at_us" in n else n for n in a.notes],
        outcome=a.outcome,
    )


def pass_out(p: CameraPass) -> CameraPassOut:
    start = iso(to_us(p.start))
    at = iso(to_us(p.start - PASS_LEAD))
    return CameraPassOut(
        camera_id=p.camera_id,
        camera_name=p.name,
        start=start,
        end=iso(to_us(p.end)),
        closest_m=round(p.closest_m, 1),
        link=f"#/camera/{p.camera_id}?t={quote(at)}",
    )


def profile_out(p: MissingPersonProfile) -> ProfileIO:
    data = asdict(p)
    data["updated"] = _iso(p.updated)
    return ProfileIO.model_validate(data)


def profile_from(body: ProfileIO, by: str, now: datetime) -> MissingPersonProfile:
    return MissingPersonProfile(
        preferred_name=body.preferred_name,
        description=body.description,
        photo_ref=body.photo_ref,
        conditions=body.conditions,
        medication=body.medication,
        routines=body.routines,
        languages=body.languages,
        places=tuple(Place(**p.model_dump()) for p in body.places),
        contacts=tuple(Contact(**c.model_dump()) for c in body.contacts),
        notes=body.notes,
        updated=now,
        updated_by=by,
    )
