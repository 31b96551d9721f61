"""Tracking bench: thousands of simulated GT06 and OsmAnd devices on loopback.

Measures, per run, the sustained positions per second through the whole chain (decode → filter → zones →
batched SQLite writes) and the alert latency from the moment a fix is received to the moment a subscriber
gets the alert. The load generator runs in a separate process (frames pre-built, closed loop with a window
of unacknowledged messages per connection); the server is the real ``TrackingRuntime``. Median of runs.

    .venv/bin/python bench/tracking.py [--gt06 2000] [--osmand 1000] [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from citywatch.sim.tracker_protocols import gt06_location, gt06_login, osmand_query
from citywatch.store.db import make_engine, upgrade
from citywatch.tracking import services
from citywatch.tracking.demo import CAMPUS_ZONE
from citywatch.tracking.domain import to_us, utcnow
from citywatch.tracking.models import DeviceRow
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings

CAMPUS_S, CAMPUS_N, CAMPUS_W, CAMPUS_E = 51.48560, 51.48920, -0.22120, -0.21780
STEP_M = 3.0  # per fix, one fix per simulated second: a brisk walk west
GT06_ACK, HTTP_OK = 10, len(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


def _track(rng: random.Random, n: int) -> list[tuple[float, float]]:
    lat = rng.uniform(CAMPUS_S + 0.0003, CAMPUS_N - 0.0003)
    m_per_deg_lon = 111_195 * math.cos(math.radians(lat))
    if rng.random() < 0.2:  # a fifth start just inside the west edge: they leave within a few fixes
        lon = CAMPUS_W + rng.uniform(4, 12) / m_per_deg_lon
    else:
        lon = rng.uniform(CAMPUS_W + 0.0003, CAMPUS_E - 0.0003)
    dlon = -STEP_M / m_per_deg_lon
    return [(lat + rng.gauss(0, 3e-5), lon + dlon * k + rng.gauss(0, 4e-5)) for k in range(n)]


def _build(ids: list[str], kind: str, per_device: int, t0: datetime, seed: int) -> list[list[bytes]]:
    rng = random.Random(seed)
    out = []
    for ident in ids:
        frames = []
        for k, (lat, lon) in enumerate(_track(rng, per_device)):
            at = t0 + timedelta(seconds=k)
            if kind == "gt06":
                frames.append(gt06_location(k + 2, at, lat, lon, speed_kmh=10.8))
            else:
                frames.append(
                    f"GET {osmand_query(ident, at, lat, lon, speed_kn=5.8, accuracy_m=8)} HTTP/1.1\r\n"
                    "Host: b\r\n\r\n".encode()
                )
        out.append(frames)
    return out


class _Device(asyncio.Protocol):
    """One device: a window of frames in flight; the next window goes when every answer has arrived."""

    def __init__(
        self,
        kind: str,
        frames: list[bytes],
        window: int,
        stop_at: float,
        counts: dict[str, int],
        done: asyncio.Future[None],
        login: bytes | None,
        period_s: float,
        phase_s: float,
    ) -> None:
        self.kind, self.frames, self.window, self.stop_at = kind, frames, window, stop_at
        self.counts, self.done, self.login = counts, done, login
        self.period_s, self.next_at = period_s, asyncio.get_running_loop().time() + phase_s
        self.reply = GT06_ACK if kind == "gt06" else HTTP_OK
        self.i = self.expect = self.got = self.inflight = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.login is not None:
            self.expect, self.inflight = GT06_ACK, 0
            self.next_at -= self.period_s  # the login ack advances it by one period
            transport.write(self.login)
        elif self.period_s:
            asyncio.get_running_loop().call_at(self.next_at, self._next)
        else:
            self._next()

    def _next(self) -> None:
        assert self.transport is not None
        self.counts[self.kind] += self.inflight
        loop = asyncio.get_running_loop()
        if self.i >= len(self.frames) or loop.time() >= self.stop_at:
            self.counts["exhausted"] += self.i >= len(self.frames)
            self.transport.close()
            return
        batch = self.frames[self.i : self.i + self.window]
        self.i += len(batch)
        self.inflight, self.got, self.expect = len(batch), 0, self.reply * len(batch)
        self.transport.write(b"".join(batch))

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        if self.got >= self.expect:
            if self.period_s:  # paced: one window per period, whatever the server's speed
                self.next_at += self.period_s
                asyncio.get_running_loop().call_at(self.next_at, self._next)
            else:
                self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


def client_main(
    conn: Connection,
    host: str,
    ports: dict[str, int],
    gt06_ids: list[str],
    osmand_ids: list[str],
    per_device: int,
    window: int,
    seconds: float,
    rate: float,
) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    gt06_frames = _build(gt06_ids, "gt06", per_device, t0, 1)
    osmand_frames = _build(osmand_ids, "osmand", per_device, t0, 2)
    conn.send("ready")
    conn.recv()

    async def run() -> dict[str, int]:
        loop = asyncio.get_running_loop()
        counts = {"gt06": 0, "osmand": 0, "exhausted": 0}
        stop_at = loop.time() + seconds
        waits = []
        devices = len(gt06_ids) + len(osmand_ids)
        period_s = devices * window / rate if rate else 0.0
        rng = random.Random(3)
        for kind, ids, all_frames in (("gt06", gt06_ids, gt06_frames), ("osmand", osmand_ids, osmand_frames)):
            for ident, frames in zip(ids, all_frames, strict=True):
                done: asyncio.Future[None] = loop.create_future()
                login = gt06_login(ident) if kind == "gt06" else None
                device = _Device(kind, frames, window, stop_at, counts, done, login, period_s, rng.uniform(0, period_s))
                await loop.create_connection(
                    lambda dev=device: dev,
                    host,
                    ports[kind],
                )
                waits.append(done)
        await asyncio.gather(*waits)
        return counts

    conn.send(asyncio.run(run()))


def _mqtt_subscriber(topic: str, out: list[float]) -> Any:
    """A paho subscriber on its own thread: latency = arrival − the alert's ``raised`` (= fix received)."""
    import json
    import threading

    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{os.getpid()}-{time.time_ns()}")
    subscribed = threading.Event()

    def on_message(_c: Any, _u: Any, msg: Any) -> None:
        raised = datetime.fromisoformat(json.loads(msg.payload)["raised"])
        out.append((datetime.now(UTC) - raised).total_seconds())

    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    client.subscribe(topic, qos=1)
    subscribed.wait(5)
    return client


def _mqtt_stats(latencies: list[float], enabled: bool) -> dict[str, float]:
    if not enabled:
        return {}
    lat = sorted(latencies)
    if not lat:
        return {"mqtt_alerts": 0, "mqtt_p50_ms": math.nan, "mqtt_p99_ms": math.nan}
    return {
        "mqtt_alerts": len(lat),
        "mqtt_p50_ms": 1000 * lat[len(lat) // 2],
        "mqtt_p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
    }


def _register(engine: Any, gt06_ids: list[str], osmand_ids: list[str]) -> None:
    now = to_us(utcnow())
    rows = [
        {
            "identifier": i,
            "protocol": p,
            "name": f"bench {i}",
            "profile": "person",
            "covert": False,
            "clock_tz": "UTC",
            "expected_interval_s": 30.0,
            "registered": True,
            "created_us": now,
            "last_seen_us": None,
        }
        for ids, p in ((gt06_ids, "gt06"), (osmand_ids, "osmand"))
        for i in ids
    ]
    with Session(engine) as s:
        services.create_zone(s, "campus", "campus", CAMPUS_ZONE)
        s.execute(insert(DeviceRow), rows)
        s.commit()


async def one_run(args: argparse.Namespace, run: int, db_dir: Path) -> dict[str, float]:
    engine = make_engine(f"sqlite:///{db_dir / f'bench-{run}.db'}")
    upgrade(engine)
    gt06_ids = [f"86{run}{i:012d}" for i in range(args.gt06)]
    osmand_ids = [f"osm{run}-{i}" for i in range(args.osmand)]
    _register(engine, gt06_ids, osmand_ids)
    devices = args.gt06 + args.osmand
    per_device = max(20, math.ceil(args.max_rate * (args.seconds + 2) / max(devices, 1)))
    settings = TrackingSettings(
        osmand_port=0,
        gt06_port=0,
        watch_port=0,
        teltonika_port=0,
        sweep_interval_s=3600,
        allow_unregistered=False,
        write_interval_s=args.write_interval_s,
        mqtt_host="127.0.0.1" if args.mqtt else None,
        mqtt_topic_prefix=f"citywatch-bench/{os.getpid()}/{run}/alerts",
    )
    mqtt_latencies: list[float] = []
    mqtt_sub = _mqtt_subscriber(f"citywatch-bench/{os.getpid()}/{run}/alerts/#", mqtt_latencies) if args.mqtt else None
    latencies: list[float] = []
    async with TrackingRuntime(settings, engine) as rt:
        sub = rt.bus.subscribe(max_queue=1_000_000)

        async def collect() -> None:
            async for alert in sub:
                if alert.received is not None:
                    latencies.append((utcnow() - alert.received).total_seconds())

        collector = asyncio.create_task(collect())
        parent, child = mp.get_context("spawn").Pipe()
        proc = mp.get_context("spawn").Process(
            target=client_main,
            args=(child, "127.0.0.1", rt.ports, gt06_ids, osmand_ids, per_device, args.window, args.seconds, args.rate),
        )
        proc.start()
        assert await asyncio.to_thread(parent.recv) == "ready"
        parent.send("go")
        go_at, rows_at_go = time.perf_counter(), rt.writer.committed_rows
        warm, measure = 1.0, args.seconds - 2.0
        await asyncio.sleep(warm)
        p0, c0, t0, cpu0 = rt.pipeline.processed, rt.writer.committed_rows, time.perf_counter(), time.process_time()
        await asyncio.sleep(measure)
        p1, c1, t1, cpu1 = rt.pipeline.processed, rt.writer.committed_rows, time.perf_counter(), time.process_time()
        counts = await asyncio.to_thread(parent.recv)
        proc.join()
        backlog = rt.writer.pending
        flush_started = time.perf_counter()
        await rt.writer.flush()
        drain_s = time.perf_counter() - flush_started
        stored_per_s = (rt.writer.committed_rows - rows_at_go) / (time.perf_counter() - go_at)
        collector.cancel()
        await asyncio.sleep(0.5)  # the last MQTT messages
    if mqtt_sub is not None:
        mqtt_sub.loop_stop()
        mqtt_sub.disconnect()
    rejects = sum(rt.diagnostics.rejects.values())
    engine.dispose()
    latencies.sort()
    return {
        "positions_per_s": (p1 - p0) / (t1 - t0),
        # CPU seconds of the server process (event loop + writer thread) per position: robust to a busy machine.
        "server_cpu_us_per_position": 1e6 * (cpu1 - cpu0) / max(p1 - p0, 1),
        "server_cpu_share": (cpu1 - cpu0) / (t1 - t0),
        "committed_rows_per_s": (c1 - c0) / (t1 - t0),
        # Everything the run produced, committed, over the run plus the final drain: the writer's real pace.
        "stored_rows_per_s_incl_drain": stored_per_s,
        "backlog_rows_at_end": backlog,
        "drain_s": drain_s,
        "alerts": len(latencies),
        "alert_p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else math.nan,
        "alert_p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies
        else math.nan,
        "alert_max_ms": 1000 * latencies[-1] if latencies else math.nan,
        **_mqtt_stats(mqtt_latencies, args.mqtt),
        "sent": counts["gt06"] + counts["osmand"],
        "devices_exhausted": counts["exhausted"],
        "rejects": rejects,
    }


def cpu_cost(db_dir: Path, n_devices: int = 1000, per_device: int = 30) -> dict[str, float]:
    """CPU µs per position of each stage, in process (no sockets): robust to a busy machine."""
    from citywatch.tracking.alerts import AlertBus
    from citywatch.tracking.pipeline import Pipeline
    from citywatch.tracking.protocols import gt06, osmand
    from citywatch.tracking.repository import load_pipeline
    from citywatch.tracking.writer import BatchWriter

    engine = make_engine(f"sqlite:///{db_dir / 'cpu.db'}")
    upgrade(engine)
    gt06_ids = [f"87{i:013d}" for i in range(n_devices)]
    osmand_ids = [f"cpu-{i}" for i in range(n_devices)]
    _register(engine, gt06_ids, osmand_ids)
    writer = BatchWriter(engine)
    pipeline = Pipeline(AlertBus(), writer)
    load_pipeline(engine, pipeline)
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    g = _build(gt06_ids, "gt06", per_device, t0, 1)
    o = _build(osmand_ids, "osmand", per_device, t0, 2)
    gt06_frames = [
        (ident, f) for k in range(per_device) for ident, fs in zip(gt06_ids, g, strict=True) for f in fs[k : k + 1]
    ]
    http_targets = [f[4 : f.index(b" HTTP/1.1")].decode() for k in range(per_device) for fs in o for f in fs[k : k + 1]]
    c0 = time.process_time()
    decoded = [gt06.decode(f, ident).positions[0] for ident, f in gt06_frames]
    decoded += [osmand.decode_request(t, "", b"").positions[0] for t in http_targets]
    c1 = time.process_time()
    for position in decoded:
        pipeline.process(position)
    c2 = time.process_time()
    writer.flush_sync()
    c3 = time.process_time()
    engine.dispose()
    n = len(decoded)
    return {
        "positions": n,
        "decode_us": 1e6 * (c1 - c0) / n,
        "chain_us": 1e6 * (c2 - c1) / n,
        "write_us": 1e6 * (c3 - c2) / n,
        "total_us": 1e6 * (c3 - c0) / n,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gt06", type=int, default=2000, help="GT06 devices (one TCP connection each)")
    ap.add_argument("--osmand", type=int, default=1000, help="OsmAnd devices (one keep-alive HTTP connection each)")
    ap.add_argument("--seconds", type=float, default=10.0, help="load duration per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--window", type=int, default=8, help="unacknowledged messages in flight per connection")
    ap.add_argument("--mqtt", action="store_true", help="also publish to the local Mosquitto and time delivery")
    ap.add_argument("--rate", type=float, default=0.0, help="paced load in positions/s (0: as fast as acked)")
    ap.add_argument("--max-rate", type=float, default=25_000, help="sizes the pre-built frames per device")
    ap.add_argument("--write-interval-s", type=float, default=0.1)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="citywatch-bench-") as tmp:
        cost = cpu_cost(Path(tmp))
        print(
            "CPU per position, in process (GT06 + OsmAnd, half each): "
            + ", ".join(f"{k}={v:,.1f}" for k, v in cost.items()),
            flush=True,
        )
        for run in range(args.runs):
            r = asyncio.run(one_run(args, run, Path(tmp)))
            results.append(r)
            print(
                f"run {run + 1}: "
                + ", ".join(f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()),
                flush=True,
            )
    print(
        f"\n{args.gt06} GT06 + {args.osmand} OsmAnd devices, {args.runs} runs of {args.seconds:.0f} s, "
        f"window {args.window}, {f'paced at {args.rate:.0f}/s' if args.rate else 'closed loop'}, "
        f"writer every {args.write_interval_s * 1000:.0f} ms (SQLite); load average {os.getloadavg()[0]:.1f}"
    )
    if not results:
        return
    for key in (
        "positions_per_s",
        "server_cpu_us_per_position",
        "stored_rows_per_s_incl_drain",
        "alert_p50_ms",
        "alert_p99_ms",
        "alert_max_ms",
        *(("mqtt_p50_ms", "mqtt_p99_ms") if args.mqtt else ()),
        "backlog_rows_at_end",
    ):
        print(f"  median {key:22s} {statistics.median(r[key] for r in results):>12,.1f}")


if __name__ == "__main__":
    main()
