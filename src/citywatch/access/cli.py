"""``citywatch audit …`` and ``citywatch users …``: checking the audit chain, exporting it, managing people."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from citywatch.config import load_settings

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")
users_app = typer.Typer(no_args_is_help=True, help="Organisations and people.")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Installation data directory.")]
Config = Annotated[Path | None, typer.Option("--config", help="Settings file (TOML).")]


@audit_app.command("verify")
def verify(data_dir: DataDir = None, config: Config = None) -> None:
    """Walk the whole hash chain; exit 1 naming the first broken link, 0 when every link holds."""
    from rich.console import Console

    from citywatch.access.audit import AuditLog
    from citywatch.wiring import build_services

    services = build_services(load_settings(config, data_dir=data_dir))
    try:
        log = AuditLog(services.sessions)
        with Console(stderr=True).status("verifying the audit chain…"):
            checked, broken = log.verify()
    finally:
        services.close()
    if broken is not None:
        typer.echo(f"BROKEN at entry {broken.seq}: {broken.reason} ({checked} entries before it are intact)")
        raise typer.Exit(1)
    typer.echo(f"ok: {checked} entries, every link intact")


@audit_app.command("export")
def export(
    data_dir: DataDir = None,
    config: Config = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    username: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    camera: Annotated[int | None, typer.Option(help="Only entries about this camera.")] = None,
    start: Annotated[str | None, typer.Option(help="From (ISO 8601 UTC).")] = None,
    end: Annotated[str | None, typer.Option(help="Until (ISO 8601 UTC).")] = None,
) -> None:
    """Write matching entries to standard output (oldest last)."""
    import json

    from citywatch.access.audit import AuditFilter, AuditLog, entry_dict, to_csv
    from citywatch.timeutil import parse_iso
    from citywatch.wiring import build_services

    if fmt not in ("csv", "json"):
        raise typer.BadParameter("--format must be csv or json")
    services = build_services(load_settings(config, data_dir=data_dir))
    try:
        where = AuditFilter(
            username=username,
            camera_id=camera,
            start_us=None if start is None else parse_iso(start),
            end_us=None if end is None else parse_iso(end),
            limit=100_000,
        )
        rows = AuditLog(services.sessions).search(where)
    finally:
        services.close()
    if fmt == "json":
        json.dump([entry_dict(r) for r in rows], sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for chunk in to_csv(rows):
            sys.stdout.write(chunk)


@users_app.command("add")
def add_user(
    username: str,
    organisation: Annotated[str, typer.Option(help="Organisation name (made if missing, with --kind).")],
    role: Annotated[str, typer.Option(help="Role, e.g. operator, supervisor, police_investigator.")],
    display_name: Annotated[str, typer.Option(help="The person's name.")] = "",
    kind: Annotated[str, typer.Option(help="council, police or partner (new organisations).")] = "council",
    data_dir: DataDir = None,
    config: Config = None,
) -> None:
    """Add a named person; the password is asked for (never given on the command line)."""
    from citywatch.access.audit import AuditLog
    from citywatch.access.users import UserInput, UserService
    from citywatch.wiring import build_services

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    services = build_services(load_settings(config, data_dir=data_dir))
    try:
        users = UserService(services.sessions, services.secrets)
        org = users.organisation_named(organisation) or users.add_organisation(organisation, kind)
        user = users.add(UserInput(username, display_name or username, org.id, role, password))
        AuditLog(services.sessions).record(
            "user.create", None, username="command line", detail={"user": user.username, "role": role}
        )
    finally:
        services.close()
    typer.echo(f"added {user.username} ({role}) to {org.name}")
