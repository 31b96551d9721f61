"""``citywatch demo``: the demo borough (Hammersmith & Fulham) on 127.0.0.1, in one command.

Starts virtual cameras placed where the story needs them, registers them, runs the recorder and
the server, loads the bundled crime data, and prints the URL and the logins. Everything stays in
``--data-dir``; running it again reuses what is there (camera rows are matched by name).
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from citywatch.sim.onvif import OnvifAccount
from citywatch.store.models import Camera
from citywatch.video.cameras import CameraInput
from citywatch.wiring import Services

__all__ = ["DEMO_CAMERAS", "DemoCamera", "demo_cameras", "load_crime_data", "ptz_accounts", "register_cameras"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoCamera:
    name: str
    latitude: float
    longitude: float
    bearing_deg: float
    ptz: bool = False
    fov_deg: float = 60.0
    range_m: float = 80.0


# Places from the demo story (approximate, to ~50 m).
DEMO_CAMERAS = (
    DemoCamera("Hammersmith Broadway PTZ", 51.4920, -0.2236, 250.0, ptz=True, fov_deg=50, range_m=150),
    DemoCamera("King Street / Town Hall east", 51.4927, -0.2310, 90.0),
    DemoCamera("King Street / Town Hall west", 51.4927, -0.2316, 270.0),
    DemoCamera("Shepherd's Bush Green PTZ", 51.5040, -0.2200, 180.0, ptz=True, fov_deg=50, range_m=150),
    DemoCamera("Westfield London concourse", 51.5075, -0.2214, 200.0),
    DemoCamera("Loftus Road South Africa Road", 51.5093, -0.2322, 120.0),
    DemoCamera("Craven Cottage Stevenage Road", 51.4749, -0.2217, 300.0),
    DemoCamera("Stamford Bridge Fulham Road", 51.4817, -0.1910, 240.0),
    DemoCamera("Charing Cross Hospital Fulham Palace Road", 51.4875, -0.2199, 160.0),
    DemoCamera("Claybrook Centre entrance", 51.4866, -0.2187, 220.0),
    DemoCamera("Fulham Broadway station", 51.4802, -0.1953, 60.0, ptz=True, fov_deg=50, range_m=150),
    DemoCamera("Fulham Broadway North End Road", 51.4807, -0.1990, 10.0),
)


def demo_cameras(count: int) -> list[DemoCamera]:
    """The story's cameras first; more are spread along a spiral round the Broadway."""
    out = list(DEMO_CAMERAS[:count])
    for i in range(len(out), count):
        angle = i * 2.39996  # golden angle: even spread
        radius_deg = 0.004 + 0.0009 * math.sqrt(i)
        out.append(
            DemoCamera(
                f"Street camera {i + 1:03d}",
                51.4920 + radius_deg * math.cos(angle),
                -0.2236 + radius_deg * 1.6 * math.sin(angle),
                (i * 47.0) % 360,
            )
        )
    return out


def ptz_accounts(cameras: list[DemoCamera]) -> dict[int, OnvifAccount]:
    """An ONVIF account (fresh random password) for each PTZ camera, by camera number (from 1)."""
    return {i: OnvifAccount("admin", secrets.token_urlsafe(12)) for i, c in enumerate(cameras, 1) if c.ptz}


def register_cameras(
    services: Services,
    cameras: list[DemoCamera],
    urls: list[str],
    onvif_urls: Sequence[str | None] = (),
    accounts: Mapping[int, OnvifAccount] | None = None,
) -> None:
    """Add the virtual cameras, or point existing rows (same name) at this run's URLs; PTZ
    cameras also get their ONVIF address and account (the platform drives them through it)."""
    with services.sessions() as session:
        existing = {c.name: c.id for c in session.scalars(select(Camera))}
    for number, (camera, url) in enumerate(zip(cameras, urls, strict=True), 1):
        account = (accounts or {}).get(number)
        data = CameraInput(
            name=camera.name,
            rtsp_url=url,
            username=account.username if account else None,
            password=account.password if account else None,
            onvif_url=onvif_urls[number - 1] if number <= len(onvif_urls) else None,
            latitude=camera.latitude,
            longitude=camera.longitude,
            bearing_deg=camera.bearing_deg,
            fov_deg=camera.fov_deg,
            range_m=camera.range_m,
            ptz=camera.ptz,
        )
        if camera.name in existing:
            services.cameras.update(existing[camera.name], data)
        else:
            services.cameras.add(data)


def load_crime_data(data_dir: Path, repo_data: Path) -> threading.Thread | None:
    """Import the bundled crime files in the background (idempotent, a few seconds)."""
    try:
        from citywatch.crime.importer import expand_paths, import_files
        from citywatch.crime.store import CrimeStore
    except ImportError:  # pragma: no cover - the crime package is part of the project
        return None
    crime_dir = repo_data / "crime"
    if not crime_dir.is_dir():
        log.warning("no bundled crime data at %s; the crime dashboard will be empty", crime_dir)
        return None

    def run() -> None:
        try:
            with CrimeStore.in_data_dir(data_dir) as store:
                import_files(store, expand_paths([crime_dir]))
            log.info("crime data loaded from %s", crime_dir)
        except Exception:
            log.exception("loading the bundled crime data failed")

    thread = threading.Thread(target=run, name="crime-import", daemon=True)
    thread.start()
    return thread


def start_trackers(services: Services) -> threading.Thread:
    """Tracker listeners on their customary ports and the simulated walkers and sting car, in a
    background thread with its own event loop. The walk repeats every 20 minutes."""
    import asyncio

    from sqlalchemy.orm import Session

    from citywatch.sim.trackers import run_trackers
    from citywatch.tracking.demo import seed_demo, seed_demo_profiles
    from citywatch.tracking.profiles import ProfileStore
    from citywatch.tracking.runtime import TrackingRuntime
    from citywatch.tracking.settings import TrackingSettings

    with Session(services.engine) as session:
        seed_demo(session)
        session.commit()
        seed_demo_profiles(session, ProfileStore.in_data_dir(services.settings.data_dir, services.secrets))

    async def main() -> None:
        async with TrackingRuntime(TrackingSettings(bind_host="127.0.0.1"), services.engine) as runtime:
            log.info("tracker listeners on 127.0.0.1: %s", runtime.ports)
            while True:
                await run_trackers("127.0.0.1", runtime.ports, duration_s=1200.0)

    def run() -> None:
        try:
            asyncio.run(main())
        except Exception:
            log.exception("the demo trackers stopped")

    thread = threading.Thread(target=run, name="demo-trackers", daemon=True)
    thread.start()
    return thread
