"""The ``citywatch`` command. Each domain contributes its own sub-command group."""

from __future__ import annotations

import typer

from citywatch import __version__

app = typer.Typer(
    name="citywatch",
    help="citywatch: record, review and share a borough's public-space CCTV network.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _register() -> None:
    # Imported here so `citywatch --help` stays fast and nothing does I/O at import time.
    from citywatch.sim.cli import app as sim_app

    app.add_typer(
        sim_app, name="sim", help="Virtual cameras (and, later, trackers) for demos, tests and benchmarks."
    )


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    _register()
    app()
