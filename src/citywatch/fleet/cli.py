"""``citywatch fleet …``: operating a fleet of recorder nodes."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Recorder nodes under one PostgreSQL: sizing.")


@app.command("size")
def size_command(
    cameras: Annotated[int, typer.Option(help="number of cameras")],
    bitrate_mbps: Annotated[float, typer.Option(help="average bitrate per camera, Mbit/s")],
    days: Annotated[float, typer.Option(help="retention, days")],
    disk_tb: Annotated[float, typer.Option(help="capacity of one disk, decimal TB")] = 20.0,
    node_disks: Annotated[int, typer.Option(help="disks per recorder node")] = 12,
    headroom: Annotated[float, typer.Option(help="share of each disk kept free")] = 0.15,
    spare_nodes: Annotated[int, typer.Option(help="nodes beyond need, to take over a failed node")] = 1,
    node_cores: Annotated[int, typer.Option(help="CPU cores per node")] = 16,
    file_s: Annotated[float, typer.Option(help="recording file length, seconds")] = 60.0,
    gop_s: Annotated[float, typer.Option(help="the cameras' keyframe interval, seconds")] = 1.0,
) -> None:
    """Storage, disks, nodes, network and index size for a camera count, bitrate and retention (docs/sizing.md)."""
    from citywatch.fleet.sizing import SizingInput, report, size

    try:
        inp = SizingInput(
            cameras=cameras,
            bitrate_mbps=bitrate_mbps,
            days=days,
            disk_tb=disk_tb,
            node_disks=node_disks,
            headroom=headroom,
            spare_nodes=spare_nodes,
            node_cores=node_cores,
            file_s=file_s,
            gop_s=gop_s,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for line in report(size(inp)):
        typer.echo(line)
