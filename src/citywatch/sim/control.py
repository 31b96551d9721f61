"""A tiny HTTP/1.1 control endpoint on 127.0.0.1, so faults can be injected from another shell.

    GET  /cameras                      -> JSON list of per-camera counters
    POST /cameras/N/fault              body {"kind": "stall", "seconds": 3}  -> JSON counters of N

``citywatch sim fault --control-port P --camera N KIND [--seconds D]`` is the client. Kinds:
disconnect, stall D, garbage D, clock_offset S (± seconds, 0 resets), refuse D, offline D.
Hand-written on asyncio streams: one request per connection, no dependency on a web framework.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from citywatch.sim.camera import FaultError

__all__ = ["ControlServer"]

_FAULT_PATH = re.compile(r"^/cameras/(\d+)/fault/?$")
_MAX_BODY = 4096

Stats = Callable[[], list[dict[str, Any]]]
Inject = Callable[[int, str, float], dict[str, Any]]


class ControlServer:
    def __init__(self, stats: Stats, inject: Inject) -> None:
        self._stats, self._inject = stats, inject

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, payload = await self._answer(reader)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            status, payload = 400, {"error": f"bad request: {exc}"}
        body = json.dumps(payload).encode()
        head = f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        try:
            await writer.drain()
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, Any]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
        length = int(headers.get("content-length", "0"))
        if not 0 <= length <= _MAX_BODY:
            return 400, {"error": "body too large"}
        body = await reader.readexactly(length) if length else b""
        if method == "GET" and path.rstrip("/") == "/cameras":
            return 200, self._stats()
        match = _FAULT_PATH.match(path)
        if method == "POST" and match:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict) or not isinstance(request.get("kind"), str):
                return 400, {"error": 'expected JSON {"kind": ..., "seconds": ...}'}
            try:
                return 200, self._inject(int(match.group(1)), request["kind"], float(request.get("seconds", 0)))
            except KeyError as exc:
                return 404, {"error": str(exc)}
            except FaultError as exc:
                return 400, {"error": str(exc)}
        return 404, {"error": f"no route {method} {path}; try GET /cameras or POST /cameras/N/fault"}
