"""The ``citywatch demo`` command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

REPO_ROOT = Path(__file__).resolve().parents[2]


def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database and footage.")] = Path(
        "citywatch-data"
    ),
    port: Annotated[int, typer.Option(help="Web app and API port on 127.0.0.1.")] = 8000,
    cameras: Annotated[int, typer.Option(help="How many virtual cameras.")] = 12,
    rtsp_port: Annotated[int, typer.Option(help="Port of the virtual cameras.")] = 8554,
) -> None:
    """Start the demo borough: virtual cameras, recorder, server and bundled data on 127.0.0.1."""
    from citywatch.access.demo import COUNCIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo_access
    from citywatch.access.sessions import AdminCredentials
    from citywatch.api.app import create_app
    from citywatch.api.cli import run_until_signalled
    from citywatch.config import load_settings
    from citywatch.demo import demo_cameras, load_crime_data, ptz_accounts, register_cameras, start_trackers
    from citywatch.partners.demo import seed_partners
    from citywatch.sim.network import CameraNetwork
    from citywatch.video.supervisor import RecorderSupervisor
    from citywatch.wiring import build_services

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The demo's own admin is the only account allowed to skip MFA, and the sign-in screen says so.
    settings = load_settings(
        data_dir=data_dir,
        port=port,
        admin_mfa_exempt=True,
        operator_organisation=COUNCIL,
        signin_notice="Demo installation: only the demo's own admin may sign in without an authenticator code.",
    )
    services = build_services(settings)
    placed = demo_cameras(cameras)
    accounts = ptz_accounts(placed)
    network = CameraNetwork(
        len(placed), width=640, height=360, fps=25, bitrate_kbps=600, live_count=min(2, len(placed)),
        rtsp_port=rtsp_port, cache_dir=settings.data_dir / "cache", ptz=accounts,
    )  # fmt: skip
    admin = AdminCredentials(settings.admin_password)
    password = admin.generated_password if admin.generated else "(from CITYWATCH_ADMIN_PASSWORD)"
    with network.running_in_thread():
        register_cameras(services, placed, network.urls, network.onvif_urls, accounts)
        load_crime_data(settings.data_dir, REPO_ROOT / "data")
        start_trackers(services)
        api = create_app(services, admin=admin, background=[RecorderSupervisor(services)])
        seed_partners(services.sessions)  # partners' organisations, plans and contracts first; then people
        people = seed_demo_access(services, api.state.ctx.auth.users)
        logins = "\n".join(f"    {p.username:<20} {p.display_name} — {p.organisation}, {p.role}" for p in people)
        url = f"http://127.0.0.1:{settings.port}/"
        typer.echo(
            f"\ncitywatch demo — Hammersmith & Fulham, {len(placed)} virtual cameras\n"
            f"  web app:   {url}\n  API docs:  {url}api/docs\n"
            f"  sign in:   admin / {password}  (the demo admin needs no authenticator code)\n"
            f"  people (password {DEMO_PASSWORD}; police also need a TOTP code from secret {DEMO_TOTP_SECRET}):\n"
            f"{logins}\n"
            f"  trackers:  OsmAnd 5055, GT06 5023, Watch 5093, Teltonika 5027 (simulated walkers and a sting car)\n"
            f"  data:      {settings.data_dir.resolve()}\n  stop:      Ctrl-C\n"
        )
        try:
            run_until_signalled(api, "127.0.0.1", settings.port, log_level="warning")
        finally:
            services.close()
