"""``citywatch crime …``: import MPS and police.uk files, MOPAC 7 reports, targets and camera coverage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from citywatch.crime import coverage_cli
from citywatch.crime.cli_common import DataDir, Format, console, data_dir_of, emit, err_console, errors, write
from citywatch.crime.fiscal import FinancialYear, parse_month
from citywatch.crime.importer import import_files
from citywatch.crime.mapping import load_mapping
from citywatch.crime.reports import CrimeReports
from citywatch.crime.store import CrimeStore

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="MOPAC 7 crime figures, targets and camera coverage.")

Scheme = Annotated[str | None, typer.Option("--scheme", help="old | new (default: new where it covers)")]
MappingOpt = Annotated[Path | None, typer.Option("--mapping", help="MOPAC 7 mapping file (TOML or JSON)")]
Fy = Annotated[str, typer.Option("--fy", help="financial year, e.g. 2013/14")]


@contextmanager
def _reports(data_dir: Path | None, mapping: Path | None) -> Iterator[CrimeReports]:
    with errors(), CrimeStore.in_data_dir(data_dir_of(data_dir), read_only=True) as store:
        yield CrimeReports(store, load_mapping(mapping))


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="CSV files or folders of them")],
    data_dir: DataDir = None,
) -> None:
    """Validate and load MPS borough, LSOA annual and police.uk street files (all or nothing)."""
    with errors(), CrimeStore.in_data_dir(data_dir_of(data_dir)) as store:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=False) as progress:
            task = progress.add_task("reading", total=None)

            def tick(name: str, done: int, total: int) -> None:
                progress.update(task, description=f"reading {name[:40]}", completed=done, total=total)

            outcomes = import_files(store, paths, tick)
        for o in outcomes:
            line = f"{o.status:9} {o.name}"
            if o.status == "imported":
                line += f" ({o.kind}, {o.data_rows:,} rows, sha256 {o.sha256[:12]})"
            typer.echo(line)
            for warning in o.warnings:
                typer.echo(f"          warning: {warning}")
        done = sum(o.status == "imported" for o in outcomes)
        typer.echo(f"{done} imported, {len(outcomes) - done} unchanged → {store.path}")


@app.command()
def sources(fmt: Annotated[Format, typer.Option("--format")] = Format.table, data_dir: DataDir = None) -> None:
    """The imported files: name, kind, rows, SHA-256, when, and any warnings (provenance)."""
    with errors(), CrimeStore.in_data_dir(data_dir_of(data_dir), read_only=True) as store:
        files = store.source_files()
    rows: list[list[str | int | float | None]] = [
        [f.name, f.kind, f.data_rows, f.sha256[:16], f.imported_at.isoformat(timespec="seconds"), f.warnings]
        for f in files
    ]
    payload = {"files": [{**vars(f), "imported_at": f.imported_at.isoformat()} for f in files]}
    emit(fmt.value, payload, (["file", "kind", "rows", "sha256", "imported (UTC)", "warnings"], rows), "Imported files")


@app.command()
def report(
    area: Annotated[str, typer.Option("--area", help="a borough, or London")],
    fy: Fy,
    compare: Annotated[str | None, typer.Option("--compare", help="a second area, e.g. London")] = None,
    scheme: Scheme = None,
    mapping: MappingOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")] = None,
    data_dir: DataDir = None,
) -> None:
    """MOPAC 7 for a financial year against the year before, per category and in total."""
    with _reports(data_dir, mapping) as reports:
        result = reports.fy_comparison(area, FinancialYear.parse(fy), compare, scheme, with_trend=fmt == Format.html)
        if fmt == Format.html:
            from citywatch.crime.html_report import render_html

            write(render_html(result), output)
            return
        from citywatch.crime.render import fy_rows

        title = f"MOPAC 7, {result.fy.label} vs {result.previous_fy.label} ({result.scheme} categories)"
        emit(fmt.value, result.to_dict(), fy_rows(result), title, output)
        if fmt == Format.table:
            for line in result.source + result.notes:
                console.print(f"[dim]{line}[/dim]", highlight=False)


@app.command()
def rolling(
    area: Annotated[str, typer.Option("--area")],
    to: Annotated[str | None, typer.Option("--to", help="last month, YYYY-MM (default: latest held)")] = None,
    scheme: Scheme = None,
    mapping: MappingOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """The 12 months to a month against the 12 months before."""
    from citywatch.crime.render import rolling_rows

    with _reports(data_dir, mapping) as reports:
        result = reports.rolling_12(area, parse_month(to) if to else None, scheme)
        emit(fmt.value, result.to_dict(), rolling_rows(result), f"Rolling 12 months, {result.figures.area}")


@app.command()
def trend(
    area: Annotated[str, typer.Option("--area")],
    first: Annotated[str, typer.Option("--from", help="YYYY-MM")],
    last: Annotated[str, typer.Option("--to", help="YYYY-MM")],
    scheme: Scheme = None,
    mapping: MappingOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """MOPAC 7 month by month."""
    from citywatch.crime.render import trend_rows

    with _reports(data_dir, mapping) as reports:
        points = reports.monthly_trend(area, parse_month(first), parse_month(last), scheme)
        payload = {"area": area, "months": [p.to_dict() for p in points]}
        emit(fmt.value, payload, trend_rows(points), f"MOPAC 7 by month, {area}")


@app.command()
def ranking(
    fy: Fy,
    category: Annotated[str | None, typer.Option("--category", help="one MOPAC 7 category")] = None,
    scheme: Scheme = None,
    mapping: MappingOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """Every borough by change against the year before, largest fall first."""
    from citywatch.crime.render import ranking_rows

    with _reports(data_dir, mapping) as reports:
        year = FinancialYear.parse(fy)
        rows = reports.ranking(year, category, scheme)
        payload = {"fy": year.label, "category": category or "MOPAC 7", "boroughs": [r.to_dict() for r in rows]}
        emit(fmt.value, payload, ranking_rows(rows, year.previous().label, year.label), f"Ranking, {year.label}")


@app.command()
def claim(
    fy: Fy,
    direction: Annotated[str, typer.Option("--direction", help="down | up")] = "down",
    category: Annotated[str | None, typer.Option("--category")] = None,
    scheme: Scheme = None,
    mapping: MappingOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """Check a claim such as "down in every borough" and name the exceptions."""
    from citywatch.crime.render import claim_rows

    with _reports(data_dir, mapping) as reports:
        check = reports.check_claim(FinancialYear.parse(fy), direction, category, scheme)
        verdict = "holds" if check.holds else f"does not hold: {len(check.exceptions)} exception(s)"
        emit(fmt.value, check.to_dict(), claim_rows(check), f"“{check.claim}” {verdict}")
        if fmt == Format.table and check.holds:
            console.print(f"all {check.checked} boroughs: the claim holds")


@app.command()
def target(
    area: Annotated[str, typer.Option("--area")] = "London",
    baseline: Annotated[str, typer.Option("--baseline", help="baseline financial year")] = "2011/12",
    reduction_pct: Annotated[float, typer.Option("--reduction-pct")] = 20.0,
    years: Annotated[int, typer.Option("--years")] = 4,
    up_to: Annotated[str | None, typer.Option("--up-to", help="last financial year to count")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    scheme: Scheme = None,
    mapping: MappingOpt = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """Progress towards a reduction target (e.g. 20 % over four years) with a projection."""
    from citywatch.crime.render import target_rows
    from citywatch.crime.targets import target_progress

    with _reports(data_dir, mapping) as reports:
        progress = target_progress(
            reports,
            area,
            FinancialYear.parse(baseline),
            reduction_pct=reduction_pct,
            years=years,
            up_to=FinancialYear.parse(up_to) if up_to else None,
            category=category,
            scheme=scheme,
        )
        title = (
            f"{progress.area}: {reduction_pct:g} % less {category or 'MOPAC 7'} crime by "
            f"{progress.target_fy.label} — {'on track' if progress.on_track else 'behind'}"
        )
        emit(fmt.value, progress.to_dict(), target_rows(progress), title)


# The coverage commands live in their own module; registered here so `app` is the one entry point.
app.command("coverage")(coverage_cli.coverage)
app.command("coverage-lsoa")(coverage_cli.coverage_lsoa)
