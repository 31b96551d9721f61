"""Fleet recording benchmark: N virtual cameras recorded by K recorder nodes under one PostgreSQL.

The virtual cameras serve a pre-encoded loop (``citywatch sim cameras``, low bitrate); K processes of
``citywatch recorder --node rec-K`` share them through leases. Reported: whether every camera was
recorded (rows per camera, which nodes), frames the cameras sent against frames in the index, CPU
seconds per stream of the recorders and of the virtual cameras (separately, whole process trees, by
psutil), the load average, and an extrapolation to 1080p 3 Mbit/s with the recording benchmark's
per-stream figures.

    .venv/bin/python bench/fleet.py --cameras 100 --nodes 3 --seconds 60
    .venv/bin/python bench/fleet.py --cameras 800 --nodes 3 --seconds 60 --fps 5 --read-back

``--nodes 0`` runs one single-node ``citywatch recorder`` instead (no leases). Needs PostgreSQL
(``CITYWATCH_BENCH_POSTGRES_URL``, default the server at 127.0.0.1:5432); makes and drops its own database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
# Recorder CPU per stream at 1080p 25 fps 3 Mbit/s, BENCHMARKS.md "Recording" (20 and 200 streams).
RECORDING_CPU_PCT = (0.43, 0.65)
# The virtual cameras at 1080p 3 Mbit/s, BENCHMARKS.md "Virtual cameras": 34.9 % of a core per 200.
SIM_CPU_PCT_1080P = 34.9 / 200


@dataclass
class Node:
    name: str
    proc: subprocess.Popen[bytes]
    data_dir: Path


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu_s(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            t = p.cpu_times()
            total += t.user + t.system
    return total


@contextlib.contextmanager
def _database() -> Iterator[str]:
    server = os.environ.get("CITYWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"citywatch_bench_fleet_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _start_sim(args: argparse.Namespace) -> tuple[subprocess.Popen[str], list[str]]:
    cmd = [
        PY, "-m", "citywatch", "sim", "cameras", "--count", str(args.cameras), "--rtsp-port", str(args.port),
        "--control-port", str(args.port + 1), "--width", str(args.width), "--height", str(args.height),
        "--fps", str(args.fps), "--bitrate-kbps", str(args.bitrate_kbps), "--session-timeout-s", "600",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None
    urls = []
    while len(urls) < args.cameras:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the virtual cameras did not start")
        urls.append(line.strip())
    return proc, urls


def _stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _sim_stats(port: int) -> dict[int, dict[str, int]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port + 1}/cameras", timeout=30) as r:
        return {int(c["camera"]): c for c in json.load(r)}


def _online(engine_url: str) -> int:
    from citywatch.store.models import CameraStatus

    engine = create_engine(engine_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).where(CameraStatus.state == "online")) or 0)
    finally:
        engine.dispose()


def _read_back(work: Path, names: list[str]) -> dict[str, int]:
    """Holes in each camera's capture-time frame numbers across every node's files (bench/recording.py's way)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from recording import _frame_numbers, _lost  # type: ignore[import-not-found]

    numbers: dict[str, list[int]] = {}
    for name in names:
        media = work / name / "media"
        for path in sorted(media.rglob("*.mp4")):
            numbers.setdefault(path.relative_to(media).parts[0], []).extend(_frame_numbers(path))
    recorded, lost = _lost(numbers)
    cameras_with_holes = sum(1 for n in numbers.values() if n and max(n) - min(n) + 1 > len(set(n)))
    return {"frames_read_back": recorded, "frames_missing_inside": lost, "cameras_with_holes": cameras_with_holes}


def _nodes_up(engine_url: str) -> int:
    from citywatch.store.models import Node

    engine = create_engine(engine_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).where(Node.state == "up")) or 0)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=3, help="recorder nodes (0: one single-node recorder)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per recorder node")
    parser.add_argument("--seconds", type=float, default=60.0, help="measurement window")
    parser.add_argument("--warmup-max", type=float, default=120.0, help="longest wait for every camera online")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=180)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--bitrate-kbps", type=int, default=100)
    parser.add_argument("--port", type=int, default=19554)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--read-back", action="store_true", help="also read every file's capture-time frame numbers (holes = lost)"
    )
    args = parser.parse_args()

    from citywatch.config import Settings
    from citywatch.store.models import Camera, Recording
    from citywatch.video.cameras import CameraInput
    from citywatch.wiring import build_services

    work = Path(tempfile.mkdtemp(prefix="cw-fleet-", dir=os.environ.get("CW_BENCH_DIR")))
    load_before = os.getloadavg()
    nodes: list[Node] = []
    sim: subprocess.Popen[str] | None = None
    with _database() as db_url:
        try:
            settings = Settings(data_dir=work / "admin", database_url=db_url)
            services = build_services(settings)  # migrates
            sim, urls = _start_sim(args)
            env = dict(
                os.environ,
                CITYWATCH_DATABASE_URL=db_url,
                CITYWATCH_RECORDER__WORKERS=str(args.workers),
                CITYWATCH_RECORDER__CONNECT_STAGGER_MS="5",
            )
            # Every node has the installation's key (camera passwords) and the fleet's secret, as deployed.
            names = [f"rec-{chr(ord('a') + k)}" for k in range(args.nodes)] or ["local"]
            for name in names:
                data = work / name
                data.mkdir(parents=True)
                if settings.secret_key_path.exists():
                    shutil.copy(settings.secret_key_path, data / "secret.key")
                cmd = [PY, "-m", "citywatch", "recorder", "--data-dir", str(data)]
                if args.nodes:
                    cmd += ["--node", name, "--media-listen", ""]
                log = (work / f"{name}.log").open("wb")
                proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
                nodes.append(Node(name, proc, data))
            # Cameras are added once every node is up, so each takes its share from the start (a node that
            # started alone would take them all, then hand most back: measured separately, not here).
            deadline = time.monotonic() + 120
            while args.nodes and _nodes_up(db_url) < args.nodes:
                if time.monotonic() > deadline or any(n.proc.poll() is not None for n in nodes):
                    raise SystemExit(f"the recorder nodes did not all come up; see {work}/*.log")
                time.sleep(1.0)
            for i, url in enumerate(urls, start=1):
                services.cameras.add(CameraInput(name=f"fleet bench {i}", rtsp_url=url))
            t0 = time.monotonic()
            online = 0
            while time.monotonic() - t0 < args.warmup_max:
                time.sleep(2.0)
                online = _online(db_url)
                if online >= args.cameras:
                    break
                if any(n.proc.poll() is not None for n in nodes):
                    raise SystemExit(f"a recorder exited early; see {work}/*.log")
            all_online_s = time.monotonic() - t0
            time.sleep(5.0)  # let the last connections settle into steady state
            sim_cpu0 = _cpu_s(sim.pid)
            node_cpu0 = {n.name: _cpu_s(n.proc.pid) for n in nodes}
            w0 = time.monotonic()
            load_samples = []
            while time.monotonic() - w0 < args.seconds:
                time.sleep(min(5.0, args.seconds / 6))
                load_samples.append(os.getloadavg()[0])
            window = time.monotonic() - w0
            sim_cpu = _cpu_s(sim.pid) - sim_cpu0
            node_cpu = {n.name: _cpu_s(n.proc.pid) - node_cpu0[n.name] for n in nodes}
            for n in nodes:
                os.killpg(n.proc.pid, signal.SIGTERM)
            for n in nodes:
                try:
                    n.proc.wait(90)
                except subprocess.TimeoutExpired:
                    _stop(n.proc)
            sent = _sim_stats(args.port)
            with services.sessions() as session:
                names_by_url = {c.id: c.rtsp_url for c in session.scalars(select(Camera))}
                rows = session.execute(
                    select(
                        Recording.camera_id,
                        func.count(),
                        func.coalesce(func.sum(Recording.frames), 0),
                        func.count(func.distinct(Recording.node)),
                    ).group_by(Recording.camera_id)
                ).all()
                per_node = dict(
                    session.execute(
                        select(Recording.node, func.count(func.distinct(Recording.camera_id))).group_by(Recording.node)
                    ).all()
                )
            services.close()
            holes = _read_back(work, [n.name for n in nodes]) if args.read_back else None
        finally:
            for n in nodes:
                _stop(n.proc)
            if sim is not None:
                _stop(sim)
    load_after = os.getloadavg()

    camera_of_url = {url: cid for cid, url in names_by_url.items()}
    sent_by_camera = {camera_of_url[c["url"]]: c for c in sent.values() if c["url"] in camera_of_url}
    recorded = {cid: (n_rows, frames, n_nodes) for cid, n_rows, frames, n_nodes in rows}
    frames_sent = sum(c["frames_sent"] for c in sent_by_camera.values())
    frames_indexed = sum(int(f) for _, f, _ in recorded.values())
    lagged = sum(c["frames_lagged"] for c in sent_by_camera.values())
    gop = args.fps  # the virtual cameras send a keyframe a second
    short = {
        cid: c["frames_sent"] - int(recorded.get(cid, (0, 0, 0))[1])
        for cid, c in sent_by_camera.items()
        if c["frames_sent"] - int(recorded.get(cid, (0, 0, 0))[1]) > 2 * gop
    }
    rec_cpu = sum(node_cpu.values())
    streams = args.cameras
    result = {
        "cameras": streams,
        "nodes": args.nodes,
        "workers_per_node": args.workers,
        "stream": f"{args.width}x{args.height} {args.fps} fps {args.bitrate_kbps} kbit/s",
        "cameras_recorded": sum(1 for r in recorded.values() if r[0] > 0),
        "rows_per_camera_min": min((r[0] for r in recorded.values()), default=0),
        "rows_per_camera_median": statistics.median([r[0] for r in recorded.values()] or [0]),
        "cameras_on_more_than_one_node": sum(1 for r in recorded.values() if r[2] > 1),
        "cameras_per_node": per_node,
        "seconds_until_all_online": round(all_online_s, 1),
        "online_at_start": online,
        "frames_sent": frames_sent,
        "frames_indexed": frames_indexed,
        "frames_sent_not_indexed": frames_sent - frames_indexed,
        "cameras_short_by_more_than_two_gops": len(short),
        "frames_withheld_by_slow_reading": lagged,
        **(holes or {}),
        "window_s": round(window, 1),
        "recorder_cpu_s": round(rec_cpu, 2),
        "recorder_cpu_pct_per_stream": round(100 * rec_cpu / window / streams, 3),
        "recorder_cpu_by_node_s": {k: round(v, 2) for k, v in node_cpu.items()},
        "sim_cpu_pct_per_stream": round(100 * sim_cpu / window / streams, 3),
        "load_before": [round(x, 2) for x in load_before],
        "load_during_median": round(statistics.median(load_samples), 2),
        "load_after": [round(x, 2) for x in load_after],
        "cores": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    low, high = RECORDING_CPU_PCT
    print(
        f"\nextrapolation to {streams} cameras at 1080p 25 fps 3 Mbit/s: recorders "
        f"{streams * low / 100:.1f}–{streams * high / 100:.1f} cores ({low}–{high} %/stream, BENCHMARKS.md "
        f"Recording); {streams * 3 / 1000:.1f} Gbit/s in, {streams * 3 / 8:.0f} MB/s to disk; measured here "
        f"{result['recorder_cpu_pct_per_stream']} %/stream at {result['stream']}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
