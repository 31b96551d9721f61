"""``citywatch sim trackers``: walkers leaving the Claybrook Centre towards Fulham Palace Road (one per
protocol: GT06, Watch, OsmAnd) and a sting car (Teltonika) driven off from near Fulham Broadway.

GPS noise is 5–15 m with an occasional 30 m multipath error; reports every 10–30 s of simulated time.
``time_scale`` speeds the simulated clock up for tests; fix times are then placed in the recent past
so that they still end at "now" and are never future fixes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from citywatch.sim.tracker_clients import Gt06Client, HttpClient, TeltonikaClient, WatchClient
from citywatch.sim.tracker_protocols import osmand_query
from citywatch.tracking.demo import CLAYBROOK, DEMO_DEVICES, FULHAM_BROADWAY, FULHAM_PALACE_ROAD_LON
from citywatch.tracking.domain import utcnow

__all__ = ["Fix", "SimStats", "Walker", "run_trackers", "walker_track"]

log = logging.getLogger(__name__)
M_PER_DEG_LAT = 111_195.0


@dataclass(frozen=True, slots=True)
class Fix:
    t_s: float  # simulated seconds since the start
    lat: float
    lon: float
    speed_kmh: float
    accuracy_m: float
    true_lat: float
    true_lon: float


@dataclass
class Walker:
    """A person (or car) following waypoints at ``speed_mps`` after ``dwell_s`` standing still."""

    waypoints: list[tuple[float, float]]
    speed_mps: float = 1.2
    dwell_s: float = 60.0
    interval_s: tuple[float, float] = (10.0, 30.0)
    noise_m: tuple[float, float] = (5.0, 15.0)
    multipath_p: float = 0.05
    seed: int = 1
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def where(self, t_s: float) -> tuple[float, float]:
        travelled = max(0.0, t_s - self.dwell_s) * self.speed_mps
        for (a_lat, a_lon), (b_lat, b_lon) in zip(self.waypoints, self.waypoints[1:], strict=False):
            leg = _dist_m(a_lat, a_lon, b_lat, b_lon)
            if travelled <= leg:
                f = travelled / leg if leg else 0.0
                return a_lat + (b_lat - a_lat) * f, a_lon + (b_lon - a_lon) * f
            travelled -= leg
        return self.waypoints[-1]

    def fixes(self) -> Iterator[Fix]:
        t = 0.0
        while True:
            lat, lon = self.where(t)
            sigma = self.rng.uniform(*self.noise_m)
            if self.rng.random() < self.multipath_p:
                sigma = 30.0
            bearing = self.rng.uniform(0, 2 * math.pi)
            err = abs(self.rng.gauss(0, sigma / 1.5)) if sigma < 30 else 30.0
            dlat = err * math.cos(bearing) / M_PER_DEG_LAT
            dlon = err * math.sin(bearing) / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
            moving = t > self.dwell_s and (lat, lon) != self.waypoints[-1]
            yield Fix(t, lat + dlat, lon + dlon, self.speed_mps * 3.6 if moving else 0.0, sigma, lat, lon)
            t += self.rng.uniform(*self.interval_s)


def _dist_m(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    dy = (b_lat - a_lat) * M_PER_DEG_LAT
    dx = (b_lon - a_lon) * M_PER_DEG_LAT * math.cos(math.radians(a_lat))
    return math.hypot(dx, dy)


def walker_track(which: str, seed: int = 1) -> Walker:
    """The demo walkers: ``gt06`` due west, ``watch`` south-west, ``osmand`` north-west; ``car`` drives off."""
    road = FULHAM_PALACE_ROAD_LON
    routes = {
        "gt06": [CLAYBROOK, (CLAYBROOK[0], road), (51.4905, road)],
        "watch": [CLAYBROOK, (51.4858, road), (51.4830, road)],
        "osmand": [CLAYBROOK, (51.4885, road), (51.4920, -0.2236)],
        "car": [FULHAM_BROADWAY, (51.4808, -0.1990), (51.4817, -0.1910)],
    }
    if which == "car":
        return Walker(
            routes["car"],
            speed_mps=8.5,
            dwell_s=90.0,
            interval_s=(10.0, 10.0),
            seed=seed,
            noise_m=(3.0, 6.0),
            multipath_p=0.0,
        )
    return Walker(routes[which], seed=seed)


@dataclass
class SimStats:
    sent: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


async def _paced(walker: Walker, duration_s: float, time_scale: float) -> AsyncIterator[Fix]:
    """The walker's fixes, each released at its (scaled) time, up to ``duration_s``."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for fix in walker.fixes():
        if fix.t_s > duration_s:
            return
        delay = t0 + fix.t_s / time_scale - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        yield fix


async def _run_gt06(
    host: str,
    port: int,
    ident: str,
    walker: Walker,
    start: datetime,
    duration_s: float,
    time_scale: float,
    stats: SimStats,
) -> None:
    async with Gt06Client(host, port, ident) as client:
        await client.login()
        async for fix in _paced(walker, duration_s, time_scale):
            await client.location(start + timedelta(seconds=fix.t_s), fix.lat, fix.lon, speed_kmh=fix.speed_kmh)
            stats.sent["gt06"] = stats.sent.get("gt06", 0) + 1


async def _run_watch(
    host: str,
    port: int,
    ident: str,
    walker: Walker,
    start: datetime,
    duration_s: float,
    time_scale: float,
    stats: SimStats,
) -> None:
    async with WatchClient(host, port, ident) as client:
        await client.keepalive()
        async for fix in _paced(walker, duration_s, time_scale):
            await client.location(start + timedelta(seconds=fix.t_s), fix.lat, fix.lon)
            stats.sent["watch"] = stats.sent.get("watch", 0) + 1


async def _run_osmand(
    host: str,
    port: int,
    ident: str,
    walker: Walker,
    start: datetime,
    duration_s: float,
    time_scale: float,
    stats: SimStats,
) -> None:
    async with HttpClient(host, port) as client:
        async for fix in _paced(walker, duration_s, time_scale):
            target = osmand_query(
                ident,
                start + timedelta(seconds=fix.t_s),
                fix.lat,
                fix.lon,
                speed_kn=fix.speed_kmh / 1.852,
                accuracy_m=fix.accuracy_m,
                battery_pct=76,
            )
            status, body = await client.request("GET", target)
            if status != 200:
                stats.errors["osmand"] = f"HTTP {status}: {body[:80]!r}"
            stats.sent["osmand"] = stats.sent.get("osmand", 0) + 1


async def _run_car(
    host: str,
    port: int,
    ident: str,
    walker: Walker,
    start: datetime,
    duration_s: float,
    time_scale: float,
    stats: SimStats,
) -> None:
    async with TeltonikaClient(host, port, ident) as client:
        if await client.login() != b"\x01":
            stats.errors["teltonika"] = "IMEI refused"
            return
        async for fix in _paced(walker, duration_s, time_scale):
            ignition = 1 if fix.t_s >= walker.dwell_s - 10 else 0
            await client.records(
                [
                    (
                        start + timedelta(seconds=fix.t_s),
                        fix.lat,
                        fix.lon,
                        fix.speed_kmh,
                        {239: ignition, 240: 1 if fix.speed_kmh else 0},
                    )
                ]
            )
            stats.sent["teltonika"] = stats.sent.get("teltonika", 0) + 1


async def run_trackers(
    host: str,
    ports: dict[str, int],
    *,
    duration_s: float = 600.0,
    time_scale: float = 1.0,
    seed: int = 1,
    only: tuple[str, ...] = ("gt06", "watch", "osmand", "teltonika"),
) -> SimStats:
    """Run the demo devices for ``duration_s`` simulated seconds against listeners on ``host``."""
    stats = SimStats()
    start = utcnow() - timedelta(seconds=duration_s) if time_scale > 1 else utcnow()
    idents = {protocol: ident for ident, protocol, *_ in DEMO_DEVICES}
    runners = {
        "gt06": (_run_gt06, "gt06"),
        "watch": (_run_watch, "watch"),
        "osmand": (_run_osmand, "osmand"),
        "teltonika": (_run_car, "car"),
    }
    tasks = []
    for i, protocol in enumerate(only):
        fn, track = runners[protocol]
        walker = walker_track(track, seed + i)
        tasks.append(
            asyncio.create_task(
                fn(host, ports[protocol], idents[protocol], walker, start, duration_s, time_scale, stats)
            )
        )
    for protocol, result in zip(only, await asyncio.gather(*tasks, return_exceptions=True), strict=True):
        if isinstance(result, BaseException):
            stats.errors[protocol] = f"{type(result).__name__}: {result}"
            log.warning("sim %s failed: %s", protocol, result)
    return stats
