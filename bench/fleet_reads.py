"""Reading a recording held by another node: throughput through its media server against the local disk.

    .venv/bin/python bench/fleet_reads.py                 # a 256 MB file, read in 400 kB GOPs, 5 rounds
    .venv/bin/python bench/fleet_reads.py --mb 64 --rounds 3

A node media server (fleet/node_server.py) runs on 127.0.0.1 in this process with a scratch media
directory; the file is read sequentially in GOP-sized pieces as a clip or export does, once from the
disk and once through ``MediaReader`` with the export read-ahead (8 MB) and with the snapshot one
(256 kB), to show what the read-ahead buys. Prints median MB/s per way and the ratio to the disk.
The page cache holds the file in every case, so this measures the HTTP path, not the disks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from citywatch.config import Settings
from citywatch.fleet.node_server import NodeMediaServer
from citywatch.timeutil import now_us
from citywatch.video.media_access import EXPORT_READ_AHEAD, SNAPSHOT_READ_AHEAD, MediaAccess, read_local_range
from citywatch.video.recording_query import RecordingRef
from citywatch.wiring import build_services

GOP_BYTES = 400_000  # about a second of 1080p at 3 Mbit/s


def _ref(file: Path, node: str) -> RecordingRef:
    return RecordingRef(
        1, 1, "run", 0, "closed", str(file.parent), file.name, 0, 1, 0, 1, 0.0, 0, b"", "avc1", 1920, 1080, node
    )


def _read_all(read: object, size: int) -> float:
    begin = time.perf_counter()
    offset = 0
    while offset < size:
        n = min(GOP_BYTES, size - offset)
        assert len(read(offset, n)) == n  # type: ignore[operator]
        offset += n
    return size / (time.perf_counter() - begin) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fleet-reads-") as tmp:
        node_settings = Settings(data_dir=Path(tmp) / "node")
        node_settings.fleet.node = "n1"
        node_settings.fleet.secret_file = Path(tmp) / "fleet.key"
        services = build_services(node_settings)
        media = node_settings.effective_media_dirs[0]
        media.mkdir(parents=True, exist_ok=True)
        file = media / "big.mp4"
        file.write_bytes(os.urandom(args.mb * 1_000_000))
        server = NodeMediaServer(node_settings, services.sessions)
        url = server.start()
        with services.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO nodes (name, url, started_us, heartbeat_us) VALUES ('n1', :u, :t, :t)"),
                {"u": url, "t": now_us()},
            )
        api_settings = Settings(data_dir=Path(tmp) / "node")  # same database; the API is not node n1
        api_settings.fleet.secret_file = node_settings.fleet.secret_file
        api_settings.fleet.lease_s = 3600.0  # no heartbeat runs here: keep the one registered fresh
        access = MediaAccess(services.engine, api_settings)
        size = file.stat().st_size
        local, remote = _ref(file, "local"), _ref(file, "n1")
        ways = {
            "local disk": lambda: lambda o, n: read_local_range(local, o, n),
            "node, 8 MB read-ahead": lambda: (lambda r: lambda o, n: r.read(remote, o, n))(
                access.reader(EXPORT_READ_AHEAD)
            ),
            "node, 256 kB read-ahead": lambda: (lambda r: lambda o, n: r.read(remote, o, n))(
                access.reader(SNAPSHOT_READ_AHEAD)
            ),
        }
        results: dict[str, list[float]] = {name: [] for name in ways}
        try:
            for _ in range(args.rounds):
                for name, make in ways.items():
                    results[name].append(_read_all(make(), size))
        finally:
            access.close()
            server.stop()
            services.close()
        base = statistics.median(results["local disk"])
        print(f"{args.mb} MB in {GOP_BYTES // 1000} kB reads, median of {args.rounds} rounds:")
        for name, got in results.items():
            mbps = statistics.median(got)
            print(f"  {name:24s} {mbps:8.0f} MB/s  ({mbps / base:.2f}× the local disk)")


if __name__ == "__main__":
    main()
