"""What the crime CLI modules share: option types, output, and turning domain errors into exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from citywatch.crime.errors import CrimeError
from citywatch.crime.render import Rows, rich_table, to_csv

__all__ = ["CoverageFormat", "DataDir", "Format", "console", "data_dir_of", "emit", "err_console", "errors", "write"]

console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class CoverageFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    geojson = "geojson"


DataDir = Annotated[Path | None, typer.Option("--data-dir", help="default: data_dir of the settings")]


def data_dir_of(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return data_dir
    from citywatch.config import load_settings

    return load_settings().data_dir


@contextmanager
def errors() -> Iterator[None]:
    """Print a domain error (it names file, row, field and reason where it has them) and exit 1."""
    try:
        yield
    except (CrimeError, ValueError) as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1) from exc


def write(text: str, output: Path | None) -> None:
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def emit(fmt: str, payload: dict[str, Any], rows: Rows, title: str, output: Path | None = None) -> None:
    """JSON of ``payload``, CSV of ``rows``, or a table of ``rows`` on the terminal."""
    if fmt == "json":
        write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output)
    elif fmt == "csv":
        write(to_csv(rows), output)
    else:
        console.print(rich_table(rows, title))
