"""Per-node Prometheus gauges and the health route's count of overdue nodes, from rows of ``nodes``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import delete

from citywatch.api.app import create_app
from citywatch.config import Settings
from citywatch.store.models import Node
from citywatch.timeutil import now_us
from citywatch.wiring import Services, build_services
from tests.api.server import running
from tests.database import installation_database

ADMIN_PASSWORD = "correct horse battery staple"
LEASE_S = 15.0


@dataclass
class Api:
    url: str
    services: Services
    admin: httpx.Client


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data_dir = tmp_path_factory.mktemp("nodes")
    settings = Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, database_url=installation_database(data_dir))
    settings.fleet.lease_s = LEASE_S
    services = build_services(settings)
    try:
        with running(create_app(services)) as url:
            r = httpx.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
            token = r.json()["token"]
            yield Api(url, services, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}))
    finally:
        services.close()


def _put_nodes(api: Api, *nodes: Node) -> None:
    with api.services.sessions.begin() as session:
        session.execute(delete(Node))
        session.add_all(nodes)


def _node(name: str, age_s: float, **values: object) -> Node:
    now = now_us()
    return Node(name=name, started_us=now - 3_600_000_000, heartbeat_us=now - int(age_s * 1e6), **values)


def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith("citywatch_node"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def test_each_node_gets_its_gauges(api: Api) -> None:
    tib = 1 << 40
    _put_nodes(
        api,
        _node("rec-a", 2.0, cameras=267, bitrate_kbps=801_000.0, free_bytes=9 * tib, total_bytes=20 * tib, errors=3),
        _node("rec-b", 3.5, cameras=266, bitrate_kbps=798_000.5, free_bytes=tib, total_bytes=20 * tib),
    )
    r = api.admin.get("/api/v1/metrics")
    assert r.status_code == 200
    got = _samples(r.text)
    assert got['citywatch_node_cameras{node="rec-a"}'] == 267
    assert got['citywatch_node_cameras{node="rec-b"}'] == 266
    assert got['citywatch_node_bitrate_kbps{node="rec-b"}'] == pytest.approx(798_000.5)
    assert got['citywatch_node_media_bytes{node="rec-a",kind="free"}'] == 9 * tib
    assert got['citywatch_node_media_bytes{node="rec-a",kind="total"}'] == 20 * tib
    assert got['citywatch_node_errors{node="rec-a"}'] == 3
    assert got['citywatch_node_errors{node="rec-b"}'] == 0
    assert got['citywatch_node_state{node="rec-a",state="up"}'] == 1
    age_a = got['citywatch_node_heartbeat_age_seconds{node="rec-a"}']
    age_b = got['citywatch_node_heartbeat_age_seconds{node="rec-b"}']
    assert 2.0 <= age_a < age_b  # ages grow from when the rows were written
    assert got['citywatch_node_up{node="rec-a"}'] == 1 and got['citywatch_node_stale{node="rec-a"}'] == 0
    assert "# TYPE citywatch_node_cameras gauge" in r.text


def test_a_node_that_stopped_renewing_is_stale_in_metrics_and_health(api: Api) -> None:
    _put_nodes(
        api,
        _node("rec-a", 1.0),
        _node("rec-b", LEASE_S + 20),  # died without a word (kill -9, power)
        _node("rec-c", 3600.0, state="down"),  # stopped cleanly: not stale
    )
    got = _samples(api.admin.get("/api/v1/metrics").text)
    assert {n: got[f'citywatch_node_stale{{node="{n}"}}'] for n in ("rec-a", "rec-b", "rec-c")} == {
        "rec-a": 0,
        "rec-b": 1,
        "rec-c": 0,
    }
    assert {n: got[f'citywatch_node_up{{node="{n}"}}'] for n in ("rec-a", "rec-b", "rec-c")} == {
        "rec-a": 1,
        "rec-b": 0,
        "rec-c": 0,
    }
    assert got['citywatch_node_state{node="rec-c",state="down"}'] == 1
    health = httpx.get(f"{api.url}/api/v1/health").json()  # public: a count, no names
    assert (health["status"], health["stale_nodes"]) == ("degraded", 1)
    assert "rec-b" not in str(health)

    _put_nodes(api, _node("rec-a", 1.0), _node("rec-b", 0.5))  # it came back
    health = httpx.get(f"{api.url}/api/v1/health").json()
    assert (health["status"], health["stale_nodes"]) == ("ok", 0)


def test_node_names_are_escaped_as_label_values(api: Api) -> None:
    _put_nodes(api, _node('rack "7"\\b', 1.0, cameras=5))
    text = api.admin.get("/api/v1/metrics").text
    assert re.search(r'^citywatch_node_cameras\{node="rack \\"7\\"\\\\b"\} 5$', text, re.M), text


def test_metrics_stay_admin_only(api: Api) -> None:
    assert httpx.get(f"{api.url}/api/v1/metrics").status_code == 401
