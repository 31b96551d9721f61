"""Footage held by recorder nodes, reached through an API process that holds none of it (real servers, PostgreSQL).

Two nodes on 127.0.0.1, each with real recordings in its own media directory and its media server
running; one API process with a separate, empty data directory. Playback segments, clips and
snapshots come through the API with the nodes' bytes; a stopped node gives 503 naming camera, time
and node, and once its heartbeat is stale its spans show as unavailable; live media published on a
node reaches a WebSocket viewer of the API through the node's relay.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from citywatch.api import create_app
from citywatch.cli import _register, app
from citywatch.config import Settings
from citywatch.evidence.master import split_spans, write_master
from citywatch.timeutil import iso, now_us, parse_iso
from citywatch.video.events import FragmentOut
from citywatch.video.live_publisher import LivePublisher
from citywatch.video.live_wire import live_socket_path
from citywatch.video.media_access import EXPORT_READ_AHEAD, MediaAccess
from citywatch.video.recording_query import recordings_between
from citywatch.wiring import Services, build_services
from tests.api.auth import client as signed_in_client
from tests.api.auth import login
from tests.api.hls import decode, mean_luma, media_bytes, parse_playlist
from tests.api.live_client import watch
from tests.api.server import running
from tests.conftest import require_tool
from tests.database import fresh_postgresql
from tests.fleet.recorded_node import Node, node_serving, register
from tests.playback_fixtures import ADMIN_PASSWORD, FRAME_US, RECV_DELAY_US, luma


@dataclass
class Fleet:
    n2: Node  # holds camera 1
    n3: Node  # holds camera 2; stopped by one test
    api_url: str
    api: httpx.Client
    api_services: Services


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    root = tmp_path_factory.mktemp("fleet")
    db, secret = fresh_postgresql(), root / "fleet.key"
    with (
        node_serving(root / "n2", db, secret, name="n2", camera_id=1) as n2,
        node_serving(root / "n3", db, secret, name="n3", camera_id=2) as n3,
    ):
        settings = Settings(data_dir=root / "api", admin_password=ADMIN_PASSWORD, database_url=db)
        settings.fleet.secret_file = secret
        settings.fleet.lease_s = 600.0  # the registered heartbeats stay fresh for the whole module
        services = build_services(settings)
        try:
            with running(create_app(services)) as url, signed_in_client(url) as api:
                yield Fleet(n2, n3, url, api, services)
        finally:
            services.close()


def _served(node: Node) -> int:
    """Media requests the node has answered: proof the bytes came from it, not from a shared disk."""
    return node.server.requests["media:ok"]


def _node_file(node: Node, recording_id: int) -> Path:
    with node.recorded.services.engine.connect() as conn:
        media_dir, path = conn.execute(
            text("SELECT media_dir, path FROM recordings WHERE id = :id"), {"id": recording_id}
        ).one()
    return Path(str(media_dir)) / str(path)


def test_the_api_holds_no_footage(fleet: Fleet) -> None:
    api_dir = fleet.api_services.settings.data_dir
    assert not list(api_dir.rglob("*.mp4"))
    for node in (fleet.n2, fleet.n3):
        assert not node.recorded.settings.data_dir.resolve().is_relative_to(api_dir.resolve())


def test_playback_segments_come_from_the_node_byte_for_byte(fleet: Fleet) -> None:
    rec = fleet.n2.recorded
    r = fleet.api.get("/api/v1/cameras/1/playback.m3u8", params={"start": iso(rec.run1_start_us + 2_000_000)})
    assert r.status_code == 200, r.text
    pl = parse_playlist(r.text)
    assert len(pl.segments) >= 3
    before = _served(fleet.n2)
    for seg in pl.segments[:4]:
        recording_id = int(seg.uri.split("/")[-2])
        on_disk = _node_file(fleet.n2, recording_id).read_bytes()
        got = fleet.api.get(seg.uri, headers={"Range": f"bytes={seg.offset}-{seg.offset + seg.size - 1}"})
        assert got.status_code == 206
        assert got.content == on_disk[seg.offset : seg.offset + seg.size]
        assert got.headers["content-range"] == f"bytes {seg.offset}-{seg.offset + seg.size - 1}/{len(on_disk)}"
    assert _served(fleet.n2) == before + 4  # one node request per range asked of the API
    frames = decode(media_bytes(fleet.api, pl.segments[:2]))
    assert len(frames) >= 25
    first = frames[0]
    assert first.capture_us is not None and first.frame_no is not None
    assert abs(first.capture_us - (rec.run1_start_us + 2_000_000)) <= 1_000_000 + FRAME_US
    head = fleet.api.head(pl.segments[0].uri)
    assert head.status_code == 200 and int(head.headers["content-length"]) > 0


def test_a_clip_of_remote_footage_has_the_right_duration(fleet: Fleet) -> None:
    ffprobe = require_tool("ffprobe")
    rec = fleet.n2.recorded
    params = {"start": iso(rec.run1_start_us + 5_500_000), "end": iso(rec.run2_start_us + 1_500_000)}
    before = _served(fleet.n2)
    full = fleet.api.get("/api/v1/cameras/1/clip.mp4", params=params)
    assert full.status_code == 200, full.text
    assert _served(fleet.n2) > before
    assert int(full.headers["content-length"]) == len(full.content)
    url = str(httpx.URL(f"{fleet.api_url}/api/v1/cameras/1/clip.mp4", params=params))
    probe = subprocess.run(
        [ffprobe, "-v", "error", "-headers", f"Authorization: {fleet.api.headers['authorization']}\r\n",
         "-of", "json", "-show_entries", "format=duration:stream=codec_name", url],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    assert float(info["format"]["duration"]) == pytest.approx(27.0, abs=0.01)  # 25 s of run 1 + 2 s of run 2
    assert info["streams"][0]["codec_name"] == "h264"
    assert len(decode(full.content)) == 27 * 25
    part = fleet.api.get("/api/v1/cameras/1/clip.mp4", params=params, headers={"Range": "bytes=5000-90000"})
    assert part.status_code == 206 and part.content == full.content[5000:90001]


def test_a_snapshot_of_remote_footage_is_the_frame_at_t(fleet: Fleet) -> None:
    rec = fleet.n2.recorded
    t_us = rec.run1_start_us + 12_010_000
    before = _served(fleet.n2)
    r = fleet.api.get("/api/v1/cameras/1/snapshot.jpg", params={"at": iso(t_us)})
    assert _served(fleet.n2) > before
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg", r.text
    capture_us = parse_iso(r.headers["x-capture-time"])
    assert abs(capture_us - t_us) <= FRAME_US + RECV_DELAY_US
    frame_no = (capture_us - (rec.run1_start_us - RECV_DELAY_US)) // FRAME_US
    with av.open(io.BytesIO(r.content)) as container:
        image = next(container.decode(video=0))
    assert mean_luma(image) == pytest.approx(min(255, max(0, (luma(frame_no) - 16) * 255 / 219)), abs=3)


def test_an_evidence_master_of_remote_footage_matches_one_made_from_the_files(fleet: Fleet, tmp_path: Path) -> None:
    rec = fleet.n2.recorded
    with fleet.api_services.engine.connect() as conn:
        recordings = recordings_between(conn, 1, rec.run1_start_us, rec.run2_end_us)
    assert {r.node for r in recordings} == {"n2"}
    spans = split_spans(recordings, rec.run1_start_us, rec.run2_end_us)
    access = MediaAccess(fleet.api_services.engine, fleet.api_services.settings)
    before = _served(fleet.n2)
    try:
        remote = write_master(recordings, spans[0], tmp_path / "remote.mp4", reader=access.reader(EXPORT_READ_AHEAD))
    finally:
        access.close()
    assert _served(fleet.n2) > before
    as_local = [dataclasses.replace(r, node="local") for r in recordings]  # the node's own disk, read directly
    local = write_master(as_local, spans[0], tmp_path / "local.mp4")
    assert remote.sha256 == local.sha256 and remote.size_bytes == local.size_bytes > 100_000
    assert (tmp_path / "remote.mp4").read_bytes() == (tmp_path / "local.mp4").read_bytes()


def test_the_export_command_reads_footage_from_the_node_that_holds_it(fleet: Fleet, tmp_path: Path) -> None:
    rec = fleet.n2.recorded
    settings = fleet.api_services.settings
    env = {
        "CITYWATCH_DATABASE_URL": settings.database_url,
        "CITYWATCH_FLEET__SECRET_FILE": str(settings.fleet.secret_file),
    }
    args = ["evidence", "export", "--camera", "1", "--start", iso(rec.run1_start_us + 2_000_000)]
    args += ["--end", iso(rec.run1_start_us + 12_000_000), "--justification", "CAD 4411 assault"]
    args += ["--data-dir", str(tmp_path / "cli"), "--out", str(tmp_path / "bundle.zip")]
    before = _served(fleet.n2)
    _register()
    done = CliRunner().invoke(app, args, env=env)
    assert done.exit_code == 0, done.output
    assert _served(fleet.n2) > before, "the bytes came from node n2"
    with zipfile.ZipFile(tmp_path / "bundle.zip") as bundle:
        masters = [n for n in bundle.namelist() if n.endswith(".mp4")]
        assert masters and all(bundle.getinfo(n).file_size > 10_000 for n in masters)
    assert not (tmp_path / "cli" / "media").exists(), "the exporting machine holds no footage of its own"


def test_timeline_spans_name_their_node(fleet: Fleet) -> None:
    rec = fleet.n2.recorded
    r = fleet.api.get(
        "/api/v1/cameras/1/timeline", params={"start": iso(rec.run1_start_us - 1), "end": iso(rec.run2_end_us + 1)}
    )
    assert r.status_code == 200
    spans = r.json()["spans"]
    assert len(spans) == 2 and all(s["node"] == "n2" and s["available"] for s in spans)


def test_a_stopped_node_is_503_and_then_unavailable_not_missing(fleet: Fleet) -> None:
    rec = fleet.n3.recorded
    at = rec.run1_start_us + 3_000_000
    assert fleet.api.get("/api/v1/cameras/2/snapshot.jpg", params={"at": iso(at)}).status_code == 200
    fleet.n3.server.stop()
    for route, params in (
        ("/api/v1/cameras/2/snapshot.jpg", {"at": iso(at)}),
        ("/api/v1/cameras/2/clip.mp4", {"start": iso(at), "end": iso(at + 5_000_000)}),
    ):
        r = fleet.api.get(route, params=params)
        assert r.status_code == 503, (route, r.text)
        detail = r.json()["detail"]
        assert "camera 2" in detail and "recorder node n3" in detail and "not answering" in detail
        assert iso(rec.run1_start_us)[:16] in detail  # the time of the footage asked for
    playlist = fleet.api.get("/api/v1/cameras/2/playback.m3u8", params={"start": iso(at)})
    segment = parse_playlist(playlist.text).segments[0]
    assert fleet.api.get(segment.uri, headers={"Range": "bytes=0-99"}).status_code == 503
    # The node stops heartbeating: after two lease periods its footage is shown as unavailable.
    register(rec, "n3", fleet.n3.url, heartbeat_us=now_us() - 3 * 600 * 1_000_000)
    window = {"start": iso(rec.run1_start_us - 1), "end": iso(rec.run2_end_us + 1)}
    deadline = time.monotonic() + 10
    while True:
        spans = fleet.api.get("/api/v1/cameras/2/timeline", params=window).json()["spans"]
        if (spans and not any(s["available"] for s in spans)) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(spans) == 2 and all(s["node"] == "n3" and not s["available"] for s in spans)
    other = fleet.api.get("/api/v1/cameras/1/timeline", params=window).json()["spans"]
    assert other and all(s["available"] for s in other)  # the other node's footage is unaffected


def test_live_media_published_on_a_node_reaches_an_api_viewer(fleet: Fleet) -> None:
    node = fleet.n2
    camera_id = 1
    publisher = LivePublisher(live_socket_path(node.recorded.settings.data_dir / "run", camera_id))
    publisher.start()
    with node.recorded.services.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO camera_leases (camera_id, node, epoch, acquired_us, expires_us) VALUES (:c, 'n2', 1, 0, 0)"
            ),
            {"c": camera_id},
        )
    init = _node_file(node, 1).read_bytes()[: _init_bytes(node)]
    stop = threading.Event()

    def camera() -> None:
        n = 0
        while not stop.wait(0.05):
            publisher.publish(
                FragmentOut(camera_id, "run-live", init, b"fragment-%06d" % n, n * 200_000, 18_000, n % 5 == 0)
            )
            n += 1

    feeder = threading.Thread(target=camera, daemon=True)
    feeder.start()
    try:
        ws_url = fleet.api_url.replace("http://", "ws://") + f"/api/v1/cameras/{camera_id}/live"
        capture = asyncio.run(watch(ws_url, login(fleet.api_url), fragments=12, timeout_s=20))
    finally:
        stop.set()
        feeder.join(5)
        publisher.close()
    assert capture.init == init
    assert capture.mime.startswith('video/mp4; codecs="avc1.')
    numbers = [int(f.removeprefix(b"fragment-")) for f in capture.fragments]
    assert numbers[0] % 5 == 0  # the viewer starts at a keyframe
    assert numbers == list(range(numbers[0], numbers[0] + 12))  # in order, nothing lost on the way
    assert not (fleet.api_services.settings.data_dir / "run").exists() or not any(
        (fleet.api_services.settings.data_dir / "run").glob("*.sock")
    )  # the API had no local socket to read: the media came through the node's relay


def _init_bytes(node: Node) -> int:
    with node.recorded.services.engine.connect() as conn:
        return int(conn.execute(text("SELECT init_bytes FROM recordings WHERE id = 1")).scalar_one())


def test_live_of_a_camera_on_an_unreachable_node_is_refused_with_try_later(fleet: Fleet) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{s.getsockname()[1]}"
    register(fleet.n3.recorded, "n9", dead_url)
    with fleet.api_services.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO camera_leases (camera_id, node, epoch, acquired_us, expires_us) VALUES (2, 'n9', 1, 0, 0)"
            )
        )
    ws_url = fleet.api_url.replace("http://", "ws://") + "/api/v1/cameras/2/live"

    async def attempt() -> int | None:
        async with connect(ws_url, additional_headers={"Authorization": f"Bearer {login(fleet.api_url)}"}) as ws:
            try:
                await asyncio.wait_for(ws.recv(), 20)
            except ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd else None
        return None

    assert asyncio.run(attempt()) == 1013  # "try again later", as for a camera that is not recording
