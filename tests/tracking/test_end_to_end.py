"""A simulated GT06 walker over a real TCP socket leaves the campus: the alert reaches a subscriber and MQTT."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from citywatch.sim.trackers import run_trackers
from citywatch.tracking import services
from citywatch.tracking.demo import seed_demo
from citywatch.tracking.runtime import TrackingRuntime
from citywatch.tracking.settings import TrackingSettings

from .test_mqtt import Subscriber


def test_gt06_walker_leaves_the_campus(engine: Engine) -> None:
    with Session(engine) as s:
        seed_demo(s)
    prefix = f"citywatch-test/{uuid.uuid4().hex}/alerts"
    mqtt_sub = Subscriber(f"{prefix}/#")
    settings = TrackingSettings(
        osmand_port=0,
        gt06_port=0,
        watch_port=0,
        teltonika_port=0,
        mqtt_host="127.0.0.1",
        mqtt_topic_prefix=prefix,
        allow_unregistered=False,
    )

    async def main() -> list[str]:
        async with TrackingRuntime(settings, engine) as rt:
            with rt.bus.subscribe() as sub:
                sim = asyncio.create_task(
                    run_trackers("127.0.0.1", rt.ports, duration_s=330, time_scale=60, only=("gt06",))
                )
                seen = []
                while True:
                    alert = await sub.get(timeout_s=20)
                    seen.append(alert)
                    if alert.kind == "left_zone" and "campus" in alert.message:
                        break
                stats = await sim
                assert stats.errors == {} and stats.sent["gt06"] >= 10
                assert alert.device == "864717003283581" and alert.priority == 1
                assert alert.longitude is not None and -0.2225 < alert.longitude < -0.2205  # west of the campus edge
            return [str(a.kind) for a in seen]

    try:
        kinds = asyncio.run(main())
        topics = set()
        while "left_zone" not in {t.rsplit("/", 1)[1] for t in topics}:
            topic, _payload = mqtt_sub.get(timeout_s=5)
            topics.add(topic)
    finally:
        mqtt_sub.close()
    assert "left_zone" in kinds
    with Session(engine) as s:  # the writer committed the trail and the alert on the way out
        (walker,) = [d for d in services.list_devices(s) if d.identifier == "864717003283581"]
        assert walker.last_seen is not None
        assert any(a.kind == "left_zone" for a in services.list_alerts(s, device_id=walker.id))
