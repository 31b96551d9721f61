"""Fuzzing: random and mutated frames. Only DecodeError may escape a decoder; listeners stay up."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from citywatch.sim.tracker_clients import Gt06Client, HttpClient
from citywatch.sim.tracker_protocols import (
    gt06_alarm,
    gt06_location,
    gt06_login,
    teltonika_avl,
    teltonika_imei,
    watch_location,
)
from citywatch.tracking.errors import DecodeError
from citywatch.tracking.protocols import gt06, osmand, teltonika, watch
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings

T = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
ROUNDS = 3000
SEEDS = {
    "gt06": [
        gt06_login("864717003283581"),
        gt06_location(2, T, 51.4866, -0.2187, speed_kmh=4),
        gt06_alarm(3, T, 51.4866, -0.2187),
        bytes.fromhex("78780a13c40604000201298f5b0d0a"),
        bytes.fromhex("7878251613020C12141AC5027951430C2A16F60014000900000000001A00007C550300020002F1E70D0A"),
    ],
    "watch": [
        watch_location("8800000015", T, 51.4866, -0.2187, status=1 << 16),
        b"[3G*6907919734*003e*AL_LTE,170525,214118,V,0,N,0,E,0,0,0,0,0,22,0,0,00010000,0,0,0]",
        b"[SG*8800000015*0002*LK]",
    ],
    "teltonika": [teltonika_avl([(T, 51.48, -0.19, 30, {239: 1, 240: 1}), (T, 51.49, -0.18, 0, {})])],
    "osmand": [
        b"/?id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=3&batt=40&alarm=sos",
        b'{"location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":37.4,"longitude":-122.0,'
        b'"speed":1,"heading":-1},"battery":{"level":0.5}},"device_id":"4"}',
    ],
}


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        if op < 0.4 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.6 and b:
            del b[rng.randrange(len(b)) :]
        elif op < 0.8:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        elif b:
            i = rng.randrange(len(b))
            del b[i : i + rng.randint(1, 8)]
    return bytes(b)


def corpus(rng: random.Random, protocol: str) -> bytes:
    if rng.random() < 0.2:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
    return mutate(rng, rng.choice(SEEDS[protocol]))


def _gt06(data: bytes) -> None:
    frames, _, _ = gt06.split_frames(data)
    for f in frames or [data]:
        gt06.decode(f, "1")


def _watch(data: bytes) -> None:
    frames, _, _ = watch.split_frames(data)
    for f in frames or [data]:
        watch.decode(f)


def _teltonika(data: bytes) -> None:
    frames, _, _ = teltonika.split_frames(data, imei_received=True)
    for f in frames:
        teltonika.decode(f, "1")
    if len(data) > 12:
        teltonika.decode(data, "1")


def _osmand(data: bytes) -> None:
    if data.startswith(b"/"):
        osmand.decode_request(data.decode("latin-1"), "", b"")
    else:
        osmand.decode_request("/", "application/json", data)


DECODERS: dict[str, Callable[[bytes], None]] = {
    "gt06": _gt06,
    "watch": _watch,
    "teltonika": _teltonika,
    "osmand": _osmand,
}


@pytest.mark.parametrize("protocol", sorted(DECODERS))
def test_only_decode_errors_escape(protocol: str) -> None:
    rng = random.Random(f"fuzz-{protocol}")
    decode = DECODERS[protocol]
    for _ in range(ROUNDS):
        data = corpus(rng, protocol)
        try:
            decode(data)
        except DecodeError:
            pass
        except Exception as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"{protocol}: {type(exc).__name__}: {exc} on input {data!r}")


def test_listeners_survive_garbage(engine) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        settings = TrackingSettings(osmand_port=0, gt06_port=0, watch_port=0, teltonika_port=0, idle_timeout_s=5)
        async with TrackingRuntime(settings, engine) as rt:
            rng = random.Random(7)
            ports = rt.ports
            for protocol in ("gt06", "watch", "teltonika"):
                for _ in range(30):
                    _reader, writer = await asyncio.open_connection("127.0.0.1", ports[protocol])
                    if protocol == "teltonika":
                        writer.write(teltonika_imei("356307042441013"))
                    if protocol == "gt06":
                        writer.write(gt06_login("864717003283581"))
                    for _ in range(5):
                        writer.write(corpus(rng, protocol))
                    await writer.drain()
                    writer.close()
            async with HttpClient("127.0.0.1", ports["osmand"]) as http:
                for _ in range(50):
                    target = (
                        corpus(rng, "osmand").decode("latin-1").replace(" ", "").replace("\r", "").replace("\n", "")
                    )
                    status, _ = await http.request("GET", "/" + target.lstrip("/"))
                    assert status in (200, 400)
            for _ in range(30):  # raw garbage at the HTTP listener
                _reader, writer = await asyncio.open_connection("127.0.0.1", ports["osmand"])
                writer.write(bytes(rng.randrange(256) for _ in range(200)) + b"\r\n\r\n")
                await writer.drain()
                writer.close()
            await asyncio.sleep(0.2)
            # Still serving: a well-behaved device gets its acks.
            async with Gt06Client("127.0.0.1", ports["gt06"], "864717003283581") as dev:
                assert (await dev.login())[:4] == b"\x78\x78\x05\x01"
                assert (await dev.location(T, 51.4866, -0.2187))[:4] == b"\x78\x78\x05\x12"
            assert sum(rt.diagnostics.rejects.values()) > 50
            internal = [k for k in rt.diagnostics.rejects if "internal error" in k[2]]
            assert internal == []

    asyncio.run(main())
