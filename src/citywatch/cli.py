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
    # Imported here so nothing does I/O at import time; the modules below import their heavy
    # dependencies inside the commands.
    from citywatch.access.cli import audit_app, users_app
    from citywatch.api.cli import serve
    from citywatch.crime.cli import app as crime_app
    from citywatch.demo_cli import demo
    from citywatch.evidence.cli import app as evidence_app
    from citywatch.fleet.cli import app as fleet_app
    from citywatch.partners.cli import app as partners_app
    from citywatch.sim.cli import app as sim_app
    from citywatch.store.cli import app as db_app
    from citywatch.tracking.cli import app as tracking_app
    from citywatch.video.cli import camera_app, recorder

    app.command("demo")(demo)
    app.command("serve")(serve)
    app.command("recorder")(recorder)
    app.add_typer(camera_app, name="camera")
    app.add_typer(sim_app, name="sim", help="Virtual cameras and trackers for demos, tests and benchmarks.")
    app.add_typer(tracking_app, name="tracking")
    app.add_typer(crime_app, name="crime", help="MOPAC 7 crime figures, targets and where cameras are missing.")
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    app.add_typer(evidence_app, name="evidence")
    app.add_typer(partners_app, name="partners")
    app.add_typer(fleet_app, name="fleet")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    _register()
    app()
