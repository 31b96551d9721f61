"""``citywatch fleet …``: operating a fleet of recorder nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Recorder nodes under one PostgreSQL: sizing, monitoring.")


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
    motion: Annotated[bool, typer.Option(help="count motion detection's CPU (recorder.motion)")] = True,
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
            motion=motion,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for line in report(size(inp)):
        typer.echo(line)


@app.command("metrics-token")
def metrics_token_command(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="where the database and media live")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file")] = None,
) -> None:
    """The bearer token Prometheus sends to every node's /metrics (derived from the fleet secret; deploy/README.md)."""
    from citywatch.config import load_settings
    from citywatch.fleet.node_auth import NodeAuthError, NodeSigner, fleet_secret_path

    settings = load_settings(config, data_dir=data_dir)
    if not fleet_secret_path(settings).exists():
        typer.echo(f"error: no fleet secret at {fleet_secret_path(settings)}; copy the fleet's here first", err=True)
        raise typer.Exit(2)
    try:
        typer.echo(NodeSigner.from_settings(settings).scrape_token())
    except NodeAuthError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
