"""``citywatch db …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citywatch.config import load_settings

app = typer.Typer(no_args_is_help=True, help="Database maintenance.")


@app.command()
def upgrade(
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
    config: Annotated[Path | None, typer.Option("--config")] = None,
) -> None:
    """Apply every pending migration (safe to run repeatedly)."""
    from citywatch.store.db import make_engine
    from citywatch.store.db import upgrade as do_upgrade

    settings = load_settings(config, data_dir=data_dir)
    engine = make_engine(settings.effective_database_url)
    do_upgrade(engine)
    engine.dispose()
    typer.echo("database is up to date")
