"""``citywatch sim …``: run a virtual camera network, and inject faults into a running one.

citywatch sim cameras --count 4 --live 1 --control-port 8555
    prints one RTSP URL per camera (one per line, flushed), serves until SIGINT/SIGTERM
citywatch sim cameras --count 4 --ptz 1,3 --onvif-port 8081
    cameras 1 and 3 are PTZ: each gets an ONVIF device (ports 8081, 8082); stderr says
    "onvif: camera N URL user USER password PASSWORD" for each (a random password per camera
    unless --onvif-password or $CITYWATCH_SIM_ONVIF_PASSWORD gives one)
citywatch sim fault --control-port 8555 --camera 2 stall --seconds 5
citywatch sim fault --control-port 8555 --camera 2 clock_offset --seconds -3.5
citywatch sim fault --control-port 8555 --camera 2 offline --seconds 10
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def cameras(
    count: Annotated[int, typer.Option(help="Number of cameras.")] = 4,
    rtsp_port: Annotated[int, typer.Option(help="RTSP port (0: any free port).")] = 8554,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    width: Annotated[int, typer.Option()] = 640,
    height: Annotated[int, typer.Option()] = 360,
    fps: Annotated[int, typer.Option()] = 25,
    bitrate_kbps: Annotated[int, typer.Option()] = 800,
    keyframe_interval_s: Annotated[float, typer.Option()] = 1.0,
    live: Annotated[int, typer.Option(help="How many cameras (from 1) render live; the rest loop.")] = 0,
    loop_s: Annotated[float, typer.Option(help="Length of the pre-encoded loop.")] = 10.0,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Loop cache (default $XDG_CACHE_HOME/citywatch/loops).")
    ] = None,
    username: Annotated[str | None, typer.Option(help="Require Digest auth with this user.")] = None,
    password: Annotated[str | None, typer.Option(envvar="CITYWATCH_SIM_PASSWORD")] = None,
    control_port: Annotated[int | None, typer.Option(help="HTTP fault-control port on the same host.")] = None,
    session_timeout_s: Annotated[int, typer.Option()] = 60,
    ptz: Annotated[str, typer.Option(help="PTZ cameras, e.g. 1,3: live, with an ONVIF device each.")] = "",
    onvif_port: Annotated[int, typer.Option(help="First ONVIF port; the next PTZ camera gets the next (0: any).")] = 0,
    onvif_username: Annotated[str, typer.Option(help="ONVIF user of every PTZ camera.")] = "admin",
    onvif_password: Annotated[
        str | None, typer.Option(envvar="CITYWATCH_SIM_ONVIF_PASSWORD", help="Default: random per camera.")
    ] = None,
) -> None:
    """Serve virtual RTSP cameras; print their URLs, one per line."""
    from citywatch.sim.network import CameraNetwork, OnvifAccount

    try:
        ptz_numbers = sorted({int(n) for n in ptz.split(",") if n.strip()})
    except ValueError as exc:
        typer.echo(f"--ptz takes camera numbers separated by commas, e.g. 1,3 (got {ptz!r})", err=True)
        raise typer.Exit(2) from exc
    accounts = {n: OnvifAccount(onvif_username, onvif_password or secrets.token_urlsafe(9)) for n in ptz_numbers}
    try:
        net = CameraNetwork(
            count,
            width=width,
            height=height,
            fps=fps,
            bitrate_kbps=bitrate_kbps,
            keyframe_interval_s=keyframe_interval_s,
            live_count=live,
            host=host,
            rtsp_port=rtsp_port,
            username=username,
            password=password,
            cache_dir=cache_dir,
            loop_s=loop_s,
            session_timeout_s=session_timeout_s,
            control_port=control_port,
            ptz=accounts,
            onvif_port=onvif_port,
        )
    except ValueError as exc:
        typer.echo(f"cannot serve cameras: {exc}", err=True)
        raise typer.Exit(2) from exc

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with net:
            for url in net.urls:
                print(url, flush=True)
            if net.control_port is not None:
                print(f"control: http://{host}:{net.control_port}/cameras", file=sys.stderr, flush=True)
            for handle in net.cameras:
                account = handle.onvif_account
                if account is not None:
                    line = f"onvif: camera {handle.number} {handle.onvif_url} user {account.username}"
                    print(f"{line} password {account.password}", file=sys.stderr, flush=True)
            await stop.wait()

    try:
        asyncio.run(serve())
    except OSError as exc:
        typer.echo(
            f"cannot serve cameras: {exc} (is port {rtsp_port} or an ONVIF port in use? try --rtsp-port 0 "
            "--onvif-port 0)",
            err=True,
        )
        raise typer.Exit(1) from exc


@app.command()
def fault(
    kind: Annotated[str, typer.Argument(help="disconnect, stall, garbage, clock_offset, refuse or offline.")],
    camera: Annotated[int, typer.Option(help="Camera number (from 1).")],
    control_port: Annotated[int, typer.Option(help="The --control-port of `citywatch sim cameras`.")],
    seconds: Annotated[float, typer.Option(help="Duration; for clock_offset the offset (±).")] = 0.0,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
) -> None:
    """Inject a fault into a camera of a running `citywatch sim cameras`."""
    import httpx

    try:
        response = httpx.post(
            f"http://{host}:{control_port}/cameras/{camera}/fault",
            json={"kind": kind, "seconds": seconds},
            timeout=5.0,
        )
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach the control port {host}:{control_port}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if response.status_code != 200:
        typer.echo(f"fault refused: {response.json().get('error', response.text)}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(response.json()))


def _register_trackers() -> None:
    from citywatch.sim.trackers_cli import register

    register(app)


_register_trackers()
