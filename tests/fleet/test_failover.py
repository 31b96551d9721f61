"""Three recorder node processes on one PostgreSQL: cameras spread, one node killed, its cameras go on elsewhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from citywatch.sim.network import CameraNetwork
from citywatch.store.models import CameraLease, Gap, Recording
from citywatch.timeutil import now_us
from citywatch.wiring import Services
from tests.fleet.conftest import add_cameras
from tests.video.recorded import assert_no_overlap, wait_for

pytestmark = pytest.mark.slow

NODES = ("n1", "n2", "n3")


@pytest.fixture
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraNetwork]:
    net = CameraNetwork(
        6, width=160, height=96, fps=10, bitrate_kbps=150, live_count=0, cache_dir=tmp_path_factory.mktemp("loops")
    )
    with net.running_in_thread():
        yield net


def _start_node(name: str, tmp_path: Path, db_url: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CITYWATCH_DATABASE_URL=db_url, CITYWATCH_RECORDER__FILE_DURATION_S="6")
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "citywatch", "recorder", "--node", name, "--data-dir", str(tmp_path / name)),
            *("--workers", "1", "--media-listen", "127.0.0.1:0"),
        ],
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _holders(admin: Services) -> dict[int, str | None]:
    with admin.sessions() as s:
        return {r.camera_id: r.node for r in s.scalars(select(CameraLease))}


def _recordings(admin: Services, camera_id: int) -> list[Recording]:
    with admin.sessions() as s:
        return list(s.scalars(select(Recording).where(Recording.camera_id == camera_id).order_by(Recording.start_us)))


def test_kill_9_of_a_node_hands_its_cameras_to_the_others_with_a_gap_and_no_overlap(
    network: CameraNetwork, tmp_path: Path, fleet_db: str, fleet_admin: Services
) -> None:
    cameras = add_cameras(fleet_admin, network.urls)
    procs = {name: _start_node(name, tmp_path, fleet_db) for name in NODES}
    try:
        wait_for(lambda: set(_holders(fleet_admin).values()) == set(NODES), 60, "cameras spread over three nodes")
        wait_for(lambda: all(_recordings(fleet_admin, c) for c in cameras), 30, "every camera recorded")
        holders = _holders(fleet_admin)
        victim = holders[cameras[0]]
        assert victim is not None
        lost = [c for c, n in holders.items() if n == victim]
        wait_for(lambda: all(any(r.node == victim for r in _recordings(fleet_admin, c)) for c in lost), 20, "footage")
        killed_us = now_us()
        os.killpg(procs[victim].pid, signal.SIGKILL)
        procs[victim].wait(10)

        def resumed(camera_id: int) -> bool:
            return any(r.node != victim and r.start_us > killed_us for r in _recordings(fleet_admin, camera_id))

        wait_for(lambda: all(resumed(c) for c in lost), 40, "the victim's cameras recorded elsewhere")
        failover_s = {}
        for camera_id in lost:
            recs = _recordings(fleet_admin, camera_id)
            before = [r for r in recs if r.node == victim]
            after = [r for r in recs if r.node != victim and r.start_us > killed_us]
            failover_s[camera_id] = (after[0].start_us - killed_us) / 1e6
            with fleet_admin.sessions() as s:
                gaps = list(s.scalars(select(Gap).where(Gap.camera_id == camera_id, Gap.reason == "node_failover")))
            assert len(gaps) == 1, f"camera {camera_id}: one failover gap, not {gaps}"
            assert gaps[0].start_us == max(r.end_us for r in before), "the gap starts where the footage stops"
            assert gaps[0].end_us == after[0].start_us, "and ends at the new node's first frame"
        print(f"failover (kill -9 to first frame recorded elsewhere), per camera: {failover_s}")
        assert max(failover_s.values()) <= 30.0, f"cameras recorded again after {failover_s} s"
        survivors = set(_holders(fleet_admin).values())
        assert victim not in survivors and len(survivors) == 2

        # The node comes back: it repairs the files it was writing, and the others hand it cameras.
        rejoined_us = now_us()
        procs[victim] = _start_node(victim, tmp_path, fleet_db)
        wait_for(lambda: victim in _holders(fleet_admin).values(), 90, f"{victim} to be handed cameras")
        back = [c for c, n in _holders(fleet_admin).items() if n == victim]

        def recording_again(camera_id: int) -> bool:
            return any(r.node == victim and r.start_us > rejoined_us for r in _recordings(fleet_admin, camera_id))

        wait_for(lambda: all(recording_again(c) for c in back), 30, f"{victim} to record again")
        print(f"{victim} recorded again {(now_us() - rejoined_us) / 1e6:.1f} s after its restart, cameras {back}")
        for camera_id in back:
            recs = _recordings(fleet_admin, camera_id)
            first = next(r for r in recs if r.node == victim and r.start_us > rejoined_us)
            with fleet_admin.sessions() as s:
                gap = s.scalar(select(Gap).where(Gap.camera_id == camera_id, Gap.end_us == first.start_us))
            assert gap is not None and gap.reason == "node_handover", f"camera {camera_id}: {gap}"
            assert gap.start_us == max(r.end_us for r in recs if r.start_us < first.start_us)
            giver = [r for r in recs if r.node not in (victim, None) and r.start_us > killed_us]
            assert giver and all(r.state == "closed" for r in giver), "the lease went only after the file was closed"
        for camera_id in lost:
            torn = [r for r in _recordings(fleet_admin, camera_id) if r.node == victim and r.start_us < killed_us]
            assert all(r.state == "closed" for r in torn), "the restarted node repaired the files it was writing"
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
    for camera_id in cameras:
        assert_no_overlap(_recordings(fleet_admin, camera_id))
