"""``citywatch evidence …``: verify a bundle, export one (with a progress bar), list and rotate keys."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

app = typer.Typer(no_args_is_help=True, help="Evidence bundles: export, verify, signing keys.")
keys_app = typer.Typer(no_args_is_help=True, help="The installation's signing keys.")
app.add_typer(keys_app, name="keys")
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="where the database and media live")]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="TOML settings file")]


@app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="bundle folder or .zip")],
    key: Annotated[list[Path] | None, typer.Option("--key", help="trusted public key (PEM); repeatable")] = None,
) -> None:
    """Check every file's SHA-256 and the manifest's signature. Exit 0 only when all are good."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from citywatch.evidence.keys import key_id_of
    from citywatch.evidence.verify import verify_bundle

    trusted: set[str] | None = None
    if key:
        trusted = set()
        for path in key:
            public = serialization.load_pem_public_key(path.read_bytes())
            if not isinstance(public, Ed25519PublicKey):
                raise typer.BadParameter(f"{path} is not an Ed25519 public key")
            trusted.add(key_id_of(public))
    report = verify_bundle(bundle, trusted)
    for name in report.checked:
        mark = "FAILED" if any(f.startswith(f"{name}:") for f in report.failures) else "ok"
        console.print(f"  {mark:6} {name}", highlight=False)
    if report.ok:
        console.print(f"[green]bundle verified[/]: {len(report.checked)} files, signed by key {report.key_id}")
        return
    for failure in report.failures:
        console.print(f"[red]FAILED[/] {failure}", highlight=False)
    raise typer.Exit(1)


@app.command("export")
def export(
    camera: Annotated[list[int], typer.Option("--camera", "-c", help="camera id; repeatable")],
    start: Annotated[str, typer.Option(help="UTC start, ISO 8601 (e.g. 2026-10-25T00:30:00Z)")],
    end: Annotated[str, typer.Option(help="UTC end, ISO 8601")],
    justification: Annotated[str, typer.Option(help="why this footage is exported")],
    reference: Annotated[str, typer.Option(help="crime or CAD reference")] = "",
    case: Annotated[int | None, typer.Option(help="case id")] = None,
    working_copy: Annotated[bool, typer.Option(help="also make transcoded working copies")] = False,
    organisation: Annotated[str, typer.Option(help="exporter's organisation")] = "",
    out: Annotated[Path | None, typer.Option(help="also write the bundle zip here")] = None,
    data_dir: DataDir = None,
    config: ConfigFile = None,
) -> None:
    """Export a signed evidence bundle from the recorded footage."""
    from citywatch.config import load_settings
    from citywatch.evidence.bundle import Exporter
    from citywatch.evidence.errors import EvidenceError
    from citywatch.evidence.service import EvidenceService, ExportSpec
    from citywatch.timeutil import parse_iso
    from citywatch.video.media_access import MediaAccess, default_access, set_default_access
    from citywatch.wiring import build_services

    try:
        start_us, end_us = parse_iso(start), parse_iso(end)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    services = build_services(load_settings(config, data_dir=data_dir))
    # In a fleet the footage may sit on recorder nodes: read it from them as the API does (fleet secret needed).
    previous, media = default_access(), MediaAccess(services.engine, services.settings)
    set_default_access(media)
    evidence = EvidenceService(services.engine, services.sessions, services.settings.data_dir, workers=1)
    exporter = Exporter(getpass.getuser(), "command_line", organisation)
    spec = ExportSpec(camera, start_us, end_us, justification, reference, case, working_copy)
    columns = ("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("exporting", total=None)
            job = evidence.run_export(spec, exporter, lambda done, total: bar.update(task, completed=done, total=total))
        console.print(f"bundle {job.id}: {job.bundle_dir} (manifest SHA-256 {job.manifest_sha256})")
        if out is not None:
            with out.open("wb") as f:
                for chunk in evidence.bundle_stream(job.id).iter_bytes():
                    f.write(chunk)
            console.print(f"zip written to {out}")
    except EvidenceError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        evidence.close()
        set_default_access(previous)
        media.close()
        services.close()


@keys_app.command("list")
def keys_list(data_dir: DataDir = None, config: ConfigFile = None) -> None:
    """The installation's public keys (current and retired)."""
    from citywatch.config import load_settings
    from citywatch.evidence.keys import KeyRing

    settings = load_settings(config, data_dir=data_dir)
    for info in KeyRing(settings.data_dir / "evidence" / "keys").public_keys():
        state = "current" if info.current else f"retired {info.retired_utc}"
        console.print(f"{info.key_id}  created {info.created_utc}  {state}", highlight=False)


@keys_app.command("rotate")
def keys_rotate(data_dir: DataDir = None, config: ConfigFile = None) -> None:
    """Make a new signing key; earlier public keys stay listed so old bundles still verify."""
    from citywatch.config import load_settings
    from citywatch.evidence.keys import KeyRing

    settings = load_settings(config, data_dir=data_dir)
    console.print(f"new signing key {KeyRing(settings.data_dir / 'evidence' / 'keys').rotate()}")
