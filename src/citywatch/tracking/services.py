"""Use cases a web layer calls: devices, trails, zones and alert handling.

Each function takes a SQLAlchemy ``Session``, commits its own change, and returns dataclass views;
errors are the domain's own (``NotFoundError``, ``AlertStateError``, ``ValueError`` for bad input).
Covert devices (sting vehicles) are invisible unless ``include_covert`` is set by a caller that has
checked the user may see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from citywatch.tracking.domain import AlertState, Profile, from_us, to_us, utcnow
from citywatch.tracking.errors import AlertStateError, NotFoundError
from citywatch.tracking.models import AlertRow, DeviceRow, PositionRow, ZoneRow
from citywatch.tracking.zones import Schedule, Tier, Zone

__all__ = [
    "AlertView",
    "DeviceView",
    "PositionView",
    "ZoneView",
    "acknowledge_alert",
    "add_alert_note",
    "alerts_after",
    "assign_alert",
    "close_alert",
    "create_zone",
    "escalate_alert",
    "get_alert",
    "get_device",
    "last_alert_id",
    "latest_positions",
    "list_alerts",
    "list_devices",
    "list_zones",
    "positions",
    "register_device",
]


@dataclass(frozen=True, slots=True)
class DeviceView:
    id: int
    identifier: str
    protocol: str
    name: str
    profile: str
    covert: bool
    registered: bool
    expected_interval_s: float
    clock_tz: str
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class PositionView:
    id: int
    fix_time: datetime
    latitude: float
    longitude: float
    speed_kmh: float
    course: float | None
    accuracy_m: float | None
    valid: bool
    archived: bool
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ZoneView:
    id: int
    name: str
    tier: str
    geometry: dict[str, Any]
    radius_m: float | None
    schedule: dict[str, Any] | None
    device_id: int | None


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    kind: str
    priority: int
    device_id: int
    position_id: int | None
    zone_id: int | None
    raised: datetime
    state: str
    message: str
    latitude: float | None
    longitude: float | None
    assigned_to: str | None
    notes: list[dict[str, Any]]
    outcome: str | None


def _device_view(r: DeviceRow) -> DeviceView:
    return DeviceView(
        r.id,
        r.identifier,
        r.protocol,
        r.name,
        r.profile,
        r.covert,
        r.registered,
        r.expected_interval_s,
        r.clock_tz,
        from_us(r.last_seen_us) if r.last_seen_us else None,
    )


def _alert_view(r: AlertRow) -> AlertView:
    return AlertView(
        r.id,
        r.kind,
        r.priority,
        r.device_id,
        r.position_id,
        r.zone_id,
        from_us(r.raised_us),
        r.state,
        r.message,
        r.latitude,
        r.longitude,
        r.assigned_to,
        list(r.notes),
        r.outcome,
    )


def list_devices(session: Session, *, include_covert: bool = False) -> list[DeviceView]:
    q = select(DeviceRow).order_by(DeviceRow.name)
    if not include_covert:
        q = q.where(DeviceRow.covert.is_(False))
    return [_device_view(r) for r in session.scalars(q)]


def get_device(session: Session, device_id: int, *, include_covert: bool = False) -> DeviceView:
    return _device_view(_device(session, device_id, include_covert))


def latest_positions(session: Session, device_ids: list[int]) -> dict[int, PositionView]:
    """Each device's newest accepted fix (not archived, valid): where it is now."""
    if not device_ids:
        return {}
    newest = (
        select(PositionRow.device_id, func.max(PositionRow.fix_us).label("fix_us"))
        .where(PositionRow.device_id.in_(device_ids), PositionRow.archived.is_(False), PositionRow.valid.is_(True))
        .group_by(PositionRow.device_id)
        .subquery()
    )
    q = (
        select(PositionRow)
        .join(newest, (PositionRow.device_id == newest.c.device_id) & (PositionRow.fix_us == newest.c.fix_us))
        .order_by(PositionRow.id)
    )
    return {r.device_id: _position_view(r) for r in session.scalars(q)}


def _position_view(r: PositionRow) -> PositionView:
    return PositionView(
        r.id,
        from_us(r.fix_us),
        r.latitude,
        r.longitude,
        r.speed_kmh,
        r.course,
        r.accuracy_m,
        r.valid,
        r.archived,
        dict(r.attributes),
    )


def register_device(
    session: Session,
    identifier: str,
    protocol: str,
    name: str,
    *,
    profile: str = "person",
    covert: bool = False,
    clock_tz: str = "UTC",
    expected_interval_s: float = 30.0,
) -> DeviceView:
    """Register a device (or adopt one that reported while unregistered)."""
    Profile(profile)  # raises ValueError for an unknown profile
    if protocol not in ("gt06", "watch", "osmand", "teltonika"):
        raise ValueError(f"protocol {protocol!r} is not one of gt06, watch, osmand, teltonika")
    row = session.scalar(select(DeviceRow).where(DeviceRow.identifier == identifier))
    if row is None:
        row = DeviceRow(identifier=identifier, created_us=to_us(utcnow()), last_seen_us=None)
        session.add(row)
    row.protocol, row.name, row.profile, row.covert = protocol, name, profile, covert
    row.clock_tz, row.expected_interval_s, row.registered = clock_tz, expected_interval_s, True
    session.commit()
    return _device_view(row)


def _device(session: Session, device_id: int, include_covert: bool) -> DeviceRow:
    row = session.get(DeviceRow, device_id)
    if row is None or (row.covert and not include_covert):
        raise NotFoundError(f"device {device_id} does not exist")
    return row


def positions(
    session: Session,
    device_id: int,
    start: datetime,
    end: datetime,
    *,
    include_archived: bool = True,
    include_filtered: bool = False,
    include_covert: bool = False,
    limit: int = 10_000,
) -> list[PositionView]:
    """The trail of a device between ``start`` and ``end`` (fix time, UTC), oldest first."""
    _device(session, device_id, include_covert)
    q = (
        select(PositionRow)
        .where(PositionRow.device_id == device_id, PositionRow.fix_us >= to_us(start), PositionRow.fix_us < to_us(end))
        .order_by(PositionRow.fix_us, PositionRow.id)
        .limit(limit)
    )
    if not include_archived:
        q = q.where(PositionRow.archived.is_(False))
    out = []
    for r in session.scalars(q):
        if not include_filtered and (not r.valid or "filtered" in r.attributes):
            continue
        out.append(_position_view(r))
    return out


def create_zone(
    session: Session,
    name: str,
    tier: str,
    geometry: dict[str, Any],
    *,
    radius_m: float | None = None,
    schedule: dict[str, Any] | None = None,
    device_id: int | None = None,
) -> ZoneView:
    Tier(tier)
    Zone.from_geojson(0, name, tier, geometry, radius_m, schedule)  # validates geometry and schedule
    parsed = Schedule.from_json(schedule)
    schedule = parsed.to_json() if parsed is not None else None
    row = ZoneRow(
        name=name,
        tier=tier,
        geometry=geometry,
        radius_m=radius_m,
        schedule=schedule,
        device_id=device_id,
        enabled=True,
        created_us=to_us(utcnow()),
    )
    session.add(row)
    session.commit()
    return ZoneView(row.id, row.name, row.tier, row.geometry, row.radius_m, row.schedule, row.device_id)


def list_zones(session: Session) -> list[ZoneView]:
    rows = session.scalars(select(ZoneRow).where(ZoneRow.enabled.is_(True)).order_by(ZoneRow.id))
    return [ZoneView(r.id, r.name, r.tier, r.geometry, r.radius_m, r.schedule, r.device_id) for r in rows]


def list_alerts(
    session: Session,
    *,
    states: list[str] | None = None,
    device_id: int | None = None,
    include_covert: bool = False,
    raised_since: datetime | None = None,
    limit: int = 200,
) -> list[AlertView]:
    """Most urgent first, then newest. With ``states`` and ``raised_since`` together, alerts matching
    either are returned (the control room's "open, and everything recent")."""
    q = select(AlertRow).join(DeviceRow, DeviceRow.id == AlertRow.device_id)
    in_states = AlertRow.state.in_([AlertState(s).value for s in states]) if states else None
    recent = AlertRow.raised_us >= to_us(raised_since) if raised_since is not None else None
    if in_states is not None and recent is not None:
        q = q.where(or_(in_states, recent))
    elif in_states is not None:
        q = q.where(in_states)
    elif recent is not None:
        q = q.where(recent)
    if device_id is not None:
        q = q.where(AlertRow.device_id == device_id)
    if not include_covert:
        q = q.where(DeviceRow.covert.is_(False))
    q = q.order_by(AlertRow.priority, AlertRow.raised_us.desc()).limit(limit)
    return [_alert_view(r) for r in session.scalars(q)]


def last_alert_id(session: Session) -> int:
    """The newest alert's id (0 when there is none): where a watcher of new alerts starts."""
    return int(session.scalar(select(func.max(AlertRow.id))) or 0)


def alerts_after(session: Session, after_id: int, *, limit: int = 500) -> list[tuple[AlertView, DeviceView]]:
    """Alerts with an id above ``after_id``, oldest first, each with its device (covert ones included:
    the caller decides who sees them). Ids only grow, so a watcher polls with the last id it saw."""
    q = (
        select(AlertRow, DeviceRow)
        .join(DeviceRow, DeviceRow.id == AlertRow.device_id)
        .where(AlertRow.id > after_id)
        .order_by(AlertRow.id)
        .limit(limit)
    )
    return [(_alert_view(a), _device_view(d)) for a, d in session.execute(q).all()]


def get_alert(session: Session, alert_id: int, *, include_covert: bool = False) -> AlertView:
    return _alert_view(_alert(session, alert_id, include_covert))


def _alert(session: Session, alert_id: int, include_covert: bool) -> AlertRow:
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise NotFoundError(f"alert {alert_id} does not exist (alerts reach the database within ~100 ms)")
    _device(session, row.device_id, include_covert)
    return row


_ALLOWED = {
    AlertState.ACKNOWLEDGED: {AlertState.NEW},
    AlertState.ASSIGNED: {AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.ASSIGNED, AlertState.ESCALATED},
    AlertState.ESCALATED: {AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.ASSIGNED},
    AlertState.CLOSED: {AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.ASSIGNED, AlertState.ESCALATED},
}


def _transition(
    session: Session,
    alert_id: int,
    to: AlertState,
    by: str,
    note: str | None,
    include_covert: bool,
    **changes: Any,
) -> AlertView:
    row = _alert(session, alert_id, include_covert)
    if AlertState(row.state) not in _ALLOWED[to]:
        raise AlertStateError(f"alert {alert_id} is {row.state}; it cannot become {to}")
    now = to_us(utcnow())
    row.state, row.updated_us = to.value, now
    for key, value in changes.items():
        setattr(row, key, value)
    row.notes = [*row.notes, {"at_us": now, "by": by, "action": to.value, "text": note or ""}]
    session.commit()
    return _alert_view(row)


def add_alert_note(
    session: Session, alert_id: int, by: str, action: str, text: str, *, include_covert: bool = False
) -> AlertView:
    """Record something done about an alert without changing its state (e.g. shared with police)."""
    row = _alert(session, alert_id, include_covert)
    now = to_us(utcnow())
    row.updated_us = now
    row.notes = [*row.notes, {"at_us": now, "by": by, "action": action, "text": text}]
    session.commit()
    return _alert_view(row)


def acknowledge_alert(
    session: Session, alert_id: int, by: str, *, note: str | None = None, include_covert: bool = False
) -> AlertView:
    return _transition(session, alert_id, AlertState.ACKNOWLEDGED, by, note, include_covert)


def assign_alert(
    session: Session, alert_id: int, to: str, by: str, *, note: str | None = None, include_covert: bool = False
) -> AlertView:
    if not to.strip():
        raise ValueError("assign_alert needs the name of the person or team it goes to")
    return _transition(session, alert_id, AlertState.ASSIGNED, by, note, include_covert, assigned_to=to)


def escalate_alert(session: Session, alert_id: int, by: str, reason: str, *, include_covert: bool = False) -> AlertView:
    row = _alert(session, alert_id, include_covert)
    return _transition(
        session, alert_id, AlertState.ESCALATED, by, reason, include_covert, priority=max(1, row.priority - 1)
    )


def close_alert(session: Session, alert_id: int, by: str, outcome: str, *, include_covert: bool = False) -> AlertView:
    if not outcome.strip():
        raise ValueError("closing an alert needs an outcome (e.g. 'found safe in the café')")
    return _transition(session, alert_id, AlertState.CLOSED, by, outcome, include_covert, outcome=outcome)
