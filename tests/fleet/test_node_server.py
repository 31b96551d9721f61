"""A recorder node's media server on 127.0.0.1: signed tokens, byte ranges only inside its media dirs, metrics."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from citywatch.cli import _register, app
from citywatch.config import Settings
from citywatch.fleet.node_auth import NodeSigner, load_fleet_secret
from tests.database import fresh_postgresql
from tests.fleet.recorded_node import Node, node_serving

NODE = "n1"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    root = tmp_path_factory.mktemp("fleet-node")
    with node_serving(root / "n1", fresh_postgresql(), root / "fleet.key", name=NODE, camera_id=1) as n:
        yield n


@pytest.fixture(scope="module")
def signer(node: Node) -> NodeSigner:
    return NodeSigner.from_settings(node.recorded.settings)


def _first_recording(node: Node) -> tuple[str, str, Path]:
    with node.recorded.services.engine.connect() as conn:
        media_dir, path = conn.execute(text("SELECT media_dir, path FROM recordings ORDER BY start_us LIMIT 1")).one()
    return str(media_dir), str(path), Path(media_dir) / path


def test_the_secret_is_made_once_private_and_never_sent(tmp_path: Path, node: Node, signer: NodeSigner) -> None:
    settings = Settings(data_dir=tmp_path)
    secret = load_fleet_secret(settings)
    key = tmp_path / "fleet.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert load_fleet_secret(settings) == secret  # made once, then read
    token = signer.token(NODE, "media")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert claims["node"] == NODE and claims["scope"] == "media"
    assert load_fleet_secret(node.recorded.settings).decode() not in token


def test_byte_ranges_of_a_recording_are_the_file_bytes(node: Node, signer: NodeSigner) -> None:
    media_dir, path, file = _first_recording(node)
    body = file.read_bytes()
    auth = {"Authorization": signer.header(NODE, "media")}
    params = {"dir": media_dir, "path": path}
    r = httpx.get(f"{node.url}/media", params=params, headers={**auth, "Range": "bytes=100-4195"})
    assert r.status_code == 206
    assert r.content == body[100:4196]
    assert r.headers["content-range"] == f"bytes 100-4195/{len(body)}"
    whole = httpx.get(f"{node.url}/media", params=params, headers=auth)
    assert whole.status_code == 200 and whole.content == body


def test_requests_without_a_valid_token_are_refused(node: Node, signer: NodeSigner) -> None:
    media_dir, path, _file = _first_recording(node)
    params = {"dir": media_dir, "path": path}
    assert httpx.get(f"{node.url}/media", params=params).status_code == 401
    good = signer.token(NODE, "media")
    claims, signature = good.split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged["exp"] += 3600  # a longer life, signature kept
    tampered = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode() + "." + signature
    other_key = NodeSigner(b"x" * 48).token(NODE, "media")
    for bad in (tampered, other_key, signer.token("n2", "media"), signer.token(NODE, "live"), good[:-4] + "AAAA"):
        r = httpx.get(f"{node.url}/media", params=params, headers={"Authorization": f"Node {bad}"})
        assert r.status_code == 403, bad
    assert httpx.get(f"{node.url}/metrics").status_code == 401
    assert httpx.get(f"{node.url}/live/1").status_code == 401
    assert httpx.get(f"{node.url}/health").json() == {"node": NODE, "status": "ok"}  # the one public endpoint


def test_files_outside_the_media_dirs_are_refused(node: Node, signer: NodeSigner, tmp_path: Path) -> None:
    media_dir, path, _file = _first_recording(node)
    outside = tmp_path / "secret.txt"
    outside.write_text("not footage")
    link = Path(media_dir) / "escape.mp4"
    link.symlink_to(outside)
    auth = {"Authorization": signer.header(NODE, "media")}
    attempts = [
        {"dir": media_dir, "path": "../../../../../../etc/passwd"},
        {"dir": "/etc", "path": "passwd"},
        {"dir": str(tmp_path), "path": "secret.txt"},
        {"dir": media_dir, "path": "escape.mp4"},  # a link out of the media dir
        {"dir": media_dir, "path": str(outside)},  # an absolute path replaces the dir
        {"dir": str(node.recorded.settings.data_dir), "path": "fleet.key"},
    ]
    try:
        for params in attempts:
            r = httpx.get(f"{node.url}/media", params=params, headers=auth)
            assert r.status_code == 403, params
            assert b"not footage" not in r.content
        missing = httpx.get(f"{node.url}/media", params={"dir": media_dir, "path": path + ".gone"}, headers=auth)
        assert missing.status_code == 404
    finally:
        link.unlink()


def test_metrics_report_disk_and_requests(node: Node, signer: NodeSigner) -> None:
    assert httpx.get(f"{node.url}/media", headers={"Authorization": "Node nonsense"}).status_code == 403
    r = httpx.get(f"{node.url}/metrics", headers={"Authorization": signer.header(NODE, "metrics")})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    media_dir = node.recorded.settings.effective_media_dirs[0]
    free = [ln for ln in r.text.splitlines() if ln.startswith("citywatch_node_media_free_bytes{")]
    assert len(free) == 1 and f'dir="{media_dir}"' in free[0] and int(free[0].split()[-1]) > 0
    assert 'citywatch_node_database_up{node="n1"} 1' in r.text
    refused = [ln for ln in r.text.splitlines() if 'outcome="refused"' in ln]
    assert refused, "refused requests are counted"


def test_prometheus_scrapes_metrics_with_the_fleet_token_and_nothing_else(node: Node, signer: NodeSigner) -> None:
    runner = CliRunner()
    _register()
    data_dir = node.recorded.settings.data_dir
    secret_file = node.recorded.settings.fleet.secret_file
    assert secret_file is not None
    env = {"CITYWATCH_FLEET__SECRET_FILE": str(secret_file)}
    printed = runner.invoke(app, ["fleet", "metrics-token", "--data-dir", str(data_dir)], env=env)
    assert printed.exit_code == 0, printed.output
    token = printed.output.strip()
    assert token == signer.scrape_token() and token not in secret_file.read_text()
    elsewhere = runner.invoke(app, ["fleet", "metrics-token", "--data-dir", str(data_dir / "none")])
    assert elsewhere.exit_code == 2 and "no fleet secret" in elsewhere.output
    scrape = {"Authorization": f"Bearer {token}"}
    r = httpx.get(f"{node.url}/metrics", headers=scrape)
    assert r.status_code == 200 and 'citywatch_node_up{node="n1"} 1' in r.text
    assert httpx.get(f"{node.url}/metrics", headers={"Authorization": f"Bearer {token[:-2]}xx"}).status_code == 403
    media_dir, path, _ = _first_recording(node)
    media = httpx.get(f"{node.url}/media", params={"dir": media_dir, "path": path}, headers=scrape)
    assert media.status_code == 403, "the scrape token opens metrics only"
    assert httpx.get(f"{node.url}/live/1", headers=scrape).status_code == 403
