"""``citywatch sim trackers``: registered into the ``sim`` group by ``register(app)``."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

__all__ = ["register"]

_ALL = ("gt06", "watch", "osmand", "teltonika")


def register(app: typer.Typer) -> None:
    """Add the ``trackers`` command to the ``citywatch sim`` Typer app."""

    @app.command("trackers")
    def trackers(
        host: str = typer.Option("127.0.0.1", help="where the tracking listeners run"),
        osmand_port: int = typer.Option(5055),
        gt06_port: int = typer.Option(5023),
        watch_port: int = typer.Option(5093),
        teltonika_port: int = typer.Option(5027),
        duration_s: float = typer.Option(600.0, help="simulated seconds to run"),
        time_scale: float = typer.Option(1.0, help="simulated seconds per wall-clock second"),
        seed: int = typer.Option(1),
        only: Annotated[list[str] | None, typer.Option(help="protocols to simulate (default: all four)")] = None,
    ) -> None:
        """Walkers leave the Claybrook Centre for Fulham Palace Road; a sting car is driven off."""
        from citywatch.sim.trackers import run_trackers

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        ports = {"osmand": osmand_port, "gt06": gt06_port, "watch": watch_port, "teltonika": teltonika_port}
        stats = asyncio.run(
            run_trackers(host, ports, duration_s=duration_s, time_scale=time_scale, seed=seed, only=tuple(only or _ALL))
        )
        typer.echo(f"sent: {stats.sent}")
        for protocol, error in stats.errors.items():
            typer.echo(f"error: {protocol}: {error}", err=True)
        if stats.errors:
            raise typer.Exit(1)
