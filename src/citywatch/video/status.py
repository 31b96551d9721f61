"""Read models for the API: camera status rows, alarms and the motion going on now."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.store.models import Alarm, CameraStatus, Motion
from citywatch.timeutil import now_us
from citywatch.video.motion import MAX_MOTION_US

__all__ = ["StatusService", "open_motion"]


def open_motion(conn: Connection | Session) -> dict[int, tuple[int, str]]:
    """Camera → (start, node) of the motion going on now, by ``ix_motion_open``.

    A row left open by a recorder that stopped ages out after ``MAX_MOTION_US`` (no event is longer).
    """
    query = select(Motion.camera_id, Motion.start_us, Motion.node).where(
        Motion.end_us.is_(None), Motion.start_us > now_us() - MAX_MOTION_US
    )
    return {int(c): (int(s), str(n)) for c, s, n in conn.execute(query)}


class StatusService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def camera_status(self) -> dict[int, CameraStatus]:
        with self._sessions() as session:
            return {row.camera_id: row for row in session.scalars(select(CameraStatus))}

    def moving(self) -> dict[int, int]:
        """Camera → start of the motion going on now."""
        with self._sessions() as session:
            return {camera: start for camera, (start, _node) in open_motion(session).items()}

    def alarms(self, *, open_only: bool, limit: int = 500) -> list[Alarm]:
        query = select(Alarm).order_by(Alarm.raised_us.desc()).limit(limit)
        if open_only:
            query = query.where(Alarm.cleared_us.is_(None))
        with self._sessions() as session:
            return list(session.scalars(query))
