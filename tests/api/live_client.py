"""A WebSocket live viewer as a browser's MSE code would be: JSON init notice, init segment, GOPs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from websockets.asyncio.client import connect


@dataclass
class LiveCapture:
    mime: str = ""
    init: bytes = b""
    fragments: list[bytes] = field(default_factory=list)
    arrival_s: list[float] = field(default_factory=list)


async def watch(ws_url: str, token: str, fragments: int, timeout_s: float = 20.0, *, keep: bool = True) -> LiveCapture:
    import asyncio
    import time

    out = LiveCapture()
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=1 << 24) as ws:
        async with asyncio.timeout(timeout_s):
            expect_init = False
            while len(out.fragments) < fragments:
                message = await ws.recv()
                if isinstance(message, str):
                    notice = json.loads(message)
                    assert notice["type"] == "init"
                    out.mime, expect_init = notice["mime"], True
                elif expect_init:
                    out.init, expect_init = message, False
                else:
                    assert out.init, "a fragment came before any init segment"
                    out.fragments.append(message if keep else b"")
                    out.arrival_s.append(time.time())
    return out
