"""``citywatch serve``: the API, the web app and (single-node mode) the recorder in one process tree."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "serve"]

app = typer.Typer(no_args_is_help=False)


def serve(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default from settings, 8000).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Database, media and run files.")] = None,
    recorder: Annotated[bool, typer.Option(help="Run the recorder here (single-node mode).")] = True,
) -> None:
    """Serve the API (docs at /api/docs), the web app and live view; record cameras in the same process tree."""
    import uvicorn

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
        uvicorn.run(api, host=settings.bind_host, port=settings.port, log_level="info", ws_max_size=1 << 20)
    finally:
        services.close()


app.command()(serve)
