"""Fleet fixtures: a fresh PostgreSQL database per test whatever the pass (leases exist only there)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citywatch.config import Settings, load_settings
from citywatch.video.cameras import CameraInput
from citywatch.wiring import Services, build_services
from tests.database import fresh_postgresql


def fleet_settings(data_dir: Path, database_url: str, node: str = "", **fleet: object) -> Settings:
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    settings.fleet.node = node
    settings.fleet.media_listen = ""
    for key, value in fleet.items():
        setattr(settings.fleet, key, value)
    settings.recorder.workers = 1
    settings.recorder.file_duration_s = 6.0
    settings.retention.min_free_bytes = 0
    settings.retention.free_alarm_bytes = 0
    return settings


@pytest.fixture
def fleet_db() -> str:
    return fresh_postgresql()


@pytest.fixture
def fleet_admin(tmp_path: Path, fleet_db: str) -> Iterator[Services]:
    built = build_services(fleet_settings(tmp_path / "admin", fleet_db), migrate=False)
    yield built
    built.close()


def add_cameras(services: Services, urls: list[str]) -> list[int]:
    first = len(services.cameras.list()) + 1
    return [services.cameras.add(CameraInput(name=f"camera {i}", rtsp_url=u)).id for i, u in enumerate(urls, first)]
