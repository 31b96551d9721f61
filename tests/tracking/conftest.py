"""Fixtures for tracking: a migrated temporary SQLite database and a pipeline with recording sinks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from citywatch.store.db import make_engine, upgrade
from citywatch.tracking.alerts import AlertBus
from citywatch.tracking.domain import DeviceInfo, Position, Profile
from citywatch.tracking.models import POSITION_COLUMNS
from citywatch.tracking.pipeline import Pipeline, PipelineConfig
from citywatch.tracking.zones import Zone
from tests.database import database_url

CLAYBROOK_ZONE = {
    "type": "Polygon",
    "coordinates": [
        [[-0.21915, 51.48630], [-0.21825, 51.48630], [-0.21825, 51.48690], [-0.21915, 51.48690], [-0.21915, 51.48630]]
    ],
}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(database_url(tmp_path / "tracking.db"))
    upgrade(eng)
    yield eng
    eng.dispose()


class ListSink:
    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def add(self, table: str, row: dict[str, Any] | tuple[Any, ...]) -> None:
        if isinstance(row, tuple):
            row = dict(zip(POSITION_COLUMNS, row, strict=True))
        self.rows.append((table, row))

    overloaded = False

    def on_drained(self, callback: Any) -> None:
        callback()

    def of(self, table: str) -> list[dict[str, Any]]:
        return [r for t, r in self.rows if t == table]


class Harness:
    """A pipeline with one registered person device and the Claybrook zone (always active)."""

    def __init__(self, profile: Profile = Profile.PERSON, zones: list[Zone] | None = None) -> None:
        self.bus = AlertBus()
        self.sink = ListSink()
        self.pipeline = Pipeline(self.bus, self.sink, PipelineConfig(allow_unregistered=False))
        self.pipeline.add_device(DeviceInfo(1, "dev1", "osmand", "Mrs T", profile=profile, expected_interval_s=20))
        default = [Zone.from_geojson(1, "Claybrook Centre", "care_unit", CLAYBROOK_ZONE)]
        self.pipeline.set_zones(default if zones is None else zones)
        self.t0 = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
        self.alerts: list[Any] = []

    def feed(
        self,
        t_s: float,
        lat: float,
        lon: float,
        *,
        accuracy_m: float | None = 8.0,
        server_delay_s: float = 1.0,
        **attrs: Any,
    ) -> list[Any]:
        at = self.t0 + timedelta(seconds=t_s)
        p = Position(
            "dev1",
            "osmand",
            at,
            True,
            lat,
            lon,
            server_time=at + timedelta(seconds=server_delay_s),
            device_time=at,
            accuracy_m=accuracy_m,
            attributes=dict(attrs),
        )
        raised = self.pipeline.process(p)
        self.alerts += raised
        return raised

    def kinds(self) -> list[str]:
        return [str(a.kind) for a in self.alerts]


@pytest.fixture
def harness() -> Harness:
    return Harness()
