"""``citywatch tracking …``: run the listeners, seed the demo, inspect devices and alerts."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="GPS trackers: listeners, demo zones, alerts.")


def _engine(database_url: str | None) -> object:
    from citywatch.config import load_settings
    from citywatch.store.db import make_engine, upgrade

    url = database_url or load_settings().effective_database_url
    engine = make_engine(url)
    upgrade(engine)
    return engine


@app.command()
def listen(
    database_url: str = typer.Option("", help="default: the installation's database"),
    host: str = typer.Option("127.0.0.1"),
    osmand_port: int = typer.Option(5055),
    gt06_port: int = typer.Option(5023),
    watch_port: int = typer.Option(5093),
    teltonika_port: int = typer.Option(5027),
    allow_unregistered: bool = typer.Option(True, help="create unknown devices as unregistered"),
    mqtt_host: str = typer.Option("", help="publish alerts to this MQTT broker"),
    mqtt_port: int = typer.Option(1883),
    demo: bool = typer.Option(False, help="seed the demo zones and devices first"),
) -> None:
    """Run the tracker listeners until interrupted; alerts are printed as they are raised."""
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from citywatch.tracking.demo import seed_demo
    from citywatch.tracking.runtime import TrackingRuntime
    from citywatch.tracking.settings import TrackingSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = _engine(database_url or None)
    assert isinstance(engine, Engine)
    if demo:
        with Session(engine) as session:
            seed_demo(session)
    settings = TrackingSettings(
        bind_host=host,
        osmand_port=osmand_port,
        gt06_port=gt06_port,
        watch_port=watch_port,
        teltonika_port=teltonika_port,
        allow_unregistered=allow_unregistered,
        mqtt_host=mqtt_host or None,
        mqtt_port=mqtt_port,
    )

    async def main() -> None:
        async with TrackingRuntime(settings, engine) as runtime:
            typer.echo(f"tracking listeners: {runtime.ports}")
            with runtime.bus.subscribe() as sub:
                async for alert in sub:
                    typer.echo(f"ALERT p{alert.priority} {alert.kind}: {alert.message}")

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        typer.echo("stopped")


@app.command("seed-demo")
def seed_demo_cmd(database_url: str = typer.Option("")) -> None:
    """Create the Claybrook Centre / campus zones and the simulator's devices."""
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from citywatch.tracking.demo import seed_demo

    engine = _engine(database_url or None)
    assert isinstance(engine, Engine)
    with Session(engine) as session:
        seed_demo(session)
    typer.echo("demo zones and devices ready")


@app.command()
def alerts(
    database_url: str = typer.Option(""),
    state: Annotated[list[str] | None, typer.Option(help="only alerts in these states")] = None,
) -> None:
    """List alerts, most urgent first."""
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from citywatch.tracking import services

    engine = _engine(database_url or None)
    assert isinstance(engine, Engine)
    with Session(engine) as session:
        for a in services.list_alerts(session, states=state or None):
            typer.echo(f"{a.id:6d} p{a.priority} {a.state:12s} {a.raised:%Y-%m-%d %H:%M:%S} {a.kind}: {a.message}")
