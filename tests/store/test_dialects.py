"""The store on the database the run selects (SQLite, or PostgreSQL with CITYWATCH_TEST_DATABASE=postgresql).

The same migrations must give the tables the models describe, and ids given by the caller (the
tracking pipeline numbers its own rows) must not make the next generated id collide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

import citywatch.access.models
import citywatch.evidence.models
import citywatch.partners.models
import citywatch.ptz.models
import citywatch.store.models_ui
import citywatch.tracking.models  # noqa: F401  (these register every table on Base.metadata)
from citywatch.store.db import advance_id_sequences, make_engine, make_sessionmaker, upgrade
from citywatch.store.models import Base, Camera
from citywatch.tracking.services import register_device
from citywatch.tracking.writer import BatchWriter
from tests.database import database_url, on_postgresql


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(database_url(tmp_path / "store.db"))
    upgrade(eng)
    yield eng
    eng.dispose()


def test_the_run_uses_the_database_it_was_asked_for(engine: Engine) -> None:
    assert engine.dialect.name == ("postgresql" if on_postgresql() else "sqlite")


def test_migrations_give_the_tables_the_models_describe(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    upgrade(engine)  # a second upgrade is a no-op


def test_given_ids_do_not_collide_with_generated_ones(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        s.add(Camera(id=5, name="given", rtsp_url="rtsp://127.0.0.1/a", created_us=0, updated_us=0))
        s.flush()
        advance_id_sequences(s.connection(), "cameras")
    with sessions.begin() as s:
        s.add(Camera(name="generated", rtsp_url="rtsp://127.0.0.1/b", created_us=0, updated_us=0))
    with sessions() as s:
        assert s.scalar(select(Camera.id).where(Camera.name == "generated")) == 6


def test_a_device_registered_after_the_pipeline_wrote_one_gets_a_new_id(engine: Engine) -> None:
    """The listener writes an unregistered device with the id it chose; registering another must not reuse it."""
    writer = BatchWriter(engine)
    writer.add(
        "tracking_devices",
        {"id": 1, "identifier": "359339075000001", "protocol": "gt06", "name": "", "profile": "person",
         "covert": False, "clock_tz": "UTC", "expected_interval_s": 30.0, "registered": False,
         "created_us": 0, "last_seen_us": None},
    )  # fmt: skip
    writer.flush_sync()
    with make_sessionmaker(engine)() as session:
        view = register_device(session, "359339075000002", "osmand", "Mr B")
    assert view.id == 2
