"""The composition root: every adapter the gateway uses, built once from the settings, passed down.

Nothing here runs at import time; `build_runtime(settings)` is called by `create_app`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from declarations.bus.kafka import KafkaBus
from declarations.bus.memory import MemoryBus
from declarations.bus.port import Bus
from declarations.clock import Clock, SystemClock
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway.intake.acceptor import ACCEPTED_TOPIC, Acceptor
from gateway.intake.service import IntakePolicy, IntakeService
from gateway.metrics import Metrics
from gateway.settings import Settings
from gateway.webhooks.deliveries import DeliveryLog
from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.sender import HttpSender
from schemas.loader import SchemaRegistry


@dataclass
class Runtime:
    settings: Settings
    engine: sa.Engine
    bus: Bus
    clock: Clock
    registry: EnterpriseRegistry
    acceptor: Acceptor
    intake: IntakeService
    policy: IntakePolicy
    metrics: Metrics
    webhooks: WebhookDispatcher | None = None

    def start(self) -> None:
        self.acceptor.start()
        if self.webhooks is not None:
            self.webhooks.start()

    def stop(self) -> None:
        if self.webhooks is not None:
            self.webhooks.stop()
        self.acceptor.stop()
        self.bus.close()
        self.engine.dispose()


def build_bus(settings: Settings) -> Bus:
    if settings.bus == "kafka":
        bus: Bus = KafkaBus(settings.kafka)
    else:
        bus = MemoryBus(default_partitions=settings.partitions)
    bus.create_topics({ACCEPTED_TOPIC: settings.partitions})
    return bus


def build_runtime(settings: Settings, clock: Clock | None = None, bus: Bus | None = None) -> Runtime:
    clock = clock or SystemClock()
    engine = open_store(settings.db)
    bus = bus or build_bus(settings)
    registry = EnterpriseRegistry(engine)
    acceptor = Acceptor(engine, bus, clock)
    policy = IntakePolicy(
        require_signatures=settings.require_signatures, max_body_bytes=settings.max_body_bytes
    )
    schemas = SchemaRegistry()
    intake = IntakeService(registry, acceptor, schemas, clock, policy)
    webhooks = WebhookDispatcher(DeliveryLog(engine), HttpSender(), clock)
    return Runtime(settings, engine, bus, clock, registry, acceptor, intake, policy, Metrics(), webhooks)
