"""Which database an installation made by a test uses.

By default SQLite, as a real installation starts. With ``CITYWATCH_TEST_DATABASE=postgresql`` every
data directory gets a fresh PostgreSQL database of its own, as it would get its own SQLite file
(``CITYWATCH_TEST_POSTGRES_URL``, default the server at 127.0.0.1:5432): copied from a template
migrated once per test run, so each costs a ``CREATE DATABASE`` rather than every migration. A
server that cannot be reached fails the test: that pass exists to prove the code runs on PostgreSQL.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from citywatch.store.db import make_engine, upgrade

__all__ = ["database_url", "fresh_postgresql", "installation_database", "on_postgresql"]

_PREFIX = "citywatch_t_"
_made: list[str] = []
_template: list[str] = []
_by_place: dict[Path, str] = {}


def on_postgresql() -> bool:
    choice = os.environ.get("CITYWATCH_TEST_DATABASE", "sqlite").lower()
    if choice not in ("sqlite", "postgresql"):
        raise ValueError(f"CITYWATCH_TEST_DATABASE must be 'sqlite' or 'postgresql', not {choice!r}")
    return choice == "postgresql"


def fresh_postgresql() -> str:
    """A new, migrated PostgreSQL database whatever the pass: for what only exists on PostgreSQL (the fleet)."""
    return _fresh_postgresql()


def installation_database(data_dir: Path | None = None) -> str:
    """The ``database_url`` setting: "" (SQLite in the data directory) or a PostgreSQL database.

    Given ``data_dir``, every call for that directory answers the same database (a restart finds its
    rows); without it each call makes a new one.
    """
    if not on_postgresql():
        return ""
    return _fresh_postgresql() if data_dir is None else _postgresql_for(data_dir)


def database_url(sqlite_file: Path) -> str:
    """An engine URL for tests that build the store themselves: ``sqlite_file`` or a PostgreSQL database for it."""
    return _postgresql_for(sqlite_file) if on_postgresql() else f"sqlite:///{sqlite_file}"


def _postgresql_for(place: Path) -> str:
    key = place.resolve()
    if key not in _by_place:
        _by_place[key] = _fresh_postgresql()
    return _by_place[key]


def _server_url() -> str:
    return os.environ.get("CITYWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _url_of(name: str) -> str:
    return make_url(_server_url()).set(database=name).render_as_string(hide_password=False)


def _admin() -> Engine:
    return create_engine(_server_url(), isolation_level="AUTOCOMMIT")


def _fresh_postgresql() -> str:
    admin = _admin()
    try:
        with admin.connect() as conn:
            if not _template:
                _drop_orphans(conn)
                _template.append(_new_name("tpl"))
                conn.execute(text(f'CREATE DATABASE "{_template[0]}"'))
                _made.append(_template[0])
                engine = make_engine(_url_of(_template[0]))
                try:
                    upgrade(engine)
                finally:
                    engine.dispose()
            name = _new_name("db")
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template[0]}"'))
            _made.append(name)
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {make_url(_server_url()).render_as_string()} is unreachable ({exc.orig}): start it, "
            "or unset CITYWATCH_TEST_DATABASE to test on SQLite",
            pytrace=False,
        )
    finally:
        admin.dispose()
    return _url_of(name)


def _new_name(kind: str) -> str:
    return f"{_PREFIX}{os.getpid()}_{kind}_{uuid.uuid4().hex[:8]}"


def _drop_orphans(conn: Connection) -> None:
    """Databases left by test runs that were killed before they could drop their own."""
    names = conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": _PREFIX + "%"})
    for name in list(names):
        pid = name[len(_PREFIX) :].split("_", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(SQLAlchemyError):  # being dropped by the run that made it
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@atexit.register
def _drop_made() -> None:
    """Hand the drops to a detached process: each ``DROP DATABASE`` waits for a checkpoint (seconds)."""
    if _made:
        subprocess.Popen(
            [sys.executable, "-m", "tests.database", *reversed(_made)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def _drop(names: list[str]) -> None:
    admin = _admin()
    try:
        with admin.connect() as conn:
            for name in names:
                if name.startswith(_PREFIX):
                    with contextlib.suppress(SQLAlchemyError):  # dropped already as an orphan by a newer run
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


if __name__ == "__main__":
    _drop(sys.argv[1:])
