"""Read models for the API: camera status rows and alarms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.store.models import Alarm, CameraStatus

__all__ = ["StatusService"]


class StatusService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def camera_status(self) -> dict[int, CameraStatus]:
        with self._sessions() as session:
            return {row.camera_id: row for row in session.scalars(select(CameraStatus))}

    def alarms(self, *, open_only: bool, limit: int = 500) -> list[Alarm]:
        query = select(Alarm).order_by(Alarm.raised_us.desc()).limit(limit)
        if open_only:
            query = query.where(Alarm.cleared_us.is_(None))
        with self._sessions() as session:
            return list(session.scalars(query))
