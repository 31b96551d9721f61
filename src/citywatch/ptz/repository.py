"""Storage of PTZ settings and tours (tables in ``models.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.ptz.errors import PtzError, PtzNotFound
from citywatch.ptz.geometry import Optics
from citywatch.ptz.models import PtzSettingsRow, PtzTourRow
from citywatch.ptz.policy import CameraPtzSettings
from citywatch.ptz.tours import Tour, TourStep
from citywatch.timeutil import now_us

__all__ = ["PtzRepository", "StoredSettings"]


@dataclass(frozen=True, slots=True)
class StoredSettings:
    arbitration: CameraPtzSettings
    optics: Optics
    hfov_from_camera: bool  # True when no calibration row fixes the wide angle


def _tour(row: PtzTourRow) -> Tour:
    steps = tuple(TourStep(str(s["preset"]), float(str(s["dwell_s"]))) for s in row.steps)
    return Tour(row.id, row.camera_id, row.name, steps, row.resume_after_s)


def _check_steps(steps: list[TourStep], resume_after_s: float) -> None:
    if not steps:
        raise PtzError("a tour needs at least one step (a preset and a dwell time)")
    for step in steps:
        if not 1 <= step.dwell_s <= 3600:
            raise PtzError(f"dwell time {step.dwell_s} s at preset {step.preset!r} must be 1–3600 s")
    if not 0 <= resume_after_s <= 3600:
        raise PtzError(f"resume_after_s must be 0–3600 s, got {resume_after_s}")


class PtzRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def settings(self, camera_id: int, camera_fov_deg: float | None) -> StoredSettings:
        with self._sessions() as session:
            row = session.get(PtzSettingsRow, camera_id)
        if row is None:
            return StoredSettings(CameraPtzSettings(), Optics(hfov_wide_deg=camera_fov_deg or 60.0), True)
        arbitration = CameraPtzSettings(
            row.lease_s,
            row.home_on_lapse,
            row.max_reservation_s,
            row.tour_resume_s,
            dict(row.role_priority),
            dict(row.organisation_bonus),
        )
        hfov = row.hfov_wide_deg or camera_fov_deg or 60.0
        optics = Optics(hfov, row.max_zoom, row.tilt_range_deg, row.zoom_law, mount_height_m=row.mount_height_m)
        return StoredSettings(arbitration, optics, row.hfov_wide_deg is None)

    def save_settings(self, camera_id: int, s: CameraPtzSettings, optics: Optics, fixed_hfov: bool) -> None:
        if not 2 <= s.lease_s <= 600:
            raise PtzError(f"lease_s must be 2–600 s, got {s.lease_s}")
        if not 10 <= s.max_reservation_s <= 24 * 3600:
            raise PtzError(f"max_reservation_s must be 10 s – 24 h, got {s.max_reservation_s}")
        if not 1 <= optics.max_zoom <= 100 or not 1 <= optics.hfov_wide_deg <= 180:
            raise PtzError("max_zoom must be 1–100 and hfov_wide_deg 1–180")
        if optics.zoom_law not in ("geometric", "linear"):
            raise PtzError(f"zoom_law is geometric or linear, not {optics.zoom_law!r}")
        with self._sessions.begin() as session:
            row = session.get(PtzSettingsRow, camera_id) or PtzSettingsRow(camera_id=camera_id)
            row.lease_s, row.home_on_lapse = s.lease_s, s.home_on_lapse
            row.max_reservation_s, row.tour_resume_s = s.max_reservation_s, s.tour_resume_s
            row.role_priority, row.organisation_bonus = dict(s.role_priority), dict(s.organisation_bonus)
            row.hfov_wide_deg = optics.hfov_wide_deg if fixed_hfov else None
            row.zoom_law = optics.zoom_law
            row.max_zoom, row.tilt_range_deg, row.mount_height_m = (
                optics.max_zoom,
                optics.tilt_range_deg,
                optics.mount_height_m,
            )
            row.updated_us = now_us()
            session.merge(row)

    # --- tours ---------------------------------------------------------------------------------
    def tours(self, camera_id: int) -> list[Tour]:
        with self._sessions() as session:
            rows = session.scalars(select(PtzTourRow).where(PtzTourRow.camera_id == camera_id).order_by(PtzTourRow.id))
            return [_tour(r) for r in rows]

    def tour(self, camera_id: int, tour_id: int) -> Tour:
        with self._sessions() as session:
            row = session.get(PtzTourRow, tour_id)
            if row is None or row.camera_id != camera_id:
                raise PtzNotFound(f"camera {camera_id} has no tour {tour_id}")
            return _tour(row)

    def save_tour(
        self,
        camera_id: int,
        name: str,
        steps: list[TourStep],
        resume_after_s: float,
        by: str,
        tour_id: int | None = None,
    ) -> Tour:
        _check_steps(steps, resume_after_s)
        if not name.strip():
            raise PtzError("a tour needs a name")
        now = now_us()
        try:
            with self._sessions.begin() as session:
                if tour_id is None:
                    row = PtzTourRow(camera_id=camera_id, created_by=by, created_us=now)
                    session.add(row)
                else:
                    found = session.get(PtzTourRow, tour_id)
                    if found is None or found.camera_id != camera_id:
                        raise PtzNotFound(f"camera {camera_id} has no tour {tour_id}")
                    row = found
                row.name, row.resume_after_s, row.updated_us = name.strip(), resume_after_s, now
                row.steps = [{"preset": s.preset, "dwell_s": s.dwell_s} for s in steps]
                session.flush()
                return _tour(row)
        except IntegrityError as exc:
            raise PtzError(f"camera {camera_id} already has a tour named {name.strip()!r}") from exc

    def delete_tour(self, camera_id: int, tour_id: int) -> None:
        with self._sessions.begin() as session:
            row = session.get(PtzTourRow, tour_id)
            if row is None or row.camera_id != camera_id:
                raise PtzNotFound(f"camera {camera_id} has no tour {tour_id}")
            session.delete(row)
