"""The TCP listeners with real sockets: replies byte for byte, refusals, the sting car and the CLI hooks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from citywatch.sim.tracker_clients import Gt06Client, TeltonikaClient, WatchClient
from citywatch.sim.tracker_protocols import gt06_location
from citywatch.sim.trackers import run_trackers
from citywatch.tracking.demo import seed_demo
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings

T = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def settings(**kw: object) -> TrackingSettings:
    return TrackingSettings(osmand_port=0, gt06_port=0, watch_port=0, teltonika_port=0, **kw)  # type: ignore[arg-type]


def test_replies_and_unregistered_devices(engine: Engine) -> None:
    async def main() -> None:
        async with TrackingRuntime(settings(allow_unregistered=True), engine) as rt:
            async with Gt06Client("127.0.0.1", rt.ports["gt06"], "358735070530281") as gt:
                gt.serial = 0x76
                assert await gt.login() == bytes.fromhex("787805010077cf6d0d0a")
            async with WatchClient("127.0.0.1", rt.ports["watch"], "8800000015") as w:
                assert await w.keepalive() == b"[3G*8800000015*0002*LK]"
            async with TeltonikaClient("127.0.0.1", rt.ports["teltonika"], "356307042441013") as tk:
                assert await tk.login() == b"\x01"
                assert await tk.records([(T, 51.4802, -0.1953, 0, {239: 0})]) == 1
            await rt.writer.flush()
            new = rt.pipeline.devices
            assert not new["358735070530281"].info.registered
            assert str(new["356307042441013"].info.profile) == "vehicle"

    asyncio.run(main())


def test_unknown_devices_refused_politely(engine: Engine) -> None:
    async def main() -> None:
        async with TrackingRuntime(settings(allow_unregistered=False), engine) as rt:
            async with TeltonikaClient("127.0.0.1", rt.ports["teltonika"], "111111111111111") as tk:
                assert await tk.login() == b"\x00"
            async with Gt06Client("127.0.0.1", rt.ports["gt06"], "222222222222222") as gt:
                try:
                    await gt.login()
                    raise AssertionError("a refused GT06 device must not get a login ack")
                except asyncio.IncompleteReadError:
                    pass
            rejects = rt.diagnostics.rejects_for("111111111111111")
            assert rejects == {"teltonika: unknown device refused (unregistered devices are not allowed)": 1}
            assert rt.diagnostics.rejects_for("222222222222222")
            assert rt.pipeline.devices == {}

    asyncio.run(main())


def test_sting_car_driven_off(engine: Engine) -> None:
    with Session(engine) as s:
        seed_demo(s)

    async def main() -> list[str]:
        async with TrackingRuntime(settings(allow_unregistered=False), engine) as rt:
            with rt.bus.subscribe() as sub:
                stats = await run_trackers("127.0.0.1", rt.ports, duration_s=200, time_scale=80, only=("teltonika",))
                assert stats.errors == {}
                kinds = []
                while not sub.queue.empty():
                    kinds.append(str((await sub.get()).kind))
                return kinds

    kinds = asyncio.run(main())
    assert "sting_ignition" in kinds and "sting_moved" in kinds


def test_cli_registration() -> None:
    from citywatch.sim.trackers_cli import register
    from citywatch.tracking.cli import app as tracking_app

    sim = typer.Typer()
    register(sim)
    sim.command("noop")(lambda: None)  # a group needs two commands to keep sub-command names
    result = CliRunner().invoke(sim, ["trackers", "--help"])
    assert result.exit_code == 0 and "Claybrook" in result.output
    result = CliRunner().invoke(tracking_app, ["--help"])
    assert result.exit_code == 0 and "listen" in result.output


def test_backpressure_pauses_reading_until_the_writer_catches_up(engine: Engine) -> None:
    async def main() -> None:
        tiny = settings(allow_unregistered=True, writer_high_water_rows=5, write_interval_s=0.05)
        async with TrackingRuntime(tiny, engine) as rt:
            async with Gt06Client("127.0.0.1", rt.ports["gt06"], "864717003283581") as gt:
                await gt.login()
                assert gt.writer is not None and gt.reader is not None
                frames = [gt06_location(i + 2, T + timedelta(seconds=i), 51.4866, -0.2187) for i in range(200)]
                gt.writer.write(b"".join(frames))
                acks = await asyncio.wait_for(gt.reader.readexactly(10 * 200), 10)
                assert acks.count(b"\x78\x78\x05\x12") == 200
            await rt.writer.flush()
            assert rt.writer.committed_rows >= 201 and rt.writer.dropped_rows == 0

    asyncio.run(main())
