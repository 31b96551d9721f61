"""MQTT alert publisher (adapter over paho-mqtt): one topic per alert kind, JSON payloads.

``citywatch/alerts/<kind>`` at QoS 1. paho runs its own network thread; ``publish`` only queues, so
the pipeline is never blocked by the broker. Optional: the runtime starts it only when a broker is set.
"""

from __future__ import annotations

import json
import logging

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from citywatch.tracking.domain import RaisedAlert
from citywatch.tracking.errors import TrackingError

__all__ = ["MqttAlertPublisher", "topic_for"]

log = logging.getLogger(__name__)


def topic_for(prefix: str, kind: str) -> str:
    return f"{prefix.rstrip('/')}/{kind}"


class MqttAlertPublisher:
    def __init__(
        self,
        host: str,
        port: int = 1883,
        *,
        topic_prefix: str = "citywatch/alerts",
        client_id: str = "citywatch-tracking",
    ) -> None:
        self.host, self.port, self.topic_prefix = host, port, topic_prefix
        self.published = 0
        self.failed = 0
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)

    def start(self, timeout_s: float = 5.0) -> None:
        try:
            self._client.connect(self.host, self.port, keepalive=30)
        except OSError as exc:
            raise TrackingError(
                f"MQTT broker {self.host}:{self.port} unreachable ({exc}); check the tracking mqtt_host setting"
            ) from exc
        self._client.loop_start()

    def stop(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()

    def __call__(self, alert: RaisedAlert) -> None:
        payload = json.dumps(alert.to_json(), separators=(",", ":"))
        info = self._client.publish(topic_for(self.topic_prefix, str(alert.kind)), payload, qos=1)
        if info.rc == paho.MQTT_ERR_SUCCESS:
            self.published += 1
        else:
            self.failed += 1
            log.warning("MQTT publish of alert %d failed: %s", alert.id, paho.error_string(info.rc))
