"""Alert rules: what a processed fix (or a silence) means for a person, vehicle or property.

Each rule reads and updates one device's ``DeviceRuntime`` and returns ``Candidate`` alerts; the
pipeline numbers, stores and publishes them. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from citywatch.tracking.domain import ALERT_PRIORITY, AlertKind, DeviceInfo, Position, Profile
from citywatch.tracking.filters import LastFix
from citywatch.tracking.geo import haversine_m
from citywatch.tracking.zones import Tier, Zone, ZoneEvent, ZoneState, confirm_by_time, update_state

__all__ = ["Candidate", "DeviceRuntime", "RuleConfig", "alarm_rules", "silence_rules", "sting_rules", "zone_rules"]

RETURN_CONFIRM = timedelta(seconds=120)  # inside this long after an exit alert: "returned"
_PERSON_ALARMS = {
    "sos": AlertKind.SOS,
    "fall": AlertKind.FALL,
    "removed": AlertKind.REMOVED,
    "tampering": AlertKind.REMOVED,
}


@dataclass(frozen=True, slots=True)
class RuleConfig:
    low_battery_pct: float = 15.0
    alarm_repeat_s: float = 120.0  # the same alarm again within this is the device re-sending it
    silent_factor: float = 2.5  # no data for this many expected intervals: silent
    near_edge_m: float = 30.0
    sting_move_m: float = 50.0


@dataclass(slots=True)
class Candidate:
    kind: AlertKind
    message: str
    priority: int = 0  # 0: the kind's default
    zone_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    where: tuple[float, float] | None = None


@dataclass(slots=True)
class DeviceRuntime:
    """Everything the chain remembers about one device between fixes."""

    info: DeviceInfo
    last: LastFix | None = None
    last_seen: datetime | None = None  # server time of the latest message of any kind
    last_place: tuple[float, float] | None = None
    silent_alerted: bool = False
    low_battery_alerted: bool = False
    alarm_last: dict[AlertKind, datetime] = field(default_factory=dict)
    zone_states: dict[int, ZoneState] = field(default_factory=dict)
    ignition: bool | None = None
    sting_anchor: tuple[float, float] | None = None
    sting_moved: bool = False


def _label(rt: DeviceRuntime) -> str:
    return rt.info.name or rt.info.identifier


def alarm_rules(rt: DeviceRuntime, position: Position, cfg: RuleConfig) -> list[Candidate]:
    out: list[Candidate] = []
    now = position.server_time
    for alarm in position.alarms:
        if alarm == "low_battery":
            continue
        if rt.info.profile is Profile.PERSON:
            kind = _PERSON_ALARMS.get(alarm)
        else:
            kind = AlertKind.SOS if alarm == "sos" else AlertKind.PROPERTY_ALARM
        if kind is None:
            continue
        last = rt.alarm_last.get(kind)
        if last is not None and now - last < timedelta(seconds=cfg.alarm_repeat_s):
            continue
        rt.alarm_last[kind] = now
        out.append(Candidate(kind, f"{_label(rt)}: {alarm.replace('_', ' ')} alarm", details={"alarm": alarm}))
    pct = position.battery_pct
    flagged = "low_battery" in position.alarms
    if (flagged or (pct is not None and pct <= cfg.low_battery_pct)) and not rt.low_battery_alerted:
        rt.low_battery_alerted = True
        shown = f"{pct:.0f} %" if pct is not None else "device flag"
        out.append(
            Candidate(
                AlertKind.LOW_BATTERY,
                f"{_label(rt)}: battery low ({shown})",
                details={"battery_pct": pct, "device_flag": flagged},
            )
        )
    elif pct is not None and pct > cfg.low_battery_pct + 10 and not flagged:
        rt.low_battery_alerted = False
    return out


def _exit_priority(zone: Zone, state: ZoneState) -> int:
    return 1 if zone.tier is Tier.CAMPUS or state.suspect else ALERT_PRIORITY[AlertKind.LEFT_ZONE]


def zone_rules(rt: DeviceRuntime, zones: list[Zone], position: Position, *, decisive: bool) -> list[Candidate]:
    out: list[Candidate] = []
    for zone in zones:
        if zone.device_id is not None and zone.device_id != rt.info.id:
            continue
        st = rt.zone_states.get(zone.id)
        if st is None:
            st = rt.zone_states[zone.id] = ZoneState(rt.info.id, zone.id)
        event, details = update_state(st, zone, position, decisive=decisive)
        active = zone.active(position.fix_time)
        if st.inside and st.alerted and st.since is not None and position.fix_time - st.since >= RETURN_CONFIRM:
            # Back inside for long enough: a drift back over the line does not end (and re-raise) the alert.
            st.alerted, st.dirty = False, True
            out.append(
                Candidate(
                    AlertKind.RETURNED_TO_ZONE,
                    f"{_label(rt)} is back inside {zone.name} (since {st.since:%H:%M:%S} UTC)",
                    zone_id=zone.id,
                )
            )
        if event is ZoneEvent.EXCURSION and active:
            out.append(
                Candidate(
                    AlertKind.LEFT_ZONE,
                    f"{_label(rt)} left {zone.name} and came back between fixes",
                    priority=3,
                    zone_id=zone.id,
                    details=details,
                )
            )
        if st.inside is False and active and not st.alerted:
            st.alerted = st.dirty = True
            reason = details.get("reason", "outside while the zone applies")
            crossing = details.get("crossing")
            out.append(
                Candidate(
                    AlertKind.LEFT_ZONE,
                    f"{_label(rt)} left {zone.name} ({reason}); last fix {position.fix_time:%H:%M:%S} UTC",
                    priority=_exit_priority(zone, st),
                    zone_id=zone.id,
                    details={**details, "tier": str(zone.tier)},
                    where=(crossing[0], crossing[1]) if crossing else None,
                )
            )
    return out


def sting_rules(rt: DeviceRuntime, position: Position, cfg: RuleConfig, *, located: bool) -> list[Candidate]:
    out: list[Candidate] = []
    ignition = position.attributes.get("ignition")
    if isinstance(ignition, bool):
        if ignition and rt.ignition is False:
            out.append(Candidate(AlertKind.STING_IGNITION, f"{_label(rt)}: ignition switched on"))
        rt.ignition = ignition
    if not located:
        return out
    here = (position.latitude, position.longitude)
    if rt.sting_anchor is None:
        rt.sting_anchor = here
        return out
    moved = haversine_m(*rt.sting_anchor, *here)
    limit = max(cfg.sting_move_m, 2 * (position.accuracy_m or 0.0))
    if moved > limit and not rt.sting_moved:
        rt.sting_moved = True
        out.append(
            Candidate(
                AlertKind.STING_MOVED,
                f"{_label(rt)} moved {moved:.0f} m from where it was parked",
                details={"moved_m": round(moved, 1), "speed_kmh": position.speed_kmh},
            )
        )
    return out


def silence_rules(rt: DeviceRuntime, zones: dict[int, Zone], now: datetime, cfg: RuleConfig) -> list[Candidate]:
    out: list[Candidate] = []
    for st in rt.zone_states.values():
        zone = zones.get(st.zone_id)
        if zone is None:
            continue
        if confirm_by_time(st, now) is ZoneEvent.EXIT and zone.active(now) and not st.alerted:
            st.alerted = st.dirty = True
            out.append(
                Candidate(
                    AlertKind.LEFT_ZONE,
                    f"{_label(rt)} left {zone.name} (outside for 60 s)",
                    priority=_exit_priority(zone, st),
                    zone_id=zone.id,
                )
            )
    if rt.last_seen is None or rt.silent_alerted:
        return out
    quiet = (now - rt.last_seen).total_seconds()
    if quiet <= cfg.silent_factor * rt.info.expected_interval_s:
        return out
    rt.silent_alerted = True
    seen = f"{rt.last_seen:%H:%M:%S} UTC"
    place = rt.last_place
    where = f" at {place[0]:.5f},{place[1]:.5f}" if place else ""
    risky = [
        st
        for st in rt.zone_states.values()
        if st.zone_id in zones
        and zones[st.zone_id].active(now)
        and (
            st.inside is False
            or st.suspect
            or (
                st.last_distance_m is not None
                and abs(st.last_distance_m) < max(cfg.near_edge_m, 2 * st.last_accuracy_m)
            )
        )
    ]
    if rt.info.profile is Profile.PERSON and risky:
        names = ", ".join(zones[st.zone_id].name for st in risky)
        out.append(
            Candidate(
                AlertKind.LOST_CONTACT,
                f"lost contact with {_label(rt)}, last seen{where} at {seen} near or outside {names}",
                priority=1 if any(st.inside is False for st in risky) else 0,
                zone_id=risky[0].zone_id,
                details={"silent_s": round(quiet)},
                where=place,
            )
        )
    else:
        out.append(
            Candidate(
                AlertKind.TRACKER_SILENT,
                f"{_label(rt)} silent for {quiet:.0f} s, last seen{where} at {seen}",
                details={"silent_s": round(quiet)},
                where=place,
            )
        )
    return out
