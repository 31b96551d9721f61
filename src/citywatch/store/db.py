"""Engine and session set-up; SQLite gets WAL and a busy timeout so several processes can write."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, column, create_engine, event, func, select, table, text
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["advance_id_sequences", "make_engine", "make_sessionmaker", "upgrade"]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    here = Path(__file__).parent
    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg = Config()
    cfg.set_main_option("script_location", str(here / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def advance_id_sequences(conn: Connection, *tables: str) -> None:
    """After rows were inserted with their ``id`` given: make the next generated id larger than any stored.

    SQLite picks ``max(id) + 1`` by itself; PostgreSQL draws from a sequence that explicit ids do not
    move, so the next insert without an id would collide. Never moves a sequence backwards.
    """
    if conn.dialect.name != "postgresql":
        return
    for name in tables:
        top = conn.scalar(select(func.max(column("id"))).select_from(table(name)))
        if top is not None:
            conn.execute(_SETVAL, {"t": name, "top": top})


_SETVAL = text(
    "SELECT setval(seq, GREATEST(:top, COALESCE(pg_sequence_last_value(seq), 1))) "
    "FROM (SELECT CAST(pg_get_serial_sequence(:t, 'id') AS regclass) AS seq) AS q"
)
