"""The per-device ordered chain: time fix → filter → safe zones / sting rules → store → alerts.

Single-threaded by design: listeners call ``process`` on the event loop for each decoded position, so
positions of one device are handled in arrival order without locks. Row ids are allocated here (one
writer process owns the tracking tables), so an alert can name its position before the batch writer
has committed either; rows go to a ``RowSink`` that commits them in batches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from citywatch.tracking.alerts import AlertBus
from citywatch.tracking.domain import ALERT_PRIORITY, AlertState, DeviceInfo, Position, Profile, RaisedAlert, to_us
from citywatch.tracking.filters import FilterConfig, LastFix, apply_device_clock, judge
from citywatch.tracking.rules import (
    Candidate,
    DeviceRuntime,
    RuleConfig,
    alarm_rules,
    silence_rules,
    sting_rules,
    zone_rules,
)
from citywatch.tracking.zones import Zone, ZoneState

__all__ = ["Pipeline", "PipelineConfig", "RowSink"]

log = logging.getLogger(__name__)
_DEFAULT_PROFILE = {"teltonika": Profile.VEHICLE}


class RowSink(Protocol):
    """Receives rows to commit: dicts, except ``tracking_positions`` rows (tuples in ``POSITION_COLUMNS`` order)."""

    def add(self, table: str, row: dict[str, Any] | tuple[Any, ...]) -> None: ...

    @property
    def overloaded(self) -> bool:
        """True when producers should pause (the database is behind)."""
        ...

    def on_drained(self, callback: Callable[[], None]) -> None: ...


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    allow_unregistered: bool = True
    default_interval_s: float = 30.0
    filters: FilterConfig = field(default_factory=FilterConfig)
    rules: RuleConfig = field(default_factory=RuleConfig)


class Pipeline:
    def __init__(self, bus: AlertBus, sink: RowSink, config: PipelineConfig | None = None) -> None:
        self.bus, self.sink = bus, sink
        self.config = config or PipelineConfig()
        self.devices: dict[str, DeviceRuntime] = {}
        self.zones: dict[int, Zone] = {}
        self._zone_list: list[Zone] = []
        self.next_ids = {"device": 1, "position": 1, "alert": 1}
        self.processed = 0

    # --- state -----------------------------------------------------------------------------------
    def set_zones(self, zones: list[Zone]) -> None:
        self.zones = {z.id: z for z in zones}
        self._zone_list = list(zones)

    def add_device(self, info: DeviceInfo) -> DeviceRuntime:
        rt = self.devices.get(info.identifier)
        if rt is None:
            rt = self.devices[info.identifier] = DeviceRuntime(info)
        else:
            rt.info = info
        self.next_ids["device"] = max(self.next_ids["device"], info.id + 1)
        return rt

    def resolve(self, identifier: str, protocol: str, *, server_time: datetime) -> DeviceRuntime | None:
        """The device's runtime; creates an unregistered device when allowed, else None."""
        rt = self.devices.get(identifier)
        if rt is not None or not self.config.allow_unregistered:
            return rt
        info = DeviceInfo(
            id=self._alloc("device"),
            identifier=identifier,
            protocol=protocol,
            name=f"unregistered {protocol} {identifier}",
            profile=_DEFAULT_PROFILE.get(protocol, Profile.PERSON),
            expected_interval_s=self.config.default_interval_s,
            registered=False,
        )
        log.info("tracking: new unregistered %s device %s", protocol, identifier)
        self.sink.add(
            "tracking_devices",
            {
                "id": info.id,
                "identifier": identifier,
                "protocol": protocol,
                "name": info.name,
                "profile": str(info.profile),
                "covert": False,
                "clock_tz": "UTC",
                "expected_interval_s": info.expected_interval_s,
                "registered": False,
                "created_us": to_us(server_time),
                "last_seen_us": None,
            },
        )
        return self.add_device(info)

    def _alloc(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return value

    # --- the chain -------------------------------------------------------------------------------
    def process(self, position: Position) -> list[RaisedAlert]:
        """Run one decoded position through the chain; the device must have been resolved."""
        rt = self.devices[position.device]
        cfg = self.config
        self.processed += 1
        apply_device_clock(position, rt.info.clock_tz)
        verdict = judge(position, rt.last, rt.info.profile, cfg.filters)
        rt.last_seen = position.server_time
        rt.silent_alerted = False
        if verdict.reason and verdict.reason != "late":
            position.attributes["filtered"] = verdict.reason
        if verdict.late:
            position.archived = True
            self._store(rt, position)
            return []
        if not verdict.store:
            return self._emit(rt, position, None, alarm_rules(rt, position, cfg.rules))
        if not position.valid and position.latitude == 0 and position.longitude == 0 and rt.last_place:
            position.latitude, position.longitude = rt.last_place  # keep the trail on the map
        pid = self._store(rt, position)
        if verdict.locate:
            jump = rt.last.jump if rt.last else None
            rt.last = LastFix(position.fix_time, position.latitude, position.longitude, jump)
            rt.last_place = (position.latitude, position.longitude)
        candidates = alarm_rules(rt, position, cfg.rules)
        if rt.info.profile is Profile.PERSON:
            if verdict.locate and rt.info.registered:  # zones are for people known to the control room
                candidates += zone_rules(rt, self._zone_list, position, decisive=verdict.decisive)
                self._store_zone_states(rt, position.server_time)
        else:
            candidates += sting_rules(rt, position, cfg.rules, located=verdict.locate)
        return self._emit(rt, position, pid, candidates)

    def sweep(self, now: datetime) -> list[RaisedAlert]:
        """Silence and time-based zone checks; the runtime calls it every few seconds."""
        raised: list[RaisedAlert] = []
        for rt in self.devices.values():
            candidates = silence_rules(rt, self.zones, now, self.config.rules)
            if candidates:
                raised += self._emit(rt, None, None, candidates, now=now)
                self._store_zone_states(rt, now)
        return raised

    # --- output ----------------------------------------------------------------------------------
    def _store(self, rt: DeviceRuntime, p: Position) -> int:
        pid = self._alloc("position")
        self.sink.add(
            "tracking_positions",
            (  # POSITION_COLUMNS order
                pid, rt.info.id, to_us(p.device_time) if p.device_time else None, to_us(p.fix_time),
                to_us(p.server_time), p.latitude, p.longitude, p.speed_kmh, p.course, p.altitude, p.accuracy_m,
                p.valid, p.attributes, p.archived,
            ),
        )  # fmt: skip
        return pid

    def _store_zone_states(self, rt: DeviceRuntime, now: datetime) -> None:
        for st in rt.zone_states.values():
            if st.dirty:
                st.dirty = False
                self.sink.add("tracking_zone_states", _zone_state_row(st, now))

    def _emit(
        self,
        rt: DeviceRuntime,
        position: Position | None,
        pid: int | None,
        candidates: list[Candidate],
        *,
        now: datetime | None = None,
    ) -> list[RaisedAlert]:
        raised = []
        for c in candidates:
            at = position.server_time if position is not None else now
            assert at is not None
            where = c.where or ((position.latitude, position.longitude) if position is not None else rt.last_place)
            alert = RaisedAlert(
                id=self._alloc("alert"),
                kind=c.kind,
                priority=c.priority or ALERT_PRIORITY[c.kind],
                device_id=rt.info.id,
                device=rt.info.identifier,
                raised=at,
                message=c.message,
                position_id=pid,
                zone_id=c.zone_id,
                latitude=where[0] if where else None,
                longitude=where[1] if where else None,
                fix_time=position.fix_time if position else None,
                received=position.server_time if position else None,
                details=c.details,
            )
            self.sink.add(
                "tracking_alerts",
                {
                    "id": alert.id,
                    "kind": str(alert.kind),
                    "priority": alert.priority,
                    "device_id": alert.device_id,
                    "position_id": pid,
                    "zone_id": alert.zone_id,
                    "raised_us": to_us(at),
                    "state": str(AlertState.NEW),
                    "message": alert.message,
                    "latitude": alert.latitude,
                    "longitude": alert.longitude,
                    "assigned_to": None,
                    "notes": [],
                    "outcome": None,
                    "updated_us": to_us(at),
                },
            )
            self.bus.publish(alert)
            raised.append(alert)
        return raised


def _zone_state_row(st: ZoneState, now: datetime) -> dict[str, Any]:
    return {
        "device_id": st.device_id,
        "zone_id": st.zone_id,
        "inside": st.inside,
        "since_us": to_us(st.since or now),
        "pending_count": st.pending_count,
        "pending_since_us": to_us(st.pending_since) if st.pending_since else None,
        "alerted": st.alerted,
        "suspect": st.suspect,
        "last_distance_m": st.last_distance_m,
        "updated_us": to_us(now),
    }
