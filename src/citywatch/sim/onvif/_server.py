"""The HTTP/1.1 side of a virtual ONVIF device, on asyncio streams (keep-alive, no framework).

POST to a service path carries a SOAP 1.2 request: its operation is looked up by the namespace
of the service the path names, the UsernameToken is checked (except for GetSystemDateAndTime,
which the ONVIF core spec lets anyone call so a client can learn the device clock before it
signs), and the answer or the fault goes back. GET on the snapshot path returns a JPEG of the
current view behind HTTP Digest, as camera snapshot URIs usually are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from citywatch.sim.digest import DigestAuth
from citywatch.sim.onvif._device_media import DEVICE_OPERATIONS, MEDIA_OPERATIONS
from citywatch.sim.onvif._model import DEVICE_PATH, MEDIA_PATH, PTZ_PATH, SNAPSHOT_PATH, DeviceState, Operation
from citywatch.sim.onvif._ptz import PTZ_OPERATIONS
from citywatch.sim.onvif._security import UsernameTokenAuth
from citywatch.sim.onvif._soap import NS, SoapFault, envelope, fault_envelope, parse_envelope

__all__ = ["OnvifHttpHandler"]

log = logging.getLogger(__name__)

_SERVICES: dict[str, tuple[str, dict[str, Operation]]] = {
    DEVICE_PATH: (NS["tds"], DEVICE_OPERATIONS),
    MEDIA_PATH: (NS["trt"], MEDIA_OPERATIONS),
    PTZ_PATH: (NS["tptz"], PTZ_OPERATIONS),
}
_UNAUTHENTICATED = {(NS["tds"], "GetSystemDateAndTime")}
_MAX_BODY = 256 * 1024
_IDLE_TIMEOUT_S = 30.0
_SOAP_TYPE = "application/soap+xml; charset=utf-8"
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 500: "Internal Server Error"}  # fmt: skip


class OnvifHttpHandler:
    """One device's request handler: ``asyncio.start_server(handler.handle, ...)``."""

    def __init__(self, device: DeviceState) -> None:
        self.device = device
        self.auth = UsernameTokenAuth(device.account.username, device.account.password)
        self._snapshot_auth = DigestAuth(device.account.username, device.account.password, realm="citywatch-onvif")
        self.requests = 0
        self.faults = 0
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[None] | None] = {}

    async def close_connections(self) -> None:
        """Drop every open connection (keep-alive clients included) and wait for their handlers."""
        for writer in list(self._connections):
            writer.transport.abort()
        tasks = [t for t in self._connections.values() if t is not None and t is not asyncio.current_task()]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections[writer] = asyncio.current_task()
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _IDLE_TIMEOUT_S)
                except (asyncio.IncompleteReadError, TimeoutError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, path, _version = lines[0].split(" ", 2)
                except ValueError:
                    await self._send(writer, 400, "text/plain", b"bad request line", close=True)
                    return
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
                try:
                    length = int(headers.get("content-length", "0"))
                except ValueError:
                    length = -1
                if not 0 <= length <= _MAX_BODY:
                    await self._send(writer, 413, "text/plain", b"body too large or unreadable length", close=True)
                    return
                body = await reader.readexactly(length) if length else b""
                status, content_type, payload, extra = await self._route(method, path.split("?", 1)[0], headers, body)
                close = headers.get("connection", "").lower() == "close"
                await self._send(writer, status, content_type, payload, close=close, extra=extra)
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.pop(writer, None)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]]:
        self.requests += 1
        if path == SNAPSHOT_PATH and method == "GET":
            return await self._snapshot(headers.get("authorization"))
        service = _SERVICES.get(path.rstrip("/"))
        if service is None:
            return 404, "text/plain", f"no ONVIF service at {path}".encode(), {}
        if method != "POST":
            return 405, "text/plain", b"ONVIF services take SOAP over POST", {"Allow": "POST"}
        try:
            answer = self.soap(service, body)
        except SoapFault as fault:
            self.faults += 1
            return fault.http_status, _SOAP_TYPE, fault_envelope(fault), {}
        except Exception:  # a bug here must answer as a device would, not drop the connection
            log.exception("ONVIF device %s failed on a request to %s", self.device.name, path)
            self.faults += 1
            internal = SoapFault("Receiver", ["ter:Action"], "internal error in the device")
            return internal.http_status, _SOAP_TYPE, fault_envelope(internal), {}
        return 200, _SOAP_TYPE, answer, {}

    def soap(self, service: tuple[str, dict[str, Operation]], body: bytes) -> bytes:
        namespace, operations = service
        header, request = parse_envelope(body)
        qname = request.tag if isinstance(request.tag, str) else ""
        ns, _, name = qname[1:].partition("}")
        if ns != namespace or name not in operations:
            raise SoapFault("Receiver", ["ter:ActionNotSupported"], f"operation {name or qname} is not supported here")
        if (ns, name) not in _UNAUTHENTICATED:
            self.auth.check(header)
        try:
            return envelope(operations[name](self.device, request))
        except ValueError as exc:  # the motion model's range checks
            raise SoapFault("Sender", ["ter:InvalidArgVal"], str(exc)) from exc

    async def _snapshot(self, authorization: str | None) -> tuple[int, str, bytes, dict[str, str]]:
        if self.device.snapshot is None:
            return 404, "text/plain", b"this device takes no snapshots", {}
        if not self._snapshot_auth.check("GET", authorization):
            return 401, "text/plain", b"unauthorized", {"WWW-Authenticate": self._snapshot_auth.challenge()}
        return 200, "image/jpeg", await asyncio.to_thread(self.device.snapshot), {}

    @staticmethod
    async def _send(
        writer: asyncio.StreamWriter,
        status: int,
        content_type: str,
        payload: bytes,
        *,
        close: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        head = f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: {content_type}\r\n"
        head += f"Content-Length: {len(payload)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (extra or {}).items())
        writer.write(head.encode("latin-1") + b"\r\n" + payload)
        await writer.drain()
