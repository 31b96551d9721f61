"""Camera status and alarm events: an index writer in another process → PostgreSQL NOTIFY → the API's WebSocket.

Real PostgreSQL, a real uvicorn server on 127.0.0.1, a real WebSocket client, and the writer in a
process of its own as on a recorder node; last, the same on SQLite (in-process bus, and reading the
changes of a recorder's worker process).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from citywatch.access.demo import DEMO_PASSWORD, seed_demo_access
from citywatch.api.app import create_app
from citywatch.config import Settings
from citywatch.fleet.events import CHANNEL, FleetEvent, stage
from citywatch.store.models import Camera
from citywatch.wiring import Services, build_services
from tests.access.borough import totp_code
from tests.api.server import running
from tests.database import fresh_postgresql

ADMIN_PASSWORD = "correct horse battery staple"
COUNCIL_CAMERA, WESTFIELD_CAMERA, NO_SUCH_CAMERA = 1, 2, 999


@dataclass
class Fleet:
    url: str
    database_url: str
    services: Services

    def token(self, username: str) -> str:
        password = ADMIN_PASSWORD if username == "admin" else DEMO_PASSWORD
        body = {"username": username, "password": password}
        if username.startswith(("pc.", "sgt.")):
            body["totp"] = totp_code(username)
        r = httpx.post(f"{self.url}/api/v1/auth/login", json=body, timeout=30)
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/v1/events"


class Writer:
    """tests/fleet/status_writer.py in its own process."""

    def __init__(self, database_url: str) -> None:
        here = Path(__file__).with_name("status_writer.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(here), database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )

    def send(self, *lines: str) -> int:
        """Queue ``lines``, commit them, and answer the commit's wall-clock time (µs)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n".join([*lines, "flush"]) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        assert answer and answer[0] == "committed", f"status writer failed: {answer}"
        return int(answer[1])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(30)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    database_url = fresh_postgresql()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("events"), admin_password=ADMIN_PASSWORD, database_url=database_url
    )
    services = build_services(settings)
    with services.sessions.begin() as session:
        for name in ("Shepherd's Bush Green", "Westfield London atrium"):
            url = f"rtsp://127.0.0.1:8554/cam/{name[:4]}"
            session.add(Camera(name=name, rtsp_url=url, enabled=False, created_us=0, updated_us=0))
    app = create_app(services)
    seed_demo_access(services, app.state.ctx.auth.users)
    try:
        with running(app) as url:
            yield Fleet(url, database_url, services)
    finally:
        services.close()


@pytest.fixture(scope="module")
def writer(fleet: Fleet) -> Iterator[Writer]:
    w = Writer(fleet.database_url)
    yield w
    w.close()


async def _ready(fleet: Fleet, username: str) -> ClientConnection:
    ws = await connect(fleet.ws_url, additional_headers={"Authorization": f"Bearer {fleet.token(username)}"})
    hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert hello == {"type": "ready"}
    return ws


async def _next(ws: ClientConnection, timeout_s: float = 10.0) -> tuple[dict[str, Any], int]:
    message = await asyncio.wait_for(ws.recv(), timeout_s)
    return json.loads(message), int(time.time() * 1e6)


async def _all_until_quiet(ws: ClientConnection, quiet_s: float = 1.0) -> list[dict[str, Any]]:
    out = []
    while True:
        try:
            out.append(json.loads(await asyncio.wait_for(ws.recv(), quiet_s)))
        except TimeoutError:
            return out


def test_a_status_change_reaches_a_websocket_client_within_a_second_and_refreshes_do_not(
    fleet: Fleet, writer: Writer
) -> None:
    async def scenario() -> None:
        ws = await _ready(fleet, "admin")
        committed = await asyncio.to_thread(writer.send, f"status {COUNCIL_CAMERA} online")
        event, arrived = await _next(ws)
        assert (event["type"], event["camera_id"], event["state"], event["node"]) == (
            "camera.status",
            COUNCIL_CAMERA,
            "online",
            "rec-test",
        )
        assert arrived - committed < 1_000_000, f"event arrived {(arrived - committed) / 1e6:.2f} s after the commit"
        # A bitrate refresh in the same state is written but not announced; the next change is.
        await asyncio.to_thread(writer.send, f"status {COUNCIL_CAMERA} online 1234")
        await asyncio.to_thread(writer.send, f"status {COUNCIL_CAMERA} offline")
        event, _ = await _next(ws)
        assert (event["camera_id"], event["state"]) == (COUNCIL_CAMERA, "offline")
        await ws.close()

    asyncio.run(scenario())
    with fleet.services.sessions() as session:
        from citywatch.store.models import CameraStatus

        row = session.get(CameraStatus, COUNCIL_CAMERA)
        assert row is not None and row.state == "offline"


def test_motion_starting_and_ending_on_a_recorder_reaches_the_websocket(fleet: Fleet, writer: Writer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = await _ready(fleet, "admin")
        t0 = int(time.time() * 1e6)
        await asyncio.to_thread(writer.send, f"motion {COUNCIL_CAMERA} start {t0}")
        started = (await _next(ws))[0]
        await asyncio.to_thread(writer.send, f"motion {COUNCIL_CAMERA} end {t0} {t0 + 4_000_000}")
        ended = (await _next(ws))[0]
        await ws.close()
        return [started, ended]

    started, ended = asyncio.run(scenario())
    assert (started["type"], started["camera_id"], started["node"]) == ("motion.started", COUNCIL_CAMERA, "rec-test")
    assert (ended["type"], ended["camera_id"]) == ("motion.ended", COUNCIL_CAMERA)
    assert ended["at_us"] - started["at_us"] == 4_000_000  # the event's own times, not when they were sent


def test_a_write_that_rolls_back_sends_nothing(fleet: Fleet, writer: Writer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = await _ready(fleet, "admin")
        # No camera 999: the status row breaks its foreign key after the NOTIFY was queued; all rolls back.
        await asyncio.to_thread(writer.send, f"status {NO_SUCH_CAMERA} online")
        await asyncio.to_thread(writer.send, f"status {COUNCIL_CAMERA} connecting")
        got = [(await _next(ws))[0]]
        got += await _all_until_quiet(ws)
        await ws.close()
        return got

    got = asyncio.run(scenario())
    assert [(e["camera_id"], e["state"]) for e in got] == [(COUNCIL_CAMERA, "connecting")]


def test_a_rolled_back_transaction_with_a_staged_event_sends_nothing(fleet: Fleet) -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = await _ready(fleet, "admin")

        def write(state: str, fail: bool) -> None:
            with fleet.services.sessions.begin() as session:
                stage(session, [FleetEvent("camera.status", COUNCIL_CAMERA, 1, "direct", state)])
                if fail:
                    raise RuntimeError("rolled back on purpose")

        with pytest.raises(RuntimeError):
            await asyncio.to_thread(write, "lost", True)
        await asyncio.to_thread(write, "kept", False)
        got = [(await _next(ws))[0]]
        got += await _all_until_quiet(ws)
        await ws.close()
        return got

    got = asyncio.run(scenario())
    assert [e["state"] for e in got] == ["kept"]


def test_a_viewer_without_rights_on_a_camera_gets_none_of_its_events(fleet: Fleet, writer: Writer) -> None:
    police = httpx.Client(base_url=fleet.url, headers={"Authorization": f"Bearer {fleet.token('pc.jones')}"})
    # What the API itself says: the police (through the council's agreement) see the council's camera only.
    assert police.get(f"/api/v1/cameras/{COUNCIL_CAMERA}").status_code == 200
    assert police.get(f"/api/v1/cameras/{WESTFIELD_CAMERA}").status_code in (403, 404)

    async def scenario() -> dict[str, list[dict[str, Any]]]:
        clients = {name: await _ready(fleet, name) for name in ("admin", "pc.jones", "westfield.security")}
        await asyncio.to_thread(
            writer.send,
            f"status {WESTFIELD_CAMERA} offline",
            f"alarm {WESTFIELD_CAMERA} camera_offline raise",
            f"alarm {COUNCIL_CAMERA} camera_offline raise",
            f"status {COUNCIL_CAMERA} online",
        )
        got = {}
        got["admin"] = [(await _next(clients["admin"]))[0] for _ in range(4)]
        for name in ("admin", "pc.jones", "westfield.security"):
            got[name] = got.get(name, []) + await _all_until_quiet(clients[name])
            await clients[name].close()
        return got

    got = asyncio.run(scenario())

    def seen(name: str) -> set[tuple[str, int]]:
        return {(e["type"], e["camera_id"]) for e in got[name]}

    everything = {
        ("camera.status", WESTFIELD_CAMERA),
        ("alarm.raised", WESTFIELD_CAMERA),
        ("alarm.raised", COUNCIL_CAMERA),
        ("camera.status", COUNCIL_CAMERA),
    }
    assert seen("admin") == everything
    assert seen("pc.jones") == {("alarm.raised", COUNCIL_CAMERA), ("camera.status", COUNCIL_CAMERA)}
    # The partner's staff see their own camera's status; alarms are not among their rights.
    assert seen("westfield.security") == {("camera.status", WESTFIELD_CAMERA)}


def test_signed_out_clients_are_refused(fleet: Fleet) -> None:
    async def attempt() -> int | None:
        try:
            async with connect(fleet.ws_url) as ws:
                await ws.recv()
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None
        except Exception as exc:  # refused before the upgrade
            return getattr(getattr(exc, "response", None), "status_code", -1)
        return None

    assert asyncio.run(attempt()) in (1008, 403)


def test_notify_payloads_stay_under_the_postgresql_limit() -> None:
    huge = FleetEvent("alarm.raised", 7, 1, "rec-a", alarm="disk_full", message="x" * 100_000)
    payload = huge.to_json()
    assert len(payload.encode()) < 8000
    back = FleetEvent.from_json(payload)
    assert back.camera_id == 7 and back.alarm == "disk_full" and len(back.message) < 8000
    assert CHANNEL.isidentifier()  # LISTEN takes it unquoted


def test_on_sqlite_events_of_this_process_reach_its_websocket_clients(tmp_path: Path) -> None:
    """No NOTIFY on SQLite: a writer in the API's own process is heard through the in-process bus."""
    from citywatch.video.index_writer import IndexWriter, StatusUpdate

    services = build_services(Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD))
    with services.sessions.begin() as session:
        session.add(
            Camera(name="Lime Grove", rtsp_url="rtsp://127.0.0.1:8554/g", enabled=False, created_us=0, updated_us=0)
        )
    writer = IndexWriter(services.sessions, interval_s=0.05)
    writer.start()
    try:
        with running(create_app(services)) as url:
            local = Fleet(url, "", services)

            async def scenario() -> dict[str, Any]:
                ws = await _ready(local, "admin")
                writer.status(StatusUpdate(1, "online", 1, 1, 900.0, 25.0, ""))
                await asyncio.to_thread(writer.flush)
                event, _ = await _next(ws)
                await ws.close()
                return event

            event = asyncio.run(scenario())
            assert (event["type"], event["camera_id"], event["state"]) == ("camera.status", 1, "online")
    finally:
        writer.stop()
        services.close()


def test_on_sqlite_changes_written_by_another_process_are_found_and_pushed(tmp_path: Path) -> None:
    """A single-node installation: the recorder's worker processes write SQLite; the API reads the changes."""
    services = build_services(Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD))
    with services.sessions.begin() as session:
        session.add(
            Camera(name="Lime Grove", rtsp_url="rtsp://127.0.0.1:8554/g", enabled=False, created_us=0, updated_us=0)
        )
    other = Writer(services.settings.effective_database_url)
    try:
        with running(create_app(services)) as url:
            local = Fleet(url, "", services)

            async def scenario() -> list[dict[str, Any]]:
                ws = await _ready(local, "admin")
                await asyncio.to_thread(other.send, "status 1 online", "alarm 1 camera_offline raise")
                got = [(await _next(ws))[0], (await _next(ws))[0]]
                await asyncio.to_thread(other.send, "status 1 online 1500")  # a refresh: nothing to push
                await asyncio.to_thread(other.send, "alarm 1 camera_offline clear")
                got.append((await _next(ws))[0])
                t0 = int(time.time() * 1e6)
                await asyncio.to_thread(other.send, f"motion 1 start {t0}")
                got.append((await _next(ws))[0])
                await asyncio.to_thread(other.send, f"motion 1 end {t0} {t0 + 3_000_000}")
                got.append((await _next(ws))[0])
                got += await _all_until_quiet(ws, 2.5)
                await ws.close()
                return got

            got = asyncio.run(scenario())
    finally:
        other.close()
        services.close()
    assert sorted((e["type"], e["camera_id"], e["state"] or e["alarm"]) for e in got) == [
        ("alarm.cleared", 1, "camera_offline"),
        ("alarm.raised", 1, "camera_offline"),
        ("camera.status", 1, "online"),
        ("motion.ended", 1, ""),
        ("motion.started", 1, ""),
    ]
    assert [e["type"] for e in got[-2:]] == ["motion.started", "motion.ended"]
