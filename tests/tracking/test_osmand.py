"""OsmAnd over HTTP: the decoder against every sample in trackers.md, then the real HTTP listener."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from citywatch.sim.tracker_clients import HttpClient
from citywatch.tracking.alerts import AlertBus
from citywatch.tracking.diagnostics import Diagnostics
from citywatch.tracking.errors import DecodeError
from citywatch.tracking.http_listener import OsmAndListener
from citywatch.tracking.pipeline import Pipeline, PipelineConfig
from citywatch.tracking.protocols.osmand import decode_request

from .conftest import ListSink

JSON_SAMPLE = (
    '{"location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":37.4219983,"longitude":-122.084,'
    '"accuracy":5,"speed":0,"heading":-1,"altitude":5},"is_moving":false,"odometer":0,"event":"motionchange",'
    '"battery":{"level":1,"is_charging":false},"activity":{"type":"still"},"extras":{}},"device_id":"48241179"}'
)


def test_minimal_query() -> None:
    r = decode_request("/?id=123456&timestamp=1377177267&lat=60.0&lon=30.0", "", b"")
    (p,) = r.positions
    assert (r.form, r.identifier) == ("query", "123456")
    assert p.fix_time == datetime(2013, 8, 22, 13, 14, 27, tzinfo=UTC)
    assert (p.latitude, p.longitude) == (60.0, 30.0)


def test_millisecond_timestamp_and_extras() -> None:
    r = decode_request(
        "/?id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579&hdop=6.0&altitude=224.0&speed=0.0", "", b""
    )
    (p,) = r.positions
    assert p.fix_time == datetime(2015, 9, 12, 14, 38, 6, 579000, tzinfo=UTC)
    assert p.altitude == 224.0 and p.attributes["hdop"] == 6.0 and p.speed_kmh == 0.0


def test_no_id_is_rejected() -> None:
    with pytest.raises(DecodeError, match="id"):
        decode_request("/?timestamp=1377177267&lat=60.0&lon=30.0", "", b"")


def test_knots_location_batt_alarm_unknown_keys_iso_time() -> None:
    r = decode_request(
        "/?deviceid=7&location=51.4866,-0.2187&speed=10&batt=42&alarm=sos&foo=bar&timestamp=2026-11-25T21:00:00Z",
        "",
        b"",
    )
    (p,) = r.positions
    assert p.speed_kmh == pytest.approx(18.52)
    assert (p.latitude, p.longitude) == (51.4866, -0.2187)
    assert p.attributes["battery_pct"] == 42 and p.attributes["foo"] == "bar"
    assert p.alarms == ("sos",)
    assert p.fix_time == datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def test_local_time_read_in_server_zone() -> None:
    from zoneinfo import ZoneInfo

    r = decode_request(
        "/?id=1&lat=1&lon=1&timestamp=2026-07-01%2012:00:00", "", b"", local_tz=ZoneInfo("Europe/London")
    )
    assert r.positions[0].fix_time == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)


def test_json_form() -> None:
    r = decode_request("/", "application/json", JSON_SAMPLE.encode())
    (p,) = r.positions
    assert (r.form, r.identifier) == ("json", "48241179")
    assert p.fix_time == datetime(2025, 6, 15, 13, 45, 12, 862000, tzinfo=UTC)
    assert (p.latitude, p.longitude, p.accuracy_m, p.altitude) == (37.4219983, -122.084, 5.0, 5.0)
    assert p.course is None  # heading -1 = unknown
    assert p.attributes["battery_pct"] == 100
    assert p.attributes["event"] == "motionchange" and p.attributes["activity"] == "still"


def test_json_speed_is_metres_per_second() -> None:
    doc = json.loads(JSON_SAMPLE)
    doc["location"]["coords"]["speed"] = 18.67
    p = decode_request("/", "application/json", json.dumps(doc).encode()).positions[0]
    assert p.speed_kmh / 1.852 == pytest.approx(36.29, abs=0.01)


def test_http_listener_status_codes() -> None:
    async def main() -> None:
        sink = ListSink()
        pipeline = Pipeline(AlertBus(), sink, PipelineConfig(allow_unregistered=False))
        from citywatch.tracking.domain import DeviceInfo

        pipeline.add_device(DeviceInfo(1, "123456", "osmand", "phone"))
        diag = Diagnostics()
        listener = OsmAndListener(pipeline, diag)
        await listener.start()
        try:
            async with HttpClient("127.0.0.1", listener.port) as http:
                assert (await http.request("GET", "/?id=123456&timestamp=1377177267&lat=60.0&lon=30.0"))[0] == 200
                assert (await http.request("POST", "/?id=123456&lat=60.1&lon=30.0"))[0] == 200
                assert (await http.request("GET", "/?timestamp=1377177267&lat=60.0&lon=30.0"))[0] == 400
                assert (await http.request("GET", "/?id=999&lat=60.0&lon=30.0"))[0] == 400
                status, _ = await http.request("POST", "/", JSON_SAMPLE.encode(), "application/json")
                assert status == 404  # unknown device in the JSON form
                assert (await http.request("GET", "/?id=123456&lat=x&lon=30"))[0] == 400
        finally:
            await listener.stop()
        assert len(sink.of("tracking_positions")) == 2
        assert diag.rejects_for("48241179") == {"osmand: unknown device refused": 1}
        assert sum(n for (p, w, r), n in diag.rejects.items() if w == "127.0.0.1") == 2

    asyncio.run(main())
