"""``citywatch camera …`` and ``citywatch recorder``."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from citywatch.config import load_settings
from citywatch.video.cameras import CameraError, CameraInput, CameraNotFound
from citywatch.wiring import Services, build_services

camera_app = typer.Typer(no_args_is_help=True, help="Add, list and remove cameras.")
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="where the database and media live")]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="TOML settings file")]


def _services(data_dir: Path | None, config: Path | None) -> Services:
    return build_services(load_settings(config, data_dir=data_dir))


@camera_app.command("add")
def camera_add(
    name: str,
    rtsp_url: str,
    username: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[bool, typer.Option(help="read the camera password from standard input")] = False,
    latitude: Annotated[float | None, typer.Option()] = None,
    longitude: Annotated[float | None, typer.Option()] = None,
    bearing_deg: Annotated[float | None, typer.Option()] = None,
    fov_deg: Annotated[float | None, typer.Option()] = None,
    range_m: Annotated[float | None, typer.Option()] = None,
    retention_days: Annotated[float | None, typer.Option()] = None,
    data_dir: DataDir = None,
    config: ConfigFile = None,
) -> None:
    """Register a camera (credentials are stored encrypted, never in the URL)."""
    password = typer.get_text_stream("stdin").readline().rstrip("\n") if password_stdin else None
    services = _services(data_dir, config)
    try:
        camera = services.cameras.add(
            CameraInput(
                name=name,
                rtsp_url=rtsp_url,
                username=username,
                password=password,
                latitude=latitude,
                longitude=longitude,
                bearing_deg=bearing_deg,
                fov_deg=fov_deg,
                range_m=range_m,
                retention_days=retention_days,
            )
        )
    except CameraError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        services.close()
    typer.echo(camera.id)


@camera_app.command("list")
def camera_list(data_dir: DataDir = None, config: ConfigFile = None) -> None:
    """List cameras with their recording status."""
    from citywatch.store.models import CameraStatus

    services = _services(data_dir, config)
    table = Table("id", "name", "url", "enabled", "status", "fps", "kbit/s")
    with services.sessions() as session:
        for camera in services.cameras.list():
            status = session.get(CameraStatus, camera.id)
            table.add_row(
                str(camera.id),
                camera.name,
                camera.rtsp_url,
                "yes" if camera.enabled else "no",
                status.state if status else "-",
                f"{status.fps:.1f}" if status else "-",
                f"{status.bitrate_kbps:.0f}" if status else "-",
            )
    services.close()
    console.print(table)


@camera_app.command("remove")
def camera_remove(camera_id: int, data_dir: DataDir = None, config: ConfigFile = None) -> None:
    """Remove a camera; one with footage is disabled instead, so its footage stays attributable."""
    services = _services(data_dir, config)
    try:
        services.cameras.remove(camera_id)
    except CameraNotFound as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        services.close()


def recorder(
    data_dir: DataDir = None,
    config: ConfigFile = None,
    node: Annotated[
        str | None,
        typer.Option(
            help="this node's name in a fleet of recorders sharing one PostgreSQL (omit: record every camera)"
        ),
    ] = None,
    media_listen: Annotated[
        str | None, typer.Option(help="host:port of this node's media server (fleet; '' for none)")
    ] = None,
    advertise_url: Annotated[
        str | None, typer.Option(help="URL the API uses to reach this node's media server")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes (default: CPU cores, at most 4)")] = None,
) -> None:
    """Record every enabled camera (or, with --node, this node's share of a fleet) until stopped."""
    from citywatch.fleet.node_server import NodeMediaServer
    from citywatch.video.supervisor import FleetError, RecorderSupervisor

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(config, data_dir=data_dir)
    if workers is not None:
        settings.recorder.workers = workers
    if node is not None and node != "local":
        settings.fleet.node = node
    if media_listen is not None:
        settings.fleet.media_listen = media_listen
    if advertise_url is not None:
        settings.fleet.advertise_url = advertise_url
    if settings.fleet.enabled and not settings.effective_database_url.startswith("postgresql"):
        console.print(
            f"[red]error:[/red] recorder node {settings.fleet.node!r} needs database_url to name the fleet's "
            "PostgreSQL (postgresql+psycopg://…); without --node the recorder records every camera alone"
        )
        raise typer.Exit(2)
    services = build_services(settings)
    media_server: NodeMediaServer | None = None
    url = settings.fleet.advertise_url
    try:
        if settings.fleet.enabled and settings.fleet.media_listen:
            media_server = NodeMediaServer(settings, services.sessions)
            url = media_server.start()
        supervisor = RecorderSupervisor(services, node=node or "local", url=url)
    except FleetError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    supervisor.start()
    where = f" as node {settings.fleet.node}" + (f", media at {url}" if url else "") if settings.fleet.enabled else ""
    console.print(f"recording with {supervisor.worker_count} worker processes{where}; Ctrl-C stops")
    stop.wait()
    console.print("stopping: closing files …")
    supervisor.stop()
    if media_server is not None:
        media_server.stop()
    services.close()
