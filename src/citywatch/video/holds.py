"""Holds: footage that retention must keep (an incident, a police request) until released.

Retention (``retention.py``) skips any recording overlapping an unreleased hold; this module is
the use-case side: place, list and release holds, each with who and why, for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.store.models import Camera, Hold
from citywatch.timeutil import now_us

__all__ = ["HoldError", "HoldInput", "HoldNotFound", "HoldService"]


class HoldError(ValueError):
    """A hold request the user must correct."""


class HoldNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class HoldInput:
    camera_id: int
    start_us: int
    end_us: int
    reason: str
    reference: str = ""


class HoldService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def place(self, data: HoldInput, *, by: str) -> Hold:
        if data.end_us <= data.start_us:
            raise HoldError("a hold's end must be after its start")
        if not data.reason.strip():
            raise HoldError("say why the footage is held (reason), e.g. an incident or request number")
        with self._sessions.begin() as session:
            if session.get(Camera, data.camera_id) is None:
                raise HoldError(f"no camera {data.camera_id}")
            hold = Hold(
                camera_id=data.camera_id,
                start_us=data.start_us,
                end_us=data.end_us,
                reason=data.reason.strip(),
                reference=data.reference.strip(),
                created_by=by,
                created_us=now_us(),
            )
            session.add(hold)
            session.flush()
            return hold

    def list(self, *, include_released: bool = True) -> list[Hold]:
        query = select(Hold).order_by(Hold.created_us.desc())
        if not include_released:
            query = query.where(Hold.released_us.is_(None))
        with self._sessions() as session:
            return list(session.scalars(query))

    def release(self, hold_id: int, *, by: str, reason: str) -> Hold:
        if not reason.strip():
            raise HoldError("say why the hold is released (reason)")
        with self._sessions.begin() as session:
            hold = session.get(Hold, hold_id)
            if hold is None:
                raise HoldNotFound(f"no hold {hold_id}")
            if hold.released_us is not None:
                raise HoldError(f"hold {hold_id} was already released")
            hold.released_us, hold.released_by, hold.release_reason = now_us(), by, reason.strip()
            return hold
