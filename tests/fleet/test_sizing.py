"""The sizing arithmetic of docs/sizing.md and ``citywatch fleet size``."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from citywatch.cli import _register, app
from citywatch.fleet.sizing import ROW_FIXED_BYTES, SizingInput, size


def test_the_worked_example_of_the_guide() -> None:
    s = size(SizingInput(cameras=800, bitrate_mbps=3, days=31, disk_tb=20, node_disks=12))
    footage = 800 * 3e6 / 8 * 86_400 * 31  # bytes
    assert s.stored_bytes == pytest.approx(footage)
    assert s.write_mb_s == pytest.approx(800 * 3 / 8)
    assert s.disks == math.ceil(footage / 0.85 / 20e12)
    assert s.storage_nodes == math.ceil(s.disks / 12)
    assert s.nodes == s.storage_nodes + 1  # storage decides here; one spare takes a failed node's cameras
    assert s.ingest_per_node_failed_mbps == pytest.approx(2400 / (s.nodes - 1))
    assert s.rows == 800 * 31 * 1440  # one-minute files
    assert s.index_bytes == pytest.approx(s.rows * (ROW_FIXED_BYTES + 60 * 7))


def test_what_limits_the_node_count_can_be_cpu_or_network() -> None:
    # Many low-bitrate cameras, kept briefly: disks are not the limit, the CPU is.
    cpu_bound = size(SizingInput(cameras=20_000, bitrate_mbps=0.5, days=1, node_cores=8, spare_nodes=0))
    assert cpu_bound.cpu_nodes > cpu_bound.storage_nodes and cpu_bound.nodes == cpu_bound.cpu_nodes
    # Few very high-bitrate cameras on a 1 Gbit/s link: the network is the limit.
    net_bound = size(SizingInput(cameras=40, bitrate_mbps=50, days=1, nic_gbps=1, spare_nodes=0))
    assert net_bound.network_nodes > max(net_bound.storage_nodes, net_bound.cpu_nodes)
    assert net_bound.nodes == net_bound.network_nodes


def test_longer_files_mean_fewer_but_larger_rows() -> None:
    one_minute = size(SizingInput(cameras=100, bitrate_mbps=2, days=30))
    five_minutes = size(SizingInput(cameras=100, bitrate_mbps=2, days=30, file_s=300))
    assert five_minutes.rows * 5 == one_minute.rows
    assert five_minutes.row_bytes > one_minute.row_bytes
    assert five_minutes.index_bytes < one_minute.index_bytes  # the fixed part of a row is paid less often


@pytest.mark.parametrize(
    ("field", "value"), [("cameras", 0), ("bitrate_mbps", -1.0), ("headroom", 1.0), ("spare_nodes", -1)]
)
def test_impossible_inputs_are_refused_by_name(field: str, value: float) -> None:
    values: dict[str, float] = {"cameras": 800, "bitrate_mbps": 3, "days": 31, field: value}
    with pytest.raises(ValueError, match=field.replace("_", "-") if field != "headroom" else "headroom"):
        SizingInput(**values)  # type: ignore[arg-type]


def test_the_command_prints_the_arithmetic() -> None:
    _register()
    runner = CliRunner()
    args = ["fleet", "size", "--cameras", "800", "--bitrate-mbps", "3", "--days", "31", "--disk-tb", "20"]
    result = runner.invoke(app, [*args, "--node-disks", "12"])
    assert result.exit_code == 0, result.output
    s = size(SizingInput(cameras=800, bitrate_mbps=3, days=31, disk_tb=20, node_disks=12))
    assert "2,400 Mbit/s = 300 MB/s written" in result.output
    assert f"= {s.disks} disks" in result.output
    assert f"= {s.nodes} recorder nodes" in result.output
    assert f"= {s.rows:,} rows" in result.output
    refused = runner.invoke(app, ["fleet", "size", "--cameras", "0", "--bitrate-mbps", "3", "--days", "31"])
    assert refused.exit_code == 2 and "cameras must be greater than 0" in refused.output


def test_motion_detection_is_counted_in_the_cpu_and_can_be_left_out() -> None:
    with_motion = size(SizingInput(cameras=800, bitrate_mbps=3, days=31))
    without = size(SizingInput(cameras=800, bitrate_mbps=3, days=31, motion=False))
    assert without.motion_cores == 0 and without.cpu_cores == pytest.approx(800 * 0.0065)
    # One 1080p 3 Mbit/s keyframe a second: 1.5 % of a core per camera (bench/motion.py).
    assert with_motion.motion_cores == pytest.approx(800 * 0.015)
    assert with_motion.cpu_cores == pytest.approx(without.cpu_cores + with_motion.motion_cores)
    # A keyframe every 2 s halves it.
    assert size(SizingInput(cameras=800, bitrate_mbps=3, days=31, gop_s=2)).motion_cores == pytest.approx(6.0)
