"""``citywatch partners …``: invoices for a month, the five-year forecast, the public register export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citywatch.config import load_settings

if TYPE_CHECKING:
    from citywatch.partners.service import PartnersService
    from citywatch.wiring import Services

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Partners: invoices, revenue forecast, camera register.")
register_app = typer.Typer(no_args_is_help=True, help="The camera register.")
app.add_typer(register_app, name="register")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="where the database lives")]
Config = Annotated[Path | None, typer.Option("--config", help="settings file (TOML)")]


def _open(data_dir: Path | None, config: Path | None) -> tuple[Services, PartnersService]:
    from citywatch.partners.service import PartnersService
    from citywatch.wiring import build_services

    services = build_services(load_settings(config, data_dir=data_dir))
    return services, PartnersService(services.sessions)


@app.command()
def invoice(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM (a Europe/London calendar month)")],
    out: Annotated[Path, typer.Option("--out", help="folder for the files")] = Path("invoices"),
    partner: Annotated[int | None, typer.Option("--partner", help="one organisation id (default: all)")] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="also print each invoice to PDF")] = True,
    data_dir: DataDir = None,
    config: Config = None,
) -> None:
    """Write each partner's invoice (HTML, PDF) and one CSV for finance."""
    from rich.progress import Progress

    from citywatch.partners.errors import PartnerError
    from citywatch.partners.money import pounds
    from citywatch.partners.render import invoice_csv, invoice_html, invoice_pdf
    from citywatch.timeutil import now_us

    services, svc = _open(data_dir, config)
    try:
        ids = [partner] if partner is not None else [p.id for p in svc.directory.partners() if p.contracts]
        out.mkdir(parents=True, exist_ok=True)
        invoices = []
        with Progress(transient=True) as progress:
            task = progress.add_task(f"Invoicing {month}", total=len(ids))
            for org_id in ids:
                inv = svc.invoice(org_id, month, now_us=now_us())
                invoices.append(inv)
                html = invoice_html(inv)
                (out / f"{inv.number}.html").write_text(html, encoding="utf-8")
                if pdf:
                    (out / f"{inv.number}.pdf").write_bytes(invoice_pdf(html))
                progress.advance(task)
        (out / f"invoices-{month}.csv").write_text(invoice_csv(invoices), encoding="utf-8")
    except PartnerError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        services.close()
    for inv in invoices:
        typer.echo(f"{inv.number}  {inv.organisation:<45} net {pounds(inv.net_p):>14}  total {pounds(inv.total_p):>14}")
    typer.echo(f"wrote {len(invoices)} invoices to {out}/")


@app.command()
def forecast(
    target: Annotated[float, typer.Option("--target", help="five-year target in pounds")] = 12_000_000.0,
    start: Annotated[str | None, typer.Option("--start", help="first month, YYYY-MM (default: this month)")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="also write the report as CSV")] = None,
    data_dir: DataDir = None,
    config: Config = None,
) -> None:
    """Five-year revenue forecast (low / expected / high) against the target."""
    from citywatch.partners.money import parse_month, pounds
    from citywatch.partners.reports import forecast_csv
    from citywatch.timeutil import now_us

    services, svc = _open(data_dir, config)
    try:
        first = parse_month(start) if start else None
        f = svc.forecast(now_us=now_us(), target_p=round(target * 100), start=first)
    finally:
        services.close()
    for sc in f.scenarios:
        years = "  ".join(pounds(y.total_p) for y in sc.years)
        verdict = "meets" if sc.meets_target else f"short by {pounds(sc.gap_p)}"
        typer.echo(f"{sc.scenario.name:<9} {years}  total {pounds(sc.total_p)} ({verdict} {pounds(f.target_p)})")
    if csv_out is not None:
        csv_out.write_text(forecast_csv(f), encoding="utf-8")
        typer.echo(f"wrote {csv_out}")


@register_app.command("export")
def register_export(
    fmt: Annotated[str, typer.Option("--format", help="geojson or csv")] = "geojson",
    out: Annotated[Path | None, typer.Option("--out", help="file (default: standard output)")] = None,
    data_dir: DataDir = None,
    config: Config = None,
) -> None:
    """The public transparency export: registered, overt cameras only, no addresses or credentials."""
    from citywatch.partners.money import today_london
    from citywatch.timeutil import now_us

    if fmt not in ("geojson", "csv"):
        raise typer.BadParameter("--format is geojson or csv")
    services, svc = _open(data_dir, config)
    try:
        today = today_london(now_us())
        text = (
            json.dumps(svc.register.public_geojson(today=today), indent=1)
            if fmt == "geojson"
            else svc.register.public_csv(today=today)
        )
    finally:
        services.close()
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
