"""A recorder node with real recordings on its own disk, its media server running, registered in ``nodes``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

import tests.playback_fixtures as playback_fixtures
from citywatch.fleet.node_server import NodeMediaServer
from citywatch.timeutil import now_us
from tests.playback_fixtures import Recorded, record


@dataclass
class Node:
    name: str
    recorded: Recorded
    server: NodeMediaServer
    url: str


def record_on(data_dir: Path, database_url: str, camera_id: int, node: str) -> Recorded:
    """Two runs of real recordings (tests/playback_fixtures.py) for ``camera_id``, indexed as held by ``node``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(playback_fixtures, "installation_database", lambda _data_dir=None: database_url)
        rec = record(data_dir, camera_id=camera_id)
    with rec.services.engine.begin() as conn:
        conn.execute(text("UPDATE recordings SET node = :n WHERE camera_id = :c"), {"n": node, "c": camera_id})
    return rec


def register(rec: Recorded, name: str, url: str, *, heartbeat_us: int | None = None) -> None:
    dirs = json.dumps([str(p) for p in rec.settings.effective_media_dirs])
    beat = now_us() if heartbeat_us is None else heartbeat_us
    with rec.services.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO nodes (name, url, started_us, heartbeat_us, state, media_dirs) "
                "VALUES (:n, :u, :b, :b, 'up', :d) "
                "ON CONFLICT (name) DO UPDATE SET url = EXCLUDED.url, heartbeat_us = EXCLUDED.heartbeat_us"
            ),
            {"n": name, "u": url, "b": beat, "d": dirs},
        )


@contextmanager
def node_serving(data_dir: Path, database_url: str, secret_file: Path, *, name: str, camera_id: int) -> Iterator[Node]:
    rec = record_on(data_dir, database_url, camera_id, name)
    rec.settings.fleet.node = name
    rec.settings.fleet.secret_file = secret_file
    server = NodeMediaServer(rec.settings, rec.services.sessions)
    url = server.start()
    register(rec, name, url)
    try:
        yield Node(name, rec, server, url)
    finally:
        server.stop()
        rec.services.close()
