"""``citywatch serve``: the API, the web app and (single-node mode) the recorder in one process tree."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["app", "serve"]

app = typer.Typer(no_args_is_help=False)


def run_until_signalled(api: FastAPI, host: str, port: int, log_level: str = "info") -> None:
    """Serve until SIGINT/SIGTERM, then return normally so callers can close up and exit 0.

    uvicorn re-raises the signal it caught once it has shut down; with these handlers in place that
    lands here instead of killing the process before the caller's clean-up has run.
    """
    import signal

    import uvicorn

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    uvicorn.run(api, host=host, port=port, log_level=log_level, ws_max_size=1 << 20)


def serve(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default from settings, 8000).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Database, media and run files.")] = None,
    recorder: Annotated[bool, typer.Option(help="Run the recorder here (single-node mode).")] = True,
) -> None:
    """Serve the API (docs at /api/docs), the web app and live view; record cameras in the same process tree."""
    from citywatch.access.sessions import AdminCredentials
    from citywatch.api.app import Background, create_app
    from citywatch.config import load_settings
    from citywatch.video.supervisor import RecorderSupervisor
    from citywatch.wiring import build_services

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(data_dir=data_dir, port=port)
    services = build_services(settings)
    admin = AdminCredentials(settings.admin_password)
    if admin.generated:
        # Printed once to the operator's terminal, never logged.
        typer.echo(f"admin password (set CITYWATCH_ADMIN_PASSWORD to choose one): {admin.generated_password}", err=True)
    background: list[Background] = [RecorderSupervisor(services)] if recorder else []
    api = create_app(services, admin=admin, background=background)
    try:
        run_until_signalled(api, settings.bind_host, settings.port)
    finally:
        services.close()


app.command()(serve)
