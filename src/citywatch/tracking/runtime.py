"""Wiring: settings → database → pipeline, batch writer, listeners, sweeper, MQTT. The one place that
starts and stops the tracking server; the CLI, the demo, tests and the bench all use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy import Engine

from citywatch.tracking.alerts import AlertBus
from citywatch.tracking.codecs import Gt06Codec, TeltonikaCodec, WatchCodec
from citywatch.tracking.diagnostics import Diagnostics
from citywatch.tracking.domain import RaisedAlert, utcnow
from citywatch.tracking.filters import FilterConfig
from citywatch.tracking.http_listener import OsmAndListener
from citywatch.tracking.listeners import TcpListener
from citywatch.tracking.mqtt import MqttAlertPublisher
from citywatch.tracking.pipeline import Pipeline, PipelineConfig
from citywatch.tracking.repository import load_pipeline
from citywatch.tracking.rules import RuleConfig
from citywatch.tracking.settings import TrackingSettings
from citywatch.tracking.writer import BatchWriter

__all__ = ["TrackingRuntime"]

log = logging.getLogger(__name__)


class TrackingRuntime:
    """``async with TrackingRuntime(settings, engine) as rt:`` — listeners bound, writer running."""

    def __init__(self, settings: TrackingSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.bus = AlertBus()
        self.diagnostics = Diagnostics()
        self.writer = BatchWriter(
            engine, interval_s=settings.write_interval_s, high_water_rows=settings.writer_high_water_rows
        )
        self.pipeline = Pipeline(
            self.bus,
            self.writer,
            PipelineConfig(
                allow_unregistered=settings.allow_unregistered,
                default_interval_s=settings.default_interval_s,
                filters=FilterConfig(),
                rules=RuleConfig(low_battery_pct=settings.low_battery_pct, silent_factor=settings.silent_factor),
            ),
        )
        s = settings

        def tcp(codec: type[Gt06Codec] | type[WatchCodec] | type[TeltonikaCodec], port: int) -> TcpListener:
            return TcpListener(
                codec, self.pipeline, self.diagnostics, host=s.bind_host, port=port, idle_timeout_s=s.idle_timeout_s
            )

        self.gt06, self.watch = tcp(Gt06Codec, s.gt06_port), tcp(WatchCodec, s.watch_port)
        self.teltonika = tcp(TeltonikaCodec, s.teltonika_port)
        self.osmand = OsmAndListener(
            self.pipeline, self.diagnostics, host=s.bind_host, port=s.osmand_port, server_tz=s.server_tz
        )
        self.mqtt: MqttAlertPublisher | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def ports(self) -> dict[str, int]:
        return {
            "osmand": self.osmand.port,
            "gt06": self.gt06.port,
            "watch": self.watch.port,
            "teltonika": self.teltonika.port,
        }

    async def start(self) -> None:
        await asyncio.to_thread(load_pipeline, self.engine, self.pipeline)
        if self.settings.mqtt_host:
            self.mqtt = MqttAlertPublisher(
                self.settings.mqtt_host, self.settings.mqtt_port, topic_prefix=self.settings.mqtt_topic_prefix
            )
            await asyncio.to_thread(self.mqtt.start)
            self.bus.add_callback(self.mqtt)
        self.writer.start()
        for listener in (self.osmand, self.gt06, self.watch, self.teltonika):
            await listener.start()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="tracking-sweeper")
        log.info(
            "tracking: listening on %s (%d devices, %d zones)",
            self.ports,
            len(self.pipeline.devices),
            len(self.pipeline.zones),
        )

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for listener in (self.osmand, self.gt06, self.watch, self.teltonika):
            await listener.stop()
        await self.writer.stop()
        if self.mqtt is not None:
            await asyncio.to_thread(self.mqtt.stop)

    async def __aenter__(self) -> TrackingRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def sweep(self, now: datetime | None = None) -> list[RaisedAlert]:
        return self.pipeline.sweep(now or utcnow())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval_s)
            try:
                self.sweep()
            except Exception:  # keep sweeping; the next tick may succeed
                log.exception("tracking: sweep failed")

    def reload_devices_and_zones(self) -> None:
        """After a service changed devices or zones: re-read them (state of known devices is kept)."""
        load_pipeline(self.engine, self.pipeline, state=False)
