"""The arithmetic of docs/sizing.md: cameras × bitrate × days → storage, disks, nodes, network, index rows.

Constants are the project's own measurements (BENCHMARKS.md, docs/sizing.md), not vendor figures: the
recorder's CPU per 1080p 3 Mbit/s stream, motion detection's per keyframe, and the PostgreSQL bytes per
one-minute recording row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "MOTION_CPU_PCT_PER_MBPS",
    "RECORDER_CPU_PCT_PER_STREAM",
    "ROW_FIXED_BYTES",
    "Sizing",
    "SizingInput",
    "report",
    "size",
]

RECORDER_CPU_PCT_PER_STREAM = 0.65  # % of one core, 1080p 3 Mbit/s; worst of BENCHMARKS.md's recording runs
# Motion detection decodes one keyframe a GOP; its cost follows the keyframe's bits: ~5 ms per Mbit/s of
# stream (bench/motion.py: 4.3 ms at 360p 1 Mbit/s, 7.9 at 720p 2, 15.1 at 1080p 3) = 0.5 % of a core.
MOTION_CPU_PCT_PER_MBPS = 0.5
ROW_FIXED_BYTES = 730  # a ``recordings`` row and its indexes on PostgreSQL, without the GOP index (measured)
GOP_INDEX_BYTES_PER_GOP = 7  # three varints per GOP (video/gop_index.py)
GBIT = 1e9


@dataclass(frozen=True, slots=True)
class SizingInput:
    cameras: int
    bitrate_mbps: float
    days: float
    disk_tb: float = 20.0  # decimal terabytes, as disks are sold
    node_disks: int = 12
    headroom: float = 0.15  # share of each disk kept free (retention's floor, file-system slack)
    spare_nodes: int = 1  # nodes beyond what storage needs, to take over a failed node's cameras
    node_cores: int = 16
    cpu_target: float = 0.5  # plan to use at most this share of a node's cores for recording
    file_s: float = 60.0  # RecorderSettings.file_duration_s
    gop_s: float = 1.0  # the cameras' keyframe interval
    nic_gbps: float = 10.0
    nic_target: float = 0.5  # plan to use at most this share of a node's network link
    motion: bool = True  # RecorderSettings.motion

    def __post_init__(self) -> None:
        for name in ("cameras", "bitrate_mbps", "days", "disk_tb", "node_disks", "node_cores", "file_s", "gop_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name.replace('_', '-')} must be greater than 0, not {getattr(self, name)}")
        if not 0 <= self.headroom < 1:
            raise ValueError(f"headroom is a share of each disk (0 to below 1), not {self.headroom}")
        if self.spare_nodes < 0:
            raise ValueError(f"spare-nodes cannot be negative ({self.spare_nodes})")


@dataclass(frozen=True, slots=True)
class Sizing:
    inp: SizingInput
    ingest_mbps: float  # all cameras together
    write_mb_s: float  # the same in megabytes per second
    bytes_per_camera_day: float
    stored_bytes: float  # footage kept at the end of the retention period
    raw_bytes: float  # disk capacity needed with the headroom
    disks: int
    storage_nodes: int  # nodes the disks need
    cpu_cores: float  # recorder CPU for all streams, motion detection included
    motion_cores: float  # of which motion detection
    cpu_nodes: int  # nodes the CPU needs at the target utilisation
    network_nodes: int  # nodes the network links need at the target utilisation
    nodes: int  # the largest of the three, plus spares
    cameras_per_node: float  # with all nodes up
    ingest_per_node_mbps: float  # with all nodes up
    ingest_per_node_failed_mbps: float  # after one node failed and its cameras moved to the others
    rows: int  # recordings rows at the end of the retention period
    row_bytes: float
    index_bytes: float  # PostgreSQL: the recordings table with its indexes
    rows_per_s: float  # new rows a second (inserts; updates of growing files are about one per GOP)


def size(inp: SizingInput) -> Sizing:
    ingest_mbps = inp.cameras * inp.bitrate_mbps
    bytes_per_camera_day = inp.bitrate_mbps * 1e6 / 8 * 86_400
    stored = bytes_per_camera_day * inp.cameras * inp.days
    raw = stored / (1 - inp.headroom)
    disks = math.ceil(raw / (inp.disk_tb * 1e12))
    storage_nodes = math.ceil(disks / inp.node_disks)
    cpu_cores = inp.cameras * RECORDER_CPU_PCT_PER_STREAM / 100  # measured at 3 Mbit/s; see docs/sizing.md
    motion_cores = inp.cameras * _motion_pct(inp) / 100
    cpu_cores += motion_cores
    cpu_nodes = math.ceil(cpu_cores / (inp.node_cores * inp.cpu_target))
    network_nodes = math.ceil(ingest_mbps / (inp.nic_gbps * 1000 * inp.nic_target))
    nodes = max(storage_nodes, cpu_nodes, network_nodes) + inp.spare_nodes
    survivors = max(1, nodes - 1)
    rows = math.ceil(inp.cameras * inp.days * 86_400 / inp.file_s)
    row_bytes = ROW_FIXED_BYTES + GOP_INDEX_BYTES_PER_GOP * inp.file_s / inp.gop_s
    return Sizing(
        inp=inp,
        ingest_mbps=ingest_mbps,
        write_mb_s=ingest_mbps / 8,
        bytes_per_camera_day=bytes_per_camera_day,
        stored_bytes=stored,
        raw_bytes=raw,
        disks=disks,
        storage_nodes=storage_nodes,
        cpu_cores=cpu_cores,
        motion_cores=motion_cores,
        cpu_nodes=cpu_nodes,
        network_nodes=network_nodes,
        nodes=nodes,
        cameras_per_node=inp.cameras / nodes,
        ingest_per_node_mbps=ingest_mbps / nodes,
        ingest_per_node_failed_mbps=ingest_mbps / survivors,
        rows=rows,
        row_bytes=row_bytes,
        index_bytes=rows * row_bytes,
        rows_per_s=inp.cameras / inp.file_s,
    )


def _motion_pct(inp: SizingInput) -> float:
    return MOTION_CPU_PCT_PER_MBPS * inp.bitrate_mbps / inp.gop_s if inp.motion else 0.0


def _bytes(n: float) -> str:
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} B"


def report(s: Sizing) -> list[str]:
    """The sizing as lines of text, each with its arithmetic, so a reader can check it."""
    i = s.inp
    disk_bytes = i.disk_tb * 1e12
    return [
        f"{i.cameras} cameras × {i.bitrate_mbps:g} Mbit/s × {i.days:g} days",
        "",
        f"ingest        {i.cameras} × {i.bitrate_mbps:g} Mbit/s = {s.ingest_mbps:,.0f} Mbit/s"
        f" = {s.write_mb_s:,.0f} MB/s written",
        f"per camera    {i.bitrate_mbps:g} Mbit/s / 8 × 86,400 s = {_bytes(s.bytes_per_camera_day)} a day",
        f"footage       {_bytes(s.bytes_per_camera_day)} × {i.cameras} × {i.days:g} days = {_bytes(s.stored_bytes)}",
        f"raw capacity  {_bytes(s.stored_bytes)} / (1 − {i.headroom:g} headroom) = {_bytes(s.raw_bytes)}",
        f"disks         {_bytes(s.raw_bytes)} / {i.disk_tb:g} TB = {s.disks} disks"
        f" (JBOD: one media directory per disk; add parity disks for RAID)",
        f"nodes         storage {s.disks} / {i.node_disks} disks = {s.storage_nodes};"
        f" CPU {s.cpu_cores:.1f} cores / ({i.node_cores} × {i.cpu_target:g}) = {s.cpu_nodes};"
        f" network {s.ingest_mbps:,.0f} / ({i.nic_gbps:g} Gbit/s × {i.nic_target:g}) = {s.network_nodes}",
        f"              max {max(s.storage_nodes, s.cpu_nodes, s.network_nodes)} + {i.spare_nodes} spare"
        f" = {s.nodes} recorder nodes, {s.cameras_per_node:,.0f} cameras each",
        f"per node      {s.ingest_per_node_mbps:,.0f} Mbit/s in ({s.ingest_per_node_mbps / 8:,.0f} MB/s to disk);"
        f" {s.ingest_per_node_failed_mbps:,.0f} Mbit/s after one node fails",
        f"              capacity {i.node_disks} × {i.disk_tb:g} TB = {_bytes(i.node_disks * disk_bytes)} a node,"
        f" {_bytes(s.nodes * i.node_disks * disk_bytes)} in all",
        f"recorder CPU  {i.cameras} × ({RECORDER_CPU_PCT_PER_STREAM:g} % of a core (1080p 3 Mbit/s)"
        f" + motion {_motion_pct(i):.2g} % ({MOTION_CPU_PCT_PER_MBPS:g} % × {i.bitrate_mbps:g} Mbit/s"
        f" / {i.gop_s:g} s GOP)) = {s.cpu_cores:.1f} cores, of which motion {s.motion_cores:.1f}",
        f"index rows    {i.cameras} × {i.days:g} days × 86,400 s / {i.file_s:g} s files = {s.rows:,} rows;"
        f" {s.rows_per_s:,.1f} new a second",
        f"index size    {s.rows:,} × {s.row_bytes:,.0f} B = {_bytes(s.index_bytes)} on PostgreSQL"
        f" (recordings table with its indexes)",
    ]
