"""Service functions over a migrated database, fed by the real batch writer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from citywatch.tracking import services
from citywatch.tracking.alerts import AlertBus
from citywatch.tracking.demo import seed_demo
from citywatch.tracking.domain import Position
from citywatch.tracking.errors import AlertStateError, NotFoundError
from citywatch.tracking.pipeline import Pipeline
from citywatch.tracking.repository import load_pipeline
from citywatch.tracking.writer import BatchWriter


def test_trail_alert_workflow_and_restart(engine: Engine) -> None:
    with Session(engine) as s:
        seed_demo(s)
    writer = BatchWriter(engine)
    pipeline = Pipeline(AlertBus(), writer)
    load_pipeline(engine, pipeline)
    t0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # midday: only the campus zone applies
    walk = [(51.4866, -0.2187), (51.4866, -0.2195), (51.4866, -0.2210), (51.4866, -0.2225), (51.4867, -0.2226)]
    for i, (lat, lon) in enumerate(walk):
        at = t0 + timedelta(seconds=20 * i)
        pipeline.process(Position("48241179", "osmand", at, True, lat, lon, server_time=at, accuracy_m=8.0))
    assert pipeline.resolve("999", "osmand", server_time=t0) is not None  # unknown: created unregistered
    pipeline.process(Position("999", "osmand", t0, True, 51.5, -0.1, server_time=t0))
    asyncio.run(writer.flush())

    with Session(engine) as s:
        devices = {d.identifier: d for d in services.list_devices(s)}
        assert "356307042441013" not in devices  # the covert sting car is hidden
        assert "356307042441013" in {d.identifier for d in services.list_devices(s, include_covert=True)}
        phone = devices["48241179"]
        assert phone.last_seen is not None
        trail = services.positions(s, phone.id, t0, t0 + timedelta(minutes=5))
        assert [round(p.longitude, 4) for p in trail] == [lon for _, lon in walk]
        assert trail[0].fix_time == t0
        (alert,) = services.list_alerts(s, states=["new"])
        assert alert.kind == "left_zone" and alert.priority == 1 and "campus" in alert.message
        services.acknowledge_alert(s, alert.id, "operator 7")
        with pytest.raises(AlertStateError, match="acknowledged"):
            services.acknowledge_alert(s, alert.id, "operator 8")
        services.assign_alert(s, alert.id, "Hammersmith response team", "operator 7")
        esc = services.escalate_alert(s, alert.id, "sergeant", "not found within 30 minutes")
        assert esc.state == "escalated"
        done = services.close_alert(s, alert.id, "sergeant", "found safe on Fulham Palace Road")
        assert done.state == "closed" and [n["action"] for n in done.notes] == [
            "acknowledged",
            "assigned",
            "escalated",
            "closed",
        ]
        with pytest.raises(NotFoundError):
            services.get_alert(s, 12345)
        sting = next(d for d in services.list_devices(s, include_covert=True) if d.covert)
        with pytest.raises(NotFoundError):
            services.positions(s, sting.id, t0, t0 + timedelta(minutes=5))

    restarted = Pipeline(AlertBus(), BatchWriter(engine))
    load_pipeline(engine, restarted)
    rt = restarted.devices["48241179"]
    assert rt.last is not None and round(rt.last.longitude, 4) == -0.2226
    assert {z: st.inside for z, st in rt.zone_states.items()} == {
        1: False,
        2: False,
    }  # left both; only the campus applies at midday
    assert restarted.next_ids["alert"] == pipeline.next_ids["alert"]
