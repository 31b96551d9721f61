"""Adding a camera by its ONVIF address: what the device says about itself, so nobody types an RTSP URL."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from citywatch.ptz.errors import PtzError
from citywatch.ptz.model import ProbeResult
from citywatch.ptz.onvif_control import OnvifCameraControl, parse_onvif_url

__all__ = ["check_onvif_host", "probe_device"]


async def check_onvif_host(url: str, allowed_networks: list[str]) -> None:
    """Like camera URLs, an ONVIF address must resolve into an allowed network (no probing of internal services)."""
    address = parse_onvif_url(url)
    networks = [ipaddress.ip_network(n) for n in allowed_networks]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(address.host, address.port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise PtzError(f"ONVIF host {address.host!r} does not resolve: {exc.strerror}") from exc
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not any(ip in n for n in networks):
            raise PtzError(
                f"ONVIF host {address.host} ({ip}) is outside the allowed camera networks "
                f"({', '.join(allowed_networks)}); an administrator can extend camera_allowed_networks"
            )


async def probe_device(
    url: str, username: str | None, password: str | None, allowed_networks: list[str]
) -> ProbeResult:
    await check_onvif_host(url, allowed_networks)
    control = OnvifCameraControl(parse_onvif_url(url).host, url, username, password)
    try:
        return await control.probe()
    finally:
        await control.close()
