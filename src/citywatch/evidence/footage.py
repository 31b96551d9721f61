"""What an export reads from the recorder's store: cameras, recording rows and their hashes, gaps."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.evidence.errors import EvidenceError
from citywatch.store.models import Camera, Gap, Recording
from citywatch.video.recording_query import RecordingRef, recordings_between

__all__ = ["CameraInfo", "FootageSource", "GapInfo", "SourceFile"]


@dataclass(frozen=True, slots=True)
class CameraInfo:
    id: int
    name: str
    latitude: float | None
    longitude: float | None
    bearing_deg: float | None


@dataclass(frozen=True, slots=True)
class GapInfo:
    start_us: int
    end_us: int | None
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class SourceFile:
    recording_id: int
    path: str
    sha256: str | None
    size_bytes: int
    start_us: int
    end_us: int


class FootageSource:
    def __init__(self, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self._engine = engine
        self._sessions = sessions

    def camera(self, camera_id: int) -> CameraInfo:
        with self._sessions() as session:
            cam = session.get(Camera, camera_id)
            if cam is None:
                raise EvidenceError(f"no camera {camera_id}; pick cameras from the camera list")
            return CameraInfo(cam.id, cam.name, cam.latitude, cam.longitude, cam.bearing_deg)

    def recordings(self, camera_id: int, start_us: int, end_us: int) -> list[RecordingRef]:
        """Closed files, and the indexed part of a file still being written (its bytes never change once
        indexed; the recorder's hash of it comes when it closes, so the manifest says it is incomplete)."""
        with self._engine.connect() as conn:
            return recordings_between(conn, camera_id, start_us, end_us)

    def gaps(self, camera_id: int, start_us: int, end_us: int) -> list[GapInfo]:
        query = (
            select(Gap)
            .where(Gap.camera_id == camera_id, Gap.start_us < end_us, (Gap.end_us.is_(None)) | (Gap.end_us > start_us))
            .order_by(Gap.start_us)
        )
        with self._sessions() as session:
            return [GapInfo(g.start_us, g.end_us, g.reason, g.detail) for g in session.scalars(query)]

    def source_files(self, recording_ids: list[int]) -> list[SourceFile]:
        if not recording_ids:
            return []
        query = select(Recording).where(Recording.id.in_(recording_ids)).order_by(Recording.start_us)
        with self._sessions() as session:
            return [
                SourceFile(r.id, r.path, r.sha256, r.size_bytes, r.start_us, r.end_us) for r in session.scalars(query)
            ]
