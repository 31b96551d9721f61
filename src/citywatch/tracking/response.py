"""Automatic response to a sting-asset alert: swing the nearest PTZ cameras to it, hold the footage, audit it.

A covert car or property that moves, starts or raises its alarm at 3 a.m. may have nobody at a screen, so the
system acts first (docs/design/ptz.md, "alarm call-up"):

- **Which cameras.** The ``ptz_limit`` nearest PTZ cameras whose range reaches the alert's position are aimed at it
  (``citywatch.ptz.callup``); fixed cameras whose field of view covers the position are only held.
- **Which priority.** The system acts as the ``alarm_callup`` role (75): above a tour (50) and a partner (25),
  below every council and police user (≥ 100). An operator already at the joystick keeps the camera; the refusal is
  audited and the camera is still held, since it is likely looking near the asset anyway.
- **Which window.** Each camera is held from ``before_s`` before the alert (the approach) to ``after_s`` after it
  (the getaway); while the alert stays open the end moves on, so footage of a chase that lasts an hour is kept.

Every step is audited as the system actor: the PTZ commands by ``PtzService``, the holds and the response here.
Audit details and hold reasons name only the alert's id: people who may see a camera's holds or the audit log
must not learn of a covert asset (or where it is) from them.
Holds carry the reference ``tracking-alert-<id>``, which makes a repeated response (a restart) place no second hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.principal import Principal
from citywatch.ptz.actions import CallupResult, placements
from citywatch.ptz.audit import AuditRecorder
from citywatch.ptz.callup import Aim, CameraPlacement, plan_callup
from citywatch.ptz.errors import PtzBusy, PtzError
from citywatch.ptz.policy import ALARM_CALLUP_ROLE
from citywatch.ptz.service import Actor, PtzService
from citywatch.store.models import Camera, Hold
from citywatch.timeutil import now_us
from citywatch.tracking.camera_passes import CameraFov, in_view
from citywatch.tracking.domain import AlertKind, AlertState, to_us
from citywatch.tracking.models import AlertRow
from citywatch.tracking.services import AlertView, DeviceView

__all__ = [
    "HOLD_REFERENCE_PREFIX",
    "STING_KINDS",
    "SYSTEM_USERNAME",
    "AlertResponder",
    "ResponsePlan",
    "ResponsePolicy",
    "ResponseReport",
    "alarm_principal",
    "fixed_views",
    "plan_response",
]

log = logging.getLogger(__name__)

STING_KINDS = frozenset({AlertKind.STING_MOVED.value, AlertKind.STING_IGNITION.value, AlertKind.PROPERTY_ALARM.value})
SYSTEM_USERNAME = "system:alarm-callup"
HOLD_REFERENCE_PREFIX = "tracking-alert-"
_US = 1_000_000


def alarm_principal(organisation: str) -> Principal:
    """The system actor of an alarm call-up, as PTZ arbitration and the audit log see it."""
    return Principal(
        username=SYSTEM_USERNAME, role=ALARM_CALLUP_ROLE, organisation=organisation, display_name="Alarm call-up"
    )


@dataclass(frozen=True, slots=True)
class ResponsePolicy:
    before_s: float = 600.0  # held before the alert: the approach
    after_s: float = 1800.0  # held after it, and after now while the alert is open: the getaway
    ptz_limit: int = 3
    kinds: frozenset[str] = STING_KINDS

    def applies(self, alert: AlertView, device: DeviceView) -> bool:
        """A sting alert with a position; a covert asset leaving its zone counts too."""
        if alert.latitude is None or alert.longitude is None or alert.state == AlertState.CLOSED:
            return False
        return alert.kind in self.kinds or (device.covert and alert.kind == AlertKind.LEFT_ZONE)

    def window(self, raised_us: int, now_us: int) -> tuple[int, int]:
        return raised_us - int(self.before_s * _US), max(raised_us, now_us) + int(self.after_s * _US)


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    alert_id: int
    aims: tuple[Aim, ...]  # PTZ cameras to swing, nearest first
    covering: tuple[CameraFov, ...]  # fixed cameras whose view covers the position
    start_us: int
    end_us: int

    @property
    def hold_camera_ids(self) -> list[int]:
        return sorted({a.camera_id for a in self.aims} | {c.camera_id for c in self.covering})


@dataclass(frozen=True, slots=True)
class ResponseReport:
    plan: ResponsePlan
    callups: list[CallupResult]
    hold_ids: dict[int, int] = field(default_factory=dict)  # camera id → hold id (new or existing)


def fixed_views(cameras: Iterable[Camera]) -> list[CameraFov]:
    """Enabled fixed cameras with a position and a field of view (PTZ cameras point anywhere: they are aimed)."""
    out = []
    for c in cameras:
        lat, lon, bearing, fov, reach = c.latitude, c.longitude, c.bearing_deg, c.fov_deg, c.range_m
        if c.ptz or not c.enabled or lat is None or lon is None or bearing is None or fov is None or reach is None:
            continue
        out.append(CameraFov(c.id, c.name, lat, lon, bearing, fov, reach))
    return out


def plan_response(
    policy: ResponsePolicy,
    alert: AlertView,
    ptz_cameras: Iterable[CameraPlacement],
    fixed: Iterable[CameraFov],
    now_us: int,
) -> ResponsePlan:
    """Pure: which cameras to aim (and how), which to hold, and for how long."""
    if alert.latitude is None or alert.longitude is None:
        raise ValueError(f"alert {alert.id} has no position; there is nothing to aim cameras at")
    lat, lon = alert.latitude, alert.longitude
    aims = plan_callup(ptz_cameras, lat, lon, limit=policy.ptz_limit)
    covering = [v for v in fixed if in_view(v, lat, lon)]
    start_us, end_us = policy.window(to_us(alert.raised), now_us)
    return ResponsePlan(alert.id, tuple(aims), tuple(covering), start_us, end_us)


class AlertResponder:
    """Carries out ``plan_response`` for each new alert, and keeps the holds of open alerts running."""

    def __init__(
        self,
        cameras: Callable[[], list[Camera]],
        ptz: PtzService,
        sessions: sessionmaker[Session],
        audit: AuditRecorder,
        *,
        organisation: str,
        policy: ResponsePolicy | None = None,
        clock: Callable[[], int] = now_us,
    ) -> None:
        self._cameras, self._ptz, self._sessions, self._audit = cameras, ptz, sessions, audit
        self.policy = policy or ResponsePolicy()
        self.principal = alarm_principal(organisation)
        self._clock = clock

    async def respond(self, alert: AlertView, device: DeviceView) -> ResponseReport | None:
        """Aim, hold and audit; None when the alert does not call for it. Camera faults are reported, not raised."""
        if not self.policy.applies(alert, device):
            return None
        cameras = [c for c in await asyncio.to_thread(self._cameras) if c.enabled]
        plan = plan_response(self.policy, alert, placements(self._ptz, cameras), fixed_views(cameras), self._clock())
        actor = Actor(self.principal)
        callups = []
        for aim in plan.aims:
            try:
                await self._ptz.absolute(actor, aim.camera_id, aim.position)
                callups.append(CallupResult(aim, "moved"))
            except PtzError as exc:
                callups.append(CallupResult(aim, "refused" if isinstance(exc, PtzBusy) else "failed", str(exc)))
        hold_ids = await asyncio.to_thread(self._place_holds, plan, alert)
        await asyncio.to_thread(
            self._audit,
            "tracking.alert.response",
            self.principal,
            start_us=plan.start_us,
            end_us=plan.end_us,
            detail={
                "alert_id": alert.id,
                "callups": {str(r.aim.camera_id): r.outcome for r in callups},
                "held": sorted(hold_ids),
            },
            outcome="ok" if plan.hold_camera_ids else "no_camera",
        )
        return ResponseReport(plan, callups, hold_ids)

    def _place_holds(self, plan: ResponsePlan, alert: AlertView) -> dict[int, int]:
        reference = f"{HOLD_REFERENCE_PREFIX}{alert.id}"
        # Neutral words: whoever may see this camera's holds must not learn of a covert asset from them.
        reason = f"alarm call-up for tracking alert {alert.id}"
        out: dict[int, int] = {}
        placed: list[Hold] = []
        with self._sessions.begin() as s:
            existing = {
                h.camera_id: h.id
                for h in s.scalars(select(Hold).where(Hold.reference == reference, Hold.released_us.is_(None)))
            }
            for camera_id in plan.hold_camera_ids:
                if camera_id in existing:
                    out[camera_id] = existing[camera_id]
                    continue
                hold = Hold(
                    camera_id=camera_id,
                    start_us=plan.start_us,
                    end_us=plan.end_us,
                    reason=reason,
                    reference=reference,
                    created_by=SYSTEM_USERNAME,
                    created_us=self._clock(),
                )
                s.add(hold)
                placed.append(hold)
            s.flush()
            out.update({h.camera_id: h.id for h in placed})
        for h in placed:
            self._audit(
                "hold.place",
                self.principal,
                camera_id=h.camera_id,
                start_us=h.start_us,
                end_us=h.end_us,
                detail={"hold_id": h.id, "reason": reason, "reference": reference, "alert_id": alert.id},
            )
        return out

    def extend_holds(self) -> list[int]:
        """Move the end of open alerts' holds to ``after_s`` from now once a tenth of that has passed (so a hold
        is rewritten every few minutes, not every poll). Returns the ids of the holds extended."""
        now = self._clock()
        end_us = now + int(self.policy.after_s * _US)
        due_before = now + int(0.9 * self.policy.after_s * _US)
        extended: list[tuple[int, int, int, str]] = []
        with self._sessions.begin() as s:
            still_open = [st.value for st in AlertState if st is not AlertState.CLOSED]
            open_ids = s.scalars(select(AlertRow.id).where(AlertRow.state.in_(still_open))).all()
            refs = [f"{HOLD_REFERENCE_PREFIX}{i}" for i in open_ids]
            if not refs:
                return []
            q = select(Hold).where(Hold.reference.in_(refs), Hold.released_us.is_(None), Hold.end_us < due_before)
            for hold in s.scalars(q):
                extended.append((hold.id, hold.camera_id, hold.end_us, hold.reference))
                hold.end_us = end_us
        for hold_id, camera_id, old_end, reference in extended:
            self._audit(
                "hold.extend",
                self.principal,
                camera_id=camera_id,
                end_us=end_us,
                detail={"hold_id": hold_id, "reference": reference, "previous_end_us": old_end},
            )
        return [e[0] for e in extended]
