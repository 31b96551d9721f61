"""Never two nodes recording one camera: the lease check inside index writes, and the stop before expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from citywatch.config import RetentionSettings
from citywatch.fleet.keeper import safety_margin_s
from citywatch.fleet.leases import acquire, ensure_lease_rows, fenced_cameras
from citywatch.sim.network import CameraNetwork
from citywatch.store.models import CameraStatus, Gap, Garbage, Recording
from citywatch.video.events import RecordingState
from citywatch.video.index_writer import IndexWriter, StatusUpdate
from citywatch.video.reconcile import LeaseLost, reconcile_camera
from citywatch.video.retention import run_retention
from citywatch.video.supervisor import RecorderSupervisor
from citywatch.wiring import Services, build_services
from tests.fleet.conftest import add_cameras, fleet_settings
from tests.video.recorded import wait_for


def _take(admin: Services, node: str, camera_id: int) -> int:
    with admin.sessions.begin() as s:
        ensure_lease_rows(s)
        s.execute(text("UPDATE camera_leases SET expires_us = 1 WHERE camera_id = :c"), {"c": camera_id})
        (a,) = acquire(s, node, [camera_id], 15)
    return a.epoch


def _rec(camera_id: int, end_us: int) -> RecordingState:
    return RecordingState(
        camera_id=camera_id,
        run_id=f"run-{camera_id}",
        run_seq=0,
        media_dir="/nonexistent",
        path=f"{camera_id}/x.mp4",
        start_us=1_000_000,
        media_start_90k=0,
        rate_ppm=0.0,
        init_bytes=700,
        codec="avc1.42c01e",
        width=160,
        height=90,
        size_bytes=800,
        end_us=end_us,
        gops=1,
    )


def test_a_node_whose_lease_was_taken_over_writes_nothing_more_for_that_camera(fleet_admin: Services) -> None:
    cam, other = add_cameras(fleet_admin, ["rtsp://127.0.0.1:9/a", "rtsp://127.0.0.1:9/b"])
    epochs = {cam: _take(fleet_admin, "n1", cam), other: _take(fleet_admin, "n1", other)}
    fenced: list[set[int]] = []
    writer = IndexWriter(
        fleet_admin.sessions,
        node="n1",
        fence=lambda session, ids: fenced_cameras(session, "n1", epochs, ids),
        on_fenced=fenced.append,
    )
    writer.start()
    try:
        writer.recording_updated(_rec(cam, 2_000_000))
        writer.recording_updated(_rec(other, 2_000_000))
        writer.flush()
        assert not fenced
        _take(fleet_admin, "n2", cam)  # n1 stopped renewing; n2 took the camera
        writer.recording_updated(_rec(cam, 3_000_000))
        writer.status(StatusUpdate(cam, "online", 1, 3_000_000, 100.0, 25.0, ""))
        writer.recording_updated(_rec(other, 3_000_000))
        writer.flush()
    finally:
        writer.stop()
    assert fenced == [{cam}], "the writer reported the lost camera"
    with fleet_admin.sessions() as s:
        ends = {r.camera_id: r.end_us for r in s.execute(select(Recording.camera_id, Recording.end_us))}
        status = s.get(CameraStatus, cam)
    assert ends == {cam: 2_000_000, other: 3_000_000}, "the lost camera's row froze; the other one went on"
    assert status is None, "no status written for a camera another node holds"


def test_the_fencing_check_holds_the_lease_until_the_write_commits(fleet_admin: Services) -> None:
    (cam,) = add_cameras(fleet_admin, ["rtsp://127.0.0.1:9/a"])
    epoch = _take(fleet_admin, "n1", cam)
    with fleet_admin.sessions.begin() as writing:
        assert fenced_cameras(writing, "n1", {cam: epoch}, [cam]) == set()
        writing.execute(text("UPDATE camera_leases SET expires_us = 1 WHERE camera_id = :c"), {"c": cam})
        with fleet_admin.sessions.begin() as other:
            assert acquire(other, "n2", [cam], 15) == [], "an expired lease under a write is not taken"
    with fleet_admin.sessions.begin() as other:
        assert [a.camera_id for a in acquire(other, "n2", [cam], 15)] == [cam]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraNetwork]:
    net = CameraNetwork(
        1, width=160, height=96, fps=10, bitrate_kbps=150, live_count=0, cache_dir=tmp_path_factory.mktemp("l")
    )
    with net.running_in_thread():
        yield net


@pytest.mark.slow
def test_a_node_that_cannot_renew_stops_recording_before_its_lease_can_expire(
    network: CameraNetwork, tmp_path: Path, fleet_db: str, fleet_admin: Services
) -> None:
    add_cameras(fleet_admin, network.urls)
    settings = fleet_settings(tmp_path / "n1", fleet_db, "n1", lease_s=10.0, renew_s=1.0)
    node = build_services(settings, migrate=False)
    supervisor = RecorderSupervisor(node)
    supervisor.start()
    blocker = fleet_admin.engine.connect()
    try:
        wait_for(lambda: network.camera(1).sessions == 1, 30, "node n1 to record the camera")
        # Hold the lease row locked: n1's renewals wait, as they would for a database out of reach.
        tx = blocker.begin()
        blocker.execute(text("SELECT * FROM camera_leases WHERE camera_id = 1 FOR UPDATE"))
        locked_at = time.monotonic()
        wait_for(lambda: network.camera(1).sessions == 0, 15, "n1 to stop recording")
        stopped_after = time.monotonic() - locked_at
        left_us = blocker.execute(text("SELECT expires_us FROM camera_leases WHERE camera_id = 1")).scalar_one()
        left_us -= db_now_us_on(blocker)
        tx.rollback()
        print(f"renewals blocked: recording stopped after {stopped_after:.1f} s, {left_us / 1e6:.1f} s before expiry")
        assert left_us > 0, f"n1 stopped {-left_us / 1e6:.1f} s after its lease expired"
        assert stopped_after <= settings.fleet.lease_s - safety_margin_s(settings.fleet.lease_s) + 1.0
        # Renewals get through again: the lease is still n1's, so it records again.
        wait_for(lambda: network.camera(1).sessions == 1, 15, "n1 to record again")
    finally:
        if blocker.in_transaction():
            blocker.rollback()
        blocker.close()
        supervisor.stop()
        node.close()


def db_now_us_on(conn: Connection) -> int:
    return int(
        conn.execute(text("SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT)")).scalar_one()
    )


def test_start_up_repair_writes_no_gap_for_a_camera_another_node_took(fleet_admin: Services, tmp_path: Path) -> None:
    (cam,) = add_cameras(fleet_admin, ["rtsp://127.0.0.1:9/a"])
    epoch = _take(fleet_admin, "n1", cam)
    with fleet_admin.sessions.begin() as s:
        s.add(_row(cam, "n2"))
    _take(fleet_admin, "n2", cam)

    def still_mine(session: Session) -> bool:
        return not fenced_cameras(session, "n1", {cam: epoch}, [cam])

    with pytest.raises(LeaseLost, match=f"camera {cam}"):
        reconcile_camera(fleet_admin.sessions, cam, [tmp_path], node="n1", still_mine=still_mine)
    with fleet_admin.sessions() as s:
        assert s.scalars(select(Gap)).all() == []
        assert s.scalar(select(Recording.state)) == "writing", "n2's live recording was left alone"


def _row(camera_id: int, node: str) -> Recording:
    return Recording(
        camera_id=camera_id,
        run_id="r",
        run_seq=0,
        state="writing",
        media_dir="/elsewhere",
        path="missing.mp4",
        start_us=1_000_000,
        end_us=2_000_000,
        media_start_90k=0,
        duration_90k=90_000,
        size_bytes=800,
        init_bytes=700,
        frames=10,
        gops=1,
        gop_index=b"",
        codec="avc1.42c01e",
        width=160,
        height=96,
        node=node,
    )


def test_a_node_repairs_only_its_own_files(fleet_admin: Services, tmp_path: Path) -> None:
    (cam,) = add_cameras(fleet_admin, ["rtsp://127.0.0.1:9/a"])
    with fleet_admin.sessions.begin() as s:
        s.add(_row(cam, "n2"))  # n2 is recording it; n1 cannot see n2's disk
    reconcile_camera(fleet_admin.sessions, cam, [tmp_path], node="n1")
    with fleet_admin.sessions() as s:
        assert s.scalar(select(Recording.state)) == "writing", "another node's live row is not 'missing'"
    reconcile_camera(fleet_admin.sessions, cam, [tmp_path])  # single-node rules would remove it
    with fleet_admin.sessions() as s:
        assert s.scalar(select(Recording.id)) is None


def test_retention_deletes_only_this_nodes_files(fleet_admin: Services, tmp_path: Path) -> None:
    (cam,) = add_cameras(fleet_admin, ["rtsp://127.0.0.1:9/a"])
    files = {}
    with fleet_admin.sessions.begin() as s:
        for node in ("n1", "n2"):
            media = tmp_path / node
            (media / "1").mkdir(parents=True)
            row = _row(cam, node)
            row.state, row.media_dir, row.path = "closed", str(media), f"1/{node}.mp4"
            files[node] = media / row.path
            files[node].write_bytes(b"x" * row.size_bytes)
            s.add(row)
    settings = RetentionSettings(default_days=1, min_free_bytes=0, free_alarm_bytes=0)
    report = run_retention(fleet_admin.sessions, [tmp_path / "n1"], settings, node="n1")
    assert report.deleted_files == 1
    assert not files["n1"].exists() and files["n2"].exists(), "n2's old footage waits for n2"
    with fleet_admin.sessions() as s:
        assert [r.node for r in s.scalars(select(Recording))] == ["n2"]
        assert s.scalars(select(Garbage)).all() == []
