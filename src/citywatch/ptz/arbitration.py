"""Who controls each camera now: leases renewed by use, take-over by priority, reservations.

ONVIF has no lock between users, so the platform arbitrates. Pure and clock-injected (``clock`` returns UTC
microseconds): the service calls ``expire()`` on a timer, tests call it after moving a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from citywatch.access.principal import Principal
from citywatch.ptz.audit import AuditRecorder
from citywatch.ptz.errors import PtzBusy, PtzError
from citywatch.ptz.model import Controller
from citywatch.ptz.policy import CameraPtzSettings, PriorityPolicy
from citywatch.timeutil import iso

__all__ = ["Arbiter", "Lease"]

_US = 1_000_000


@dataclass(frozen=True, slots=True)
class Lease:
    camera_id: int
    holder: Controller
    priority: int
    granted_us: int
    expires_us: int
    reserved_until_us: int | None = None

    @property
    def reserved(self) -> bool:
        return self.reserved_until_us is not None


ChangeListener = Callable[[int, Lease | None], None]


class Arbiter:
    def __init__(
        self,
        policy: PriorityPolicy,
        settings_for: Callable[[int], CameraPtzSettings],
        clock: Callable[[], int],
        audit: AuditRecorder,
    ) -> None:
        self._policy, self._settings_for, self._clock, self._audit = policy, settings_for, clock, audit
        self._leases: dict[int, Lease] = {}
        self._listeners: list[ChangeListener] = []

    def on_change(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _changed(self, camera_id: int, lease: Lease | None) -> None:
        for listener in list(self._listeners):
            listener(camera_id, lease)

    def priority(self, camera_id: int, who: Controller) -> int:
        return self._policy.priority(who, self._settings_for(camera_id))

    def holder(self, camera_id: int) -> Lease | None:
        """The live lease, or None; a lease past its expiry counts as gone even before ``expire()`` runs."""
        lease = self._leases.get(camera_id)
        if lease is None or lease.expires_us <= self._clock():
            return None
        return lease

    def acquire(self, camera_id: int, who: Controller, principal: Principal | None, *, command: str) -> Lease:
        """Grant or renew control for one command; take over from a lower priority; else raise ``PtzBusy``."""
        now = self._clock()
        settings = self._settings_for(camera_id)
        priority = self._policy.priority(who, settings)
        current = self.holder(camera_id)
        lease_us = int(settings.lease_s * _US)
        if current is not None and current.holder.key == who.key:
            renewed = replace(current, priority=priority, expires_us=max(current.expires_us, now + lease_us))
            self._leases[camera_id] = renewed
            return renewed
        if current is not None and priority <= current.priority:
            self._refuse(camera_id, who, principal, current, command, priority)
        lease = Lease(camera_id, who, priority, now, now + lease_us)
        self._leases[camera_id] = lease
        if current is not None:
            self._audit(
                "ptz.takeover",
                principal,
                camera_id=camera_id,
                detail={
                    "command": command,
                    "by": who.name,
                    "by_kind": who.kind,
                    "priority": priority,
                    "from": current.holder.name,
                    "from_organisation": current.holder.organisation,
                    "from_kind": current.holder.kind,
                    "from_priority": current.priority,
                    "from_reserved": current.reserved,
                },
            )
        self._changed(camera_id, lease)
        return lease

    def _refuse(
        self, camera_id: int, who: Controller, principal: Principal | None, current: Lease, command: str, priority: int
    ) -> None:
        holder = current.holder
        message = (
            f"camera {camera_id} is controlled by {holder.name} ({holder.organisation}) until "
            f"{iso(current.expires_us)[:19]}Z; a higher priority than yours ({priority}) is needed to take over"
        )
        self._audit(
            "ptz.refused",
            principal,
            camera_id=camera_id,
            detail={
                "command": command,
                "by": who.name,
                "priority": priority,
                "holder": holder.name,
                "holder_priority": current.priority,
            },
            outcome="refused",
        )
        raise PtzBusy(message, holder=holder.name, organisation=holder.organisation, until_us=current.expires_us)

    def reserve(self, camera_id: int, who: Controller, principal: Principal | None, duration_s: float) -> Lease:
        """Take control for ``duration_s`` regardless of inactivity (privileged roles only, capped per camera)."""
        settings = self._settings_for(camera_id)
        if not self._policy.may_reserve(who):
            raise PtzError(f"{who.name} ({who.role}) may not reserve cameras; take control by using it instead")
        if not 0 < duration_s <= settings.max_reservation_s:
            raise PtzError(
                f"a reservation lasts between 1 s and {settings.max_reservation_s:.0f} s on camera {camera_id}"
            )
        lease = self.acquire(camera_id, who, principal, command="reserve")
        until = self._clock() + int(duration_s * _US)
        reserved = replace(lease, expires_us=max(lease.expires_us, until), reserved_until_us=until)
        self._leases[camera_id] = reserved
        self._audit(
            "ptz.reserve",
            principal,
            camera_id=camera_id,
            end_us=until,
            detail={"by": who.name, "duration_s": duration_s, "priority": reserved.priority},
        )
        self._changed(camera_id, reserved)
        return reserved

    def release(self, camera_id: int, who: Controller, principal: Principal | None) -> Lease | None:
        """Give control back; releasing someone else's lease is a no-op (it says so by returning None)."""
        current = self.holder(camera_id)
        if current is None or current.holder.key != who.key:
            return None
        del self._leases[camera_id]
        self._audit("ptz.release", principal, camera_id=camera_id, detail={"by": who.name})
        self._changed(camera_id, None)
        return current

    def expire(self) -> list[Lease]:
        """Drop lapsed leases, audit each and return them (the service sends cameras home if configured)."""
        now = self._clock()
        lapsed = [lease for lease in self._leases.values() if lease.expires_us <= now]
        for lease in lapsed:
            del self._leases[lease.camera_id]
            self._audit(
                "ptz.lapse",
                None,
                camera_id=lease.camera_id,
                start_us=lease.granted_us,
                end_us=lease.expires_us,
                detail={"holder": lease.holder.name, "holder_kind": lease.holder.kind, "reserved": lease.reserved},
            )
            self._changed(lease.camera_id, None)
        return lapsed

    def next_expiry_us(self) -> int | None:
        return min((lease.expires_us for lease in self._leases.values()), default=None)
