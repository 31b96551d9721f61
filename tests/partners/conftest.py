"""A real SQLite database on a temporary data directory, migrated to head, with rows written directly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from citywatch.access.models import AuditEntry, Organisation
from citywatch.config import Settings
from citywatch.partners.service import PartnersService
from citywatch.store.models import Camera, Deletion, Gap, Recording
from citywatch.wiring import Services, build_services
from tests.database import installation_database

ADMIN_PASSWORD = "correct horse battery staple"
HOUR = 3_600_000_000
MINUTE = 60_000_000
NOW_US = 1_796_083_200_000_000  # 2026-12-01T00:00:00Z: all of October 2026 is in the past


def london_us(day: date, hour: int = 0, minute: int = 0) -> int:
    """Independent of the code under test: µs of a London wall-clock time."""
    dt = datetime.combine(day, time(hour, minute), ZoneInfo("Europe/London"))
    return int(dt.timestamp()) * 1_000_000


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD, database_url=installation_database(tmp_path / "data")
    )
    svc = build_services(settings)
    yield svc
    svc.close()


@pytest.fixture
def partners(services: Services) -> PartnersService:
    return PartnersService(services.sessions)


class Rows:
    """Writes the rows the recorder, the audit log and the access domain would have written."""

    def __init__(self, services: Services) -> None:
        self.s = services.sessions
        self._n = 0

    def org(self, name: str, kind: str = "partner") -> int:
        with self.s.begin() as s:
            existing = s.scalar(select(Organisation).where(Organisation.name == name))
            if existing is not None:
                return existing.id
            o = Organisation(name=name, kind=kind, created_us=0)
            s.add(o)
            s.flush()
            return o.id

    def camera(self, name: str, org_id: int | None, lat: float = 51.5, lon: float = -0.22, **kw: object) -> int:
        with self.s.begin() as s:
            c = Camera(
                name=name,
                rtsp_url=kw.pop("rtsp_url", f"rtsp://10.0.0.9/{name}"),
                latitude=lat,
                longitude=lon,
                created_us=0,
                updated_us=0,
                organisation_id=org_id,
                **kw,
            )
            s.add(c)
            s.flush()
            return c.id

    def recording(self, camera_id: int, start_us: int, end_us: int, size_bytes: int = 1_000_000) -> int:
        self._n += 1
        with self.s.begin() as s:
            r = Recording(
                camera_id=camera_id,
                run_id="run",
                run_seq=self._n,
                state="closed",
                media_dir="/m",
                path=f"{camera_id}/{self._n}.mp4",
                start_us=start_us,
                end_us=end_us,
                media_start_90k=0,
                duration_90k=(end_us - start_us) * 9 // 100,
                size_bytes=size_bytes,
                init_bytes=100,
                frames=1,
                gops=1,
                gop_index=b"",
                codec="avc1.640028",
                width=1920,
                height=1080,
            )
            s.add(r)
            s.flush()
            return r.id

    def recordings(self, camera_id: int, start_us: int, end_us: int, file_us: int, size_bytes: int) -> None:
        rows = []
        t = start_us
        while t < end_us:
            self._n += 1
            e = min(t + file_us, end_us)
            rows.append(
                dict(
                    camera_id=camera_id,
                    run_id="run",
                    run_seq=self._n,
                    state="closed",
                    media_dir="/m",
                    path=f"{camera_id}/{self._n}.mp4",
                    start_us=t,
                    end_us=e,
                    media_start_90k=0,
                    duration_90k=0,
                    rate_ppm=0.0,
                    size_bytes=size_bytes,
                    init_bytes=100,
                    frames=1,
                    gops=1,
                    gop_index=b"",
                    codec="avc1",
                    width=1,
                    height=1,
                    recovered=False,
                    node="local",
                )
            )
            t = e
        with self.s.begin() as s:
            s.execute(insert(Recording), rows)

    def deletion(self, camera_id: int, start_us: int, end_us: int, size_bytes: int, deleted_us: int) -> None:
        with self.s.begin() as s:
            s.add(
                Deletion(
                    camera_id=camera_id,
                    recording_id=0,
                    path="x",
                    start_us=start_us,
                    end_us=end_us,
                    size_bytes=size_bytes,
                    reason="retention",
                    deleted_us=deleted_us,
                )
            )

    def gap(self, camera_id: int, start_us: int, end_us: int | None, reason: str = "camera_offline") -> None:
        with self.s.begin() as s:
            s.add(Gap(camera_id=camera_id, start_us=start_us, end_us=end_us, reason=reason))

    def audit(
        self,
        action: str,
        camera_id: int,
        at_us: int,
        *,
        user: str = "op1",
        client: str = "10.1.1.1",
        org_id: int | None = None,
        camera_org_id: int | None = None,
        outcome: str = "ok",
    ) -> None:
        with self.s.begin() as s:
            s.add(
                AuditEntry(
                    at_us=at_us,
                    action=action,
                    outcome=outcome,
                    username=user,
                    organisation="x",
                    organisation_id=org_id,
                    role="operator",
                    client=client,
                    camera_id=camera_id,
                    camera_org_id=camera_org_id,
                    detail={},
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )
            )


@pytest.fixture
def rows(services: Services) -> Rows:
    return Rows(services)
