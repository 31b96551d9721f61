"""``PtzService``: the PTZ use cases the API calls. Arbitration first, then the camera, then the audit log.

One ``CameraControl`` per camera, built on first use and kept; one ticker task that lapses leases (and sends
cameras home where configured); one task per running tour. Everything runs on the event loop that serves the
API, so no locks are needed around the arbiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from citywatch.access.principal import Principal
from citywatch.ptz.arbitration import Arbiter, Lease
from citywatch.ptz.audit import AuditRecorder
from citywatch.ptz.control import CameraControl
from citywatch.ptz.errors import PtzError, PtzNotFound, PtzUnsupported
from citywatch.ptz.geometry import Optics, centre_translation
from citywatch.ptz.model import Controller, Position, Preset, PtzCapabilities, PtzStatus, Velocity
from citywatch.ptz.policy import CameraPtzSettings, PriorityPolicy
from citywatch.ptz.repository import PtzRepository, StoredSettings
from citywatch.ptz.tours import Tour, TourRunner
from citywatch.store.models import Camera
from citywatch.timeutil import now_us
from citywatch.video.cameras import CameraService

__all__ = ["Actor", "ControlFactory", "PtzService", "PtzView", "controller_for"]

log = logging.getLogger(__name__)
T = TypeVar("T")
ControlFactory = Callable[[Camera, str | None], CameraControl]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command, and from where (for the audit log)."""

    principal: Principal
    client: str | None = None

    @property
    def controller(self) -> Controller:
        return controller_for(self.principal)


def controller_for(principal: Principal) -> Controller:
    """Users are shown by display name where they have one: "controlled by PC Jane Smith (Met Police)"."""
    return Controller(principal.display_name or principal.username, principal.organisation, principal.role)


@dataclass(frozen=True, slots=True)
class PtzView:
    """What ``GET …/ptz`` shows: capabilities, position, the lease and tours; ``error`` if the camera is silent."""

    camera_id: int
    capabilities: PtzCapabilities | None
    status: PtzStatus | None
    lease: Lease | None
    your_priority: int
    may_reserve: bool
    tours: dict[int, TourRunner]
    error: str | None


def onvif_factory(camera: Camera, password: str | None) -> CameraControl:
    from citywatch.ptz.onvif_control import OnvifCameraControl

    if not camera.onvif_url:
        raise PtzUnsupported(f"camera {camera.name} has no ONVIF address; set onvif_url to control it")
    return OnvifCameraControl(camera.name, camera.onvif_url, camera.username, password)


class PtzService:
    def __init__(
        self,
        cameras: CameraService,
        repository: PtzRepository,
        audit: AuditRecorder,
        *,
        decrypt: Callable[[bytes], str],
        policy: PriorityPolicy | None = None,
        clock: Callable[[], int] = now_us,
        factory: ControlFactory = onvif_factory,
        tick_s: float = 0.5,
    ) -> None:
        self._cameras, self._repo, self._audit, self._decrypt = cameras, repository, audit, decrypt
        self._policy = policy or PriorityPolicy()
        self._clock, self._factory, self._tick_s = clock, factory, tick_s
        self._settings: dict[int, StoredSettings] = {}
        self._controls: dict[int, tuple[CameraControl, int]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self.arbiter = Arbiter(self._policy, lambda cid: self.settings(cid).arbitration, clock, audit)
        self.arbiter.on_change(self._publish)
        self._ticker: asyncio.Task[None] | None = None
        self._tours: dict[int, tuple[TourRunner, asyncio.Task[None]]] = {}
        self._watchers: dict[int, set[asyncio.Queue[Lease | None]]] = {}
        self._last_velocity: dict[int, tuple[tuple[str, str], Velocity]] = {}

    # --- wiring ----------------------------------------------------------------------------------
    def settings(self, camera_id: int) -> StoredSettings:
        if camera_id not in self._settings:
            self._settings[camera_id] = self._repo.settings(camera_id, self._cameras.get(camera_id).fov_deg)
        return self._settings[camera_id]

    def save_settings(
        self, camera_id: int, arbitration: CameraPtzSettings, optics: Optics, *, fixed_hfov: bool
    ) -> StoredSettings:
        self._cameras.get(camera_id)
        self._repo.save_settings(camera_id, arbitration, optics, fixed_hfov)
        self._settings.pop(camera_id, None)
        return self.settings(camera_id)

    def control(self, camera_id: int) -> CameraControl:
        """The camera's client, rebuilt when its configuration (address, credentials) changed since."""
        camera = self._cameras.get(camera_id)
        cached = self._controls.get(camera_id)
        if cached is not None and cached[1] == camera.updated_us:
            return cached[0]
        if cached is not None:
            self.forget(camera_id)
        password = self._decrypt(camera.password_enc) if camera.password_enc else None
        control = self._factory(camera, password)
        self._controls[camera_id] = (control, camera.updated_us)
        return control

    def forget(self, camera_id: int) -> None:
        """Drop the cached client and settings (after the camera's address or credentials change)."""
        cached = self._controls.pop(camera_id, None)
        self._settings.pop(camera_id, None)
        if cached is not None:
            task = asyncio.get_running_loop().create_task(cached[0].close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        for runner, task in list(self._tours.values()):
            runner.stop()
            task.cancel()
        if self._ticker is not None:
            self._ticker.cancel()
        for control, _updated in list(self._controls.values()):
            with contextlib.suppress(Exception):
                await control.close()
        self._controls.clear()

    # --- watchers (WebSocket) -----------------------------------------------------------------
    def watch(self, camera_id: int) -> asyncio.Queue[Lease | None]:
        queue: asyncio.Queue[Lease | None] = asyncio.Queue(maxsize=64)
        self._watchers.setdefault(camera_id, set()).add(queue)
        return queue

    def unwatch(self, camera_id: int, queue: asyncio.Queue[Lease | None]) -> None:
        self._watchers.get(camera_id, set()).discard(queue)

    def _publish(self, camera_id: int, lease: Lease | None) -> None:
        for queue in list(self._watchers.get(camera_id, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(lease)

    # --- the lease ticker -----------------------------------------------------------------------
    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        """Lapse leases on time; ends when none is left (the next command starts it again)."""
        while (next_us := self.arbiter.next_expiry_us()) is not None:
            wait_s = (next_us - self._clock()) / 1e6
            await asyncio.sleep(min(max(wait_s, 0.0) + 0.01, self._tick_s))
            for lease in self.arbiter.expire():
                self._last_velocity.pop(lease.camera_id, None)
                if lease.holder.kind == "user" and self.settings(lease.camera_id).arbitration.home_on_lapse:
                    await self._go_home_after(lease, "lapse")

    async def _go_home_after(self, lease: Lease, reason: str) -> None:
        try:
            await self.control(lease.camera_id).goto_home()
            self._audit(
                "ptz.home", None, camera_id=lease.camera_id, detail={"reason": reason, "after": lease.holder.name}
            )
        except PtzError as exc:
            self._audit(
                "ptz.home",
                None,
                camera_id=lease.camera_id,
                detail={"reason": reason, "error": str(exc)},
                outcome="failed",
            )

    # --- commands -------------------------------------------------------------------------------
    async def _command(
        self,
        actor: Actor,
        camera_id: int,
        command: str,
        op: Callable[[CameraControl], Awaitable[T]],
        detail: dict[str, object] | None = None,
        *,
        audited: bool = True,
    ) -> T:
        control = self.control(camera_id)
        self.arbiter.acquire(camera_id, actor.controller, actor.principal, command=command)
        self._ensure_ticker()
        try:
            result = await op(control)
        except PtzError as exc:
            await self._record(actor, camera_id, command, {**(detail or {}), "error": str(exc)}, "failed")
            raise
        if audited:
            await self._record(actor, camera_id, command, detail, "ok")
        return result

    async def _record(
        self, actor: Actor, camera_id: int, command: str, detail: dict[str, object] | None, outcome: str
    ) -> None:
        """Off the event loop: an audit append is ~1 ms, but its p95 under load is ~30 ms (fsync)."""
        await asyncio.to_thread(
            self._audit,
            f"ptz.{command}",
            actor.principal,
            camera_id=camera_id,
            client=actor.client,
            detail=detail,
            outcome=outcome,
        )

    async def move(self, actor: Actor, camera_id: int, velocity: Velocity, timeout_s: float = 1.0) -> Lease:
        """Joystick: ContinuousMove that the camera stops by itself after ``timeout_s`` (dead-man).

        Re-sends of the same velocity by the same user inside the timeout keep it moving and are not audited
        again; a new velocity, or a move after a stop, is.
        """
        v = velocity.clamped()
        if v.is_stop:
            await self.stop(actor, camera_id)
            return self._lease(camera_id)
        key = actor.controller.key
        fresh = self._last_velocity.get(camera_id) != (key, v)
        detail: dict[str, object] = {"pan": v.pan, "tilt": v.tilt, "zoom": v.zoom, "timeout_s": timeout_s}
        await self._command(actor, camera_id, "move", lambda c: c.continuous_move(v, timeout_s), detail, audited=fresh)
        self._last_velocity[camera_id] = (key, v)
        return self._lease(camera_id)

    def _lease(self, camera_id: int) -> Lease:
        lease = self.arbiter.holder(camera_id)
        assert lease is not None
        return lease

    async def stop(self, actor: Actor, camera_id: int) -> None:
        self._last_velocity.pop(camera_id, None)
        await self._command(actor, camera_id, "stop", lambda c: c.stop())

    async def absolute(self, actor: Actor, camera_id: int, position: Position, speed: float | None = None) -> None:
        p = position.clamped()
        detail: dict[str, object] = {"pan": p.pan, "tilt": p.tilt, "zoom": p.zoom}
        await self._command(actor, camera_id, "absolute", lambda c: c.absolute_move(p, speed), detail)

    async def relative(self, actor: Actor, camera_id: int, translation: Position) -> None:
        t = translation
        detail: dict[str, object] = {"pan": t.pan, "tilt": t.tilt, "zoom": t.zoom}
        await self._command(actor, camera_id, "relative", lambda c: c.relative_move(t), detail)

    async def centre(self, actor: Actor, camera_id: int, x: float, y: float) -> Position:
        """Click-to-centre: the point (x, y) of the picture becomes its centre, at the current zoom."""
        try:
            status = await self.control(camera_id).status()
            translation = centre_translation(x, y, status.position.zoom, self.settings(camera_id).optics)
        except ValueError as exc:
            raise PtzError(str(exc)) from exc
        detail: dict[str, object] = {"x": x, "y": y, "pan": translation.pan, "tilt": translation.tilt}
        await self._command(actor, camera_id, "centre", lambda c: c.relative_move(translation), detail)
        return translation

    async def home(self, actor: Actor, camera_id: int) -> None:
        await self._command(actor, camera_id, "home", lambda c: c.goto_home())

    async def goto_preset(self, actor: Actor, camera_id: int, token: str) -> None:
        await self._command(actor, camera_id, "preset.go", lambda c: c.goto_preset(token), {"preset": token})

    async def set_preset(self, actor: Actor, camera_id: int, name: str, token: str | None = None) -> str:
        if not name.strip():
            raise PtzError("a preset needs a name")
        detail: dict[str, object] = {"name": name, "preset": token}
        return await self._command(actor, camera_id, "preset.set", lambda c: c.set_preset(name.strip(), token), detail)

    async def remove_preset(self, actor: Actor, camera_id: int, token: str) -> None:
        presets = await self.control(camera_id).presets()
        if not any(p.token == token for p in presets):
            raise PtzNotFound(f"camera {camera_id} has no preset {token!r}")
        await self._command(actor, camera_id, "preset.remove", lambda c: c.remove_preset(token), {"preset": token})

    async def presets(self, camera_id: int) -> list[Preset]:
        return await self.control(camera_id).presets()

    async def position(self, camera_id: int) -> PtzStatus:
        return await self.control(camera_id).status()

    # --- control ownership ----------------------------------------------------------------------
    def take(self, actor: Actor, camera_id: int, reserve_s: float | None = None) -> Lease:
        self._cameras.get(camera_id)
        self._ensure_ticker()
        if reserve_s is not None:
            return self.arbiter.reserve(camera_id, actor.controller, actor.principal, reserve_s)
        lease = self.arbiter.acquire(camera_id, actor.controller, actor.principal, command="take")
        self._audit(
            "ptz.take",
            actor.principal,
            camera_id=camera_id,
            client=actor.client,
            end_us=lease.expires_us,
            detail={"priority": lease.priority},
        )
        return lease

    async def release(self, actor: Actor, camera_id: int) -> bool:
        lease = self.arbiter.release(camera_id, actor.controller, actor.principal)
        if lease is None:
            return False
        self._last_velocity.pop(camera_id, None)
        if self.settings(camera_id).arbitration.home_on_lapse:
            await self._go_home_after(lease, "release")
        return True

    async def view(self, principal: Principal, camera_id: int) -> PtzView:
        self._cameras.get(camera_id)
        who = controller_for(principal)
        caps = status = None
        error = None
        try:
            control = self.control(camera_id)
            caps = await control.capabilities()
            status = await control.status()
        except PtzError as exc:
            error = str(exc)
        tours = {tid: runner for tid, (runner, _t) in self._tours.items() if runner.tour.camera_id == camera_id}
        return PtzView(
            camera_id,
            caps,
            status,
            self.arbiter.holder(camera_id),
            self.arbiter.priority(camera_id, who),
            self._policy.may_reserve(who),
            tours,
            error,
        )

    # --- tours ----------------------------------------------------------------------------------
    def tours(self, camera_id: int) -> list[Tour]:
        self._cameras.get(camera_id)
        return self._repo.tours(camera_id)

    def tour_state(self, tour_id: int) -> TourRunner | None:
        entry = self._tours.get(tour_id)
        return entry[0] if entry is not None else None

    async def start_tour(self, actor: Actor, camera_id: int, tour_id: int) -> TourRunner:
        tour = self._repo.tour(camera_id, tour_id)
        for runner, _task in self._tours.values():
            if runner.tour.camera_id == camera_id:
                raise PtzError(f"tour {runner.tour.name!r} already runs on camera {camera_id}; stop it first")
        self.control(camera_id)
        self._ensure_ticker()

        async def goto(token: str) -> None:
            await self.control(camera_id).goto_preset(token)

        runner = TourRunner(tour, self.arbiter, goto, self._clock, started_by=actor.principal)
        task = asyncio.get_running_loop().create_task(runner.run())
        self._tours[tour_id] = (runner, task)
        task.add_done_callback(lambda _t: self._tours.pop(tour_id, None))
        self._audit(
            "ptz.tour.start",
            actor.principal,
            camera_id=camera_id,
            client=actor.client,
            detail={"tour": tour.name, "tour_id": tour_id},
        )
        return runner

    async def stop_tour(self, actor: Actor, camera_id: int, tour_id: int) -> None:
        entry = self._tours.get(tour_id)
        if entry is None or entry[0].tour.camera_id != camera_id:
            raise PtzNotFound(f"tour {tour_id} is not running on camera {camera_id}")
        runner, task = entry
        runner.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 5)
        self._audit(
            "ptz.tour.stop",
            actor.principal,
            camera_id=camera_id,
            client=actor.client,
            detail={"tour": runner.tour.name, "tour_id": tour_id},
        )
