"""The composition root: every adapter the gateway uses, built once from the settings, passed down.

Nothing here runs at import time; `build_runtime(settings)` is called by `create_app`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from declarations.bus.kafka import KafkaBus
from declarations.bus.memory import MemoryBus
from declarations.bus.port import Bus
from declarations.bus.sql import SqlBus
from declarations.clock import Clock, SystemClock
from declarations.stages.matching import MATCHED_TOPIC
from declarations.stages.pipeline import CONSUMER_GROUPS, STAGES, Pipeline, PipelinePolicy, build_stage
from declarations.stages.receipt_events import RECEIPTS_TOPIC
from declarations.stages.review import RELEASED_TOPIC
from declarations.stages.shell import DEAD_LETTER_TOPIC
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway.intake.acceptor import ACCEPTED_TOPIC, Acceptor
from gateway.intake.service import IntakePolicy, IntakeService
from gateway.metrics import Expiry, Metrics
from gateway.receipt_watch import ReceiptWatch
from gateway.recent import ApiKeys, RegistryWatch
from gateway.settings import Settings
from gateway.signature.certificate import read_certificate
from gateway.signature.errors import SignatureError
from gateway.webhooks.deliveries import DeliveryLog
from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.sender import HttpSender
from schemas.loader import SchemaRegistry

TOPICS = (ACCEPTED_TOPIC, MATCHED_TOPIC, RECEIPTS_TOPIC, RELEASED_TOPIC, DEAD_LETTER_TOPIC)


@dataclass
class Runtime:
    settings: Settings
    engine: sa.Engine
    bus: Bus
    clock: Clock
    registry: EnterpriseRegistry
    keys: ApiKeys  # the registry's API keys, remembered for a few seconds
    acceptor: Acceptor
    intake: IntakeService
    policy: IntakePolicy
    metrics: Metrics
    receipt_watch: ReceiptWatch  # wakes long-polling readers of GET /ceb/receipts
    webhooks: WebhookDispatcher | None = None
    pipeline: Pipeline | None = None  # the clearance stages, in this process (embedded mode)
    registry_watch: RegistryWatch | None = None  # forgets remembered keys and owners on a change

    def start(self) -> None:
        if self.registry_watch is not None:
            self.registry_watch.start()
        self.acceptor.start()
        if self.pipeline is not None:
            self.pipeline.start()
        if self.webhooks is not None:
            self.webhooks.start()

    def stop(self) -> None:
        if self.registry_watch is not None:
            self.registry_watch.stop()
        self.receipt_watch.stop()
        if self.webhooks is not None:
            self.webhooks.stop()
        self.acceptor.stop()
        if self.pipeline is not None:
            self.pipeline.stop()
        self.bus.close()
        self.engine.dispose()


def build_bus(settings: Settings, engine: sa.Engine) -> Bus:
    """Kafka; or, embedded, the durable in-process bus in the SQLite file (MemoryBus elsewhere)."""
    if settings.bus == "kafka":
        # no linger: the acceptor sends before its inserts, so the broker acknowledges while they run
        bus: Bus = KafkaBus(
            settings.kafka,
            linger_ms=0,
            gather_ms=settings.kafka_gather_ms,
            ack_timeout_s=settings.kafka_ack_timeout_s,
        )
    elif engine.dialect.name == "sqlite":
        bus = SqlBus(engine, partitions=settings.partitions)
    else:
        bus = MemoryBus(default_partitions=settings.partitions)
    try:
        bus.create_topics({topic: settings.partitions for topic in TOPICS})
    except BaseException:
        bus.close()
        raise
    return bus


def _forget_registry_answers(keys: ApiKeys, intake: IntakeService) -> None:
    keys.forget_all()
    intake.forget_certificates()


def certificate_expiries(registry: EnterpriseRegistry) -> list[Expiry]:
    """(enterprise, SHA-256, notAfter) of every registered certificate that can be read."""
    expiries = []
    for code, info in registry.all_certificates():
        try:
            expiries.append((code, info.fingerprint, read_certificate(info.der).not_after))
        except SignatureError:  # registered before certificates were checked: no date to give
            continue
    return expiries


def build_runtime(settings: Settings, clock: Clock | None = None, bus: Bus | None = None) -> Runtime:
    clock = clock or SystemClock()
    engine = open_store(settings.db)
    try:
        bus = bus or build_bus(settings, engine)
    except BaseException:  # the broker is down: `cebsim serve` tries again, without this pool
        engine.dispose()
        raise
    registry = EnterpriseRegistry(engine)
    acceptor = Acceptor(engine, bus, clock)
    policy = IntakePolicy(
        require_signatures=settings.require_signatures, max_body_bytes=settings.max_body_bytes
    )
    schemas = SchemaRegistry()
    keys = ApiKeys(registry)
    intake = IntakeService(registry, acceptor, schemas, clock, policy, keys=keys)
    webhooks = WebhookDispatcher(DeliveryLog(engine), HttpSender(), clock)
    metrics = Metrics()
    metrics.watch_bus(bus, CONSUMER_GROUPS)
    metrics.watch_certificates(lambda: certificate_expiries(registry))
    runtime = Runtime(
        settings,
        engine,
        bus,
        clock,
        registry,
        keys,
        acceptor,
        intake,
        policy,
        metrics,
        ReceiptWatch(engine),
        webhooks,
    )
    runtime.registry_watch = RegistryWatch(registry, lambda: _forget_registry_answers(keys, intake))
    if settings.pipeline if settings.pipeline is not None else settings.bus == "memory":
        stages = [
            build_stage(name, engine, bus, clock, PipelinePolicy(), partitions=settings.partitions)
            for name in STAGES
        ]
        runtime.pipeline = Pipeline(stages)
    return runtime
