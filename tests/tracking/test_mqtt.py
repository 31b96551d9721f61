"""The MQTT publisher against the real local Mosquitto (127.0.0.1:1883), read back by a subscriber."""

from __future__ import annotations

import json
import queue
import uuid
from collections.abc import Iterator

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from citywatch.tracking.domain import AlertKind, RaisedAlert, utcnow
from citywatch.tracking.errors import TrackingError
from citywatch.tracking.mqtt import MqttAlertPublisher


class Subscriber:
    def __init__(self, topic: str) -> None:
        self.messages: queue.Queue[tuple[str, dict[str, object]]] = queue.Queue()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:8]}")
        self.client.on_message = lambda _c, _u, msg: self.messages.put((msg.topic, json.loads(msg.payload)))
        subscribed: queue.Queue[bool] = queue.Queue()
        self.client.on_subscribe = lambda *_a: subscribed.put(True)
        self.client.connect("127.0.0.1", 1883)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        subscribed.get(timeout=5)

    def get(self, timeout_s: float = 5.0) -> tuple[str, dict[str, object]]:
        return self.messages.get(timeout=timeout_s)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def prefix() -> str:
    return f"citywatch-test/{uuid.uuid4().hex}/alerts"


@pytest.fixture
def subscriber(prefix: str) -> Iterator[Subscriber]:
    sub = Subscriber(f"{prefix}/#")
    yield sub
    sub.close()


def test_publish_and_read_back(prefix: str, subscriber: Subscriber) -> None:
    pub = MqttAlertPublisher("127.0.0.1", 1883, topic_prefix=prefix, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    pub.start()
    try:
        alert = RaisedAlert(
            41,
            AlertKind.LEFT_ZONE,
            1,
            3,
            "864717003283581",
            utcnow(),
            "Walker A left campus",
            latitude=51.4866,
            longitude=-0.2215,
        )
        pub(alert)
        topic, payload = subscriber.get()
    finally:
        pub.stop()
    assert topic == f"{prefix}/left_zone"
    assert payload["id"] == 41 and payload["kind"] == "left_zone" and payload["device"] == "864717003283581"


def test_unreachable_broker_is_a_clear_error() -> None:
    pub = MqttAlertPublisher("127.0.0.1", 1, client_id="nobody")
    with pytest.raises(TrackingError, match=r"MQTT broker 127\.0\.0\.1:1 unreachable"):
        pub.start()
