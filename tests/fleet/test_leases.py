"""Camera leases on a real PostgreSQL, and the balance that decides who takes what."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import text, update

from citywatch.config import FleetSettings
from citywatch.fleet.balance import FleetView, plan
from citywatch.fleet.keeper import LeaseKeeper
from citywatch.fleet.leases import acquire, db_now_us, ensure_lease_rows, fenced_cameras, lease_rows, release, renew
from citywatch.fleet.media_dirs import pick_media_dir, space
from citywatch.store.models import Camera
from citywatch.wiring import Services
from tests.fleet.conftest import add_cameras


def _cameras(admin: Services, count: int) -> list[int]:
    ids = add_cameras(admin, [f"rtsp://127.0.0.1:9/cam/{i}" for i in range(1, count + 1)])
    with admin.sessions.begin() as session:
        ensure_lease_rows(session)
    return ids


def _expire(admin: Services, camera_id: int) -> None:
    with admin.sessions.begin() as session:
        session.execute(text("UPDATE camera_leases SET expires_us = 1 WHERE camera_id = :c"), {"c": camera_id})


def test_a_lease_changes_holder_only_when_free_or_expired_and_each_change_bumps_the_epoch(
    fleet_admin: Services,
) -> None:
    (cam,) = _cameras(fleet_admin, 1)
    with fleet_admin.sessions.begin() as s:
        first = acquire(s, "n1", [cam], 15)
    assert [(a.camera_id, a.epoch, a.previous, a.previous_expired) for a in first] == [(cam, 1, None, False)]
    with fleet_admin.sessions.begin() as s:
        assert acquire(s, "n2", [cam], 15) == [], "a live lease is not taken"
        assert renew(s, "n1", {cam: 1}, 15) == {cam: 1}
    _expire(fleet_admin, cam)
    with fleet_admin.sessions.begin() as s:
        second = acquire(s, "n2", [cam], 15)
    assert [(a.epoch, a.previous, a.previous_expired) for a in second] == [(2, "n1", True)]
    with fleet_admin.sessions.begin() as s:
        assert renew(s, "n1", {cam: 1}, 15) == {}, "the old holder learns it lost the camera"
        assert fenced_cameras(s, "n1", {cam: 1}, [cam]) == {cam}
        assert fenced_cameras(s, "n2", {cam: 2}, [cam]) == set()
        assert fenced_cameras(s, "n2", {}, [cam]) == {cam}, "a camera with no known epoch is never written"


def test_a_released_lease_is_free_at_once_and_counts_as_a_hand_over(fleet_admin: Services) -> None:
    (cam,) = _cameras(fleet_admin, 1)
    with fleet_admin.sessions.begin() as s:
        (a,) = acquire(s, "n1", [cam], 15)
        assert not release(s, "n1", cam, a.epoch + 1), "a stale epoch releases nothing"
        assert release(s, "n1", cam, a.epoch)
    with fleet_admin.sessions.begin() as s:
        (b,) = acquire(s, "n2", [cam], 15)
    assert (b.epoch, b.previous, b.previous_expired) == (2, None, False)


def test_expiry_is_judged_by_the_database_clock(fleet_admin: Services) -> None:
    (cam,) = _cameras(fleet_admin, 1)
    with fleet_admin.sessions.begin() as s:
        acquire(s, "n1", [cam], 15)
        now = db_now_us(s)
        (row,) = lease_rows(s)
    assert now + 14_000_000 < row.expires_us <= now + 15_000_000


def test_disabled_cameras_are_not_taken(fleet_admin: Services) -> None:
    a, b = _cameras(fleet_admin, 2)
    with fleet_admin.sessions.begin() as s:
        s.execute(update(Camera).where(Camera.id == b).values(enabled=False))
    with fleet_admin.sessions.begin() as s:
        assert [x.camera_id for x in acquire(s, "n1", [a, b], 15)] == [a]


def test_nodes_racing_for_the_same_cameras_each_get_a_different_one(fleet_admin: Services) -> None:
    cams = _cameras(fleet_admin, 30)
    barrier = threading.Barrier(4)
    got: dict[str, list[int]] = {}

    def take(node: str) -> None:
        barrier.wait()
        taken: list[int] = []
        for _ in range(5):  # rows another node had locked were skipped: try again
            with fleet_admin.sessions.begin() as s:
                taken += [x.camera_id for x in acquire(s, node, [c for c in cams if c not in taken], 15)]
        got[node] = taken

    threads = [threading.Thread(target=take, args=(f"n{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    every = [c for taken in got.values() for c in taken]
    assert sorted(every) == cams, "every camera taken exactly once"
    with fleet_admin.sessions() as s:
        rows = lease_rows(s)
    assert {r.epoch for r in rows} == {1}
    assert {r.camera_id: r.node for r in rows} == {c: n for n, taken in got.items() for c in taken}


def _simulate(nodes: list[str], cameras: dict[int, float], holder: dict[int, str], rounds: int) -> list[dict[int, str]]:
    """Rounds of every node deciding in turn; a camera handed back is free from the next node's turn."""
    history = []
    for _ in range(rounds):
        for me in nodes:
            load: dict[str, float] = {}
            for c, n in holder.items():
                load[n] = load.get(n, 0.0) + cameras[c]
            free = [(c, k) for c, k in cameras.items() if c not in holder]
            mine = [(c, cameras[c]) for c, n in holder.items() if n == me]
            decision = plan(FleetView(me, frozenset(nodes), load, free, mine))
            for c in decision.take:
                holder[c] = me
            for c in decision.hand_back:
                del holder[c]
        history.append(dict(holder))
    return history


def test_a_new_node_gets_its_share_and_the_fleet_then_stays_put() -> None:
    cameras = {c: 1000.0 + 500.0 * (c % 3) for c in range(1, 25)}  # 1.0, 1.5 and 2.0 Mbit/s cameras
    holder = {c: "n1" if c % 3 else "n2" for c in cameras}  # two nodes, unevenly
    nodes = ["n1", "n2", "n3"]
    history = _simulate(nodes, cameras, holder, 12)
    final = history[-1]
    assert history[-4:] == [final] * 4, "no camera moves once balanced"
    assert set(final) == set(cameras), "every camera is recorded"
    share = sum(cameras.values()) / 3
    for node in nodes:
        load = sum(cameras[c] for c, n in final.items() if n == node)
        assert abs(load - share) <= max(cameras.values()) + 0.25 * share, f"{node}: {load} kbps against {share}"


def test_equal_nodes_starting_together_split_equal_cameras_evenly() -> None:
    cameras = {c: 2000.0 for c in range(1, 801)}
    final = _simulate(["n1", "n2", "n3", "n4"], cameras, {}, 3)[-1]
    counts = sorted(list(final.values()).count(n) for n in ("n1", "n2", "n3", "n4"))
    assert counts == [200, 200, 200, 200]


def test_a_node_joining_a_full_node_gets_half_and_nothing_is_left_unrecorded() -> None:
    cameras = {c: 2000.0 for c in range(1, 101)}
    history = _simulate(["n1", "n2"], cameras, {c: "n1" for c in cameras}, 3)
    assert sorted(list(history[0].values()).count(n) for n in ("n1", "n2")) == [50, 50], "in one round"
    assert history[-1] == history[0]


def test_a_camera_bigger_than_any_margin_is_still_taken() -> None:
    cameras = {1: 20000.0, 2: 500.0, 3: 500.0}
    history = _simulate(["n1", "n2"], cameras, {}, 4)
    assert set(history[-1]) == {1, 2, 3}
    assert history[-1] == history[-2]


def test_a_node_alone_takes_every_camera() -> None:
    view = FleetView("n1", frozenset({"n1"}), {}, [(1, 3000.0), (2, 100.0)], [])
    assert sorted(plan(view).take) == [1, 2]
    assert plan(view).hand_back == []


def _keeper(admin: Services, node: str, tmp_path: Path) -> LeaseKeeper:
    fleet = FleetSettings(node=node, lease_s=15, renew_s=5, media_listen="")
    return LeaseKeeper(admin.sessions, fleet, [tmp_path])


def test_the_keeper_follows_cameras_added_disabled_and_enabled_again(fleet_admin: Services, tmp_path: Path) -> None:
    a, b = _cameras(fleet_admin, 2)
    keeper = _keeper(fleet_admin, "n1", tmp_path)
    keeper.round(first=True)
    assert keeper.snapshot() == {}, "the first round only registers the node"
    keeper.round()
    assert sorted(keeper.snapshot()) == [a, b]
    (c,) = add_cameras(fleet_admin, ["rtsp://127.0.0.1:9/cam/new"])
    keeper.round()
    assert sorted(keeper.snapshot()) == [a, b, c], "a camera added is taken at the next round"
    with fleet_admin.sessions.begin() as s:
        s.execute(update(Camera).where(Camera.id == b).values(enabled=False))
    keeper.round()
    assert keeper.snapshot()[b].stopping == "recorder_stopped", "a disabled camera is stopped"
    keeper.stopped(b)  # its recording ended and its rows are written
    keeper.round()
    assert sorted(keeper.snapshot()) == [a, c]
    with fleet_admin.sessions() as s:
        assert {r.camera_id: r.node for r in lease_rows(s)} == {a: "n1", b: None, c: "n1"}
    with fleet_admin.sessions.begin() as s:
        s.execute(update(Camera).where(Camera.id == b).values(enabled=True))
    keeper.round()
    assert sorted(keeper.snapshot()) == [a, b, c]
    assert keeper.snapshot()[b].epoch == 2


def test_a_node_joining_gets_cameras_handed_over_by_the_busy_one(fleet_admin: Services, tmp_path: Path) -> None:
    cams = _cameras(fleet_admin, 6)
    n1, n2 = _keeper(fleet_admin, "n1", tmp_path), _keeper(fleet_admin, "n2", tmp_path)
    n1.round(first=True)
    n1.round()
    assert sorted(n1.snapshot()) == cams, "alone, n1 takes every camera"
    n2.round(first=True)
    n1.round()
    handing = sorted(c for c, h in n1.snapshot().items() if h.stopping == "node_handover")
    assert len(handing) == 3, "n1 hands back half once n2 is alive"
    for camera_id in handing:
        n1.stopped(camera_id)
    n1.round()
    n2.round()
    assert sorted(n2.snapshot()) == handing
    assert {h.gap_reason for h in n2.snapshot().values()} == {"node_handover"}
    for _ in range(3):
        n1.round()
        n2.round()
    assert sorted(n1.snapshot()) == sorted(set(cams) - set(handing)), "and then nothing moves"


def test_a_restarted_node_takes_its_own_live_leases_back_at_a_new_epoch(fleet_admin: Services) -> None:
    (cam,) = _cameras(fleet_admin, 1)
    with fleet_admin.sessions.begin() as s:
        acquire(s, "n1", [cam], 15)
    with fleet_admin.sessions.begin() as s:
        (again,) = acquire(s, "n1", [cam], 15)
        assert acquire(s, "n2", [cam], 15) == []
    assert (again.epoch, again.previous, again.previous_expired) == (2, "n1", False)


def test_a_camera_starts_on_the_media_directory_with_the_most_free_space(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("this test mounts two small tmpfs volumes and must run as root (as CI does)")
    small, large = tmp_path / "small", tmp_path / "large"
    mounted = []
    try:
        for path, size in ((small, "2m"), (large, "4m")):
            path.mkdir()
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
            mounted.append(path)
        assert pick_media_dir([small, large, tmp_path / "unmounted"]) == large
        (large / "fill").write_bytes(b"x" * 3 * 1024 * 1024)
        assert pick_media_dir([small, large]) == small, "the fuller disk is passed over"
        free, total = space([small, large, small])
        assert (total, free) == (6 * 1024 * 1024, 3 * 1024 * 1024), "each file system counted once"
    finally:
        for path in mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)
