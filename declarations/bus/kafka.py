"""`KafkaBus`: the bus port on Apache Kafka with kafka-python 3.0 (and crc32c for fast CRCs).

Producer: idempotent, `acks=all`, a small linger by default so that what a stage publishes before
its flush goes out as one batch (the gateway's acceptor sends without linger: see its `send`).
`flush` waits for every queued send and turns any failure into `BusUnavailableError`. Consumers:
manual commits only (`enable_auto_commit=False`); the stage shell commits after its effects are
persisted. While records come, a fetch waits up to `gather_ms` for GATHER_BYTES of them: a stage
pays a transaction per polled batch, and without the wait a batch at a moderate rate holds a record
or two (at 25 parcels/s the wait cut the worker's CPU by a fifth, for at most `gather_ms` more per
stage on the way to the final receipt). After IDLE_AFTER_S without a record a consumer goes back to
kafka-python's long poll (answered at the first record, or after IDLE_WAIT_MS): a gathering fetch
that finds nothing returns every `gather_ms`, and an idle `cebsim worker all` (three consumers)
spent 0.2 of a core on them, the broker 0.15. kafka-python's exceptions stop here.

This module holds the producer side and the consumers; creating topics and reading consumer lag go
through Kafka's admin API, in `declarations.bus.kafka_admin`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)

from declarations.bus.kafka_admin import KafkaAdmin
from declarations.bus.port import BusRecord, Headers
from declarations.errors import BusUnavailableError

log = logging.getLogger(__name__)

_REBALANCING = (
    RebalanceInProgressError,
    CommitFailedError,  # the group moved on to a new generation
    IllegalGenerationError,
    UnknownMemberIdError,
)
GATHER_BYTES = 64 * 1024  # ~20 accepted documents: the broker answers a fetch once it has this much
IDLE_WAIT_MS = 500  # kafka-python's default: how long an idle consumer's fetch waits for a first record
# a consumer is idle after this long without a record: not after one empty poll, so that a slow but
# steady stream (a few lists a second) keeps gathering instead of switching at every gap
IDLE_AFTER_S = 1.0


class KafkaBus:
    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "cebsim",
        linger_ms: int = 2,
        gather_ms: int = 20,
        timeout_ms: int = 10_000,
        ack_timeout_s: float = 10.0,
    ) -> None:
        self._bootstrap = bootstrap
        self._gather_ms = gather_ms
        self._ack_timeout_s = ack_timeout_s
        self.epoch = "kafka"  # offsets in Kafka are durable: one epoch for the life of the cluster
        self._client_id = client_id
        self._timeout_ms = timeout_ms
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=bootstrap,
                client_id=client_id,
                acks="all",
                enable_idempotence=True,
                linger_ms=linger_ms,
                batch_size=256 * 1024,
                max_request_size=8 * 1024 * 1024,
                request_timeout_ms=timeout_ms,
                bootstrap_timeout_ms=timeout_ms,
                max_block_ms=int(ack_timeout_s * 1000),  # a send waiting for metadata or buffer space
            )
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka at {bootstrap} is unavailable: {exc}") from exc
        # each thread's sends, waited for by that thread's flush: the stages of `cebsim worker all`
        # share one bus, and one thread's flush must neither take the others' failures as its own
        # nor let them believe records were acknowledged that were not
        self._sends = threading.local()
        self._admin = KafkaAdmin(bootstrap, client_id=client_id, timeout_ms=timeout_ms)

    def create_topics(self, partitions: Mapping[str, int]) -> None:
        self._admin.create_topics(partitions)

    def publish(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> None:
        try:
            self._pending().append(self._producer.send(topic, key=key, value=value, headers=list(headers)))
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka refused a record for {topic}: {exc}") from exc

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait until the broker has acknowledged this thread's records (acks=all), for at most
        `timeout_s` (the bus's `ack_timeout_s`); BusUnavailableError when it has not."""
        timeout_s = self._ack_timeout_s if timeout_s is None else timeout_s
        pending, self._sends.pending = self._pending(), []
        try:
            self._producer.flush(timeout=timeout_s)
            for future in pending:
                future.get(timeout=timeout_s)
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka did not acknowledge the records: {exc}") from exc

    def _pending(self) -> list[Any]:
        pending: list[Any] | None = getattr(self._sends, "pending", None)
        if pending is None:
            pending = self._sends.pending = []
        return pending

    def consumer(self, group: str, topics: Sequence[str]) -> KafkaBusConsumer:
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                group_id=group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=1000,
                # idle settings to begin with: KafkaBusConsumer gathers once records come
                fetch_min_bytes=1,
                fetch_max_wait_ms=IDLE_WAIT_MS,
                session_timeout_ms=10_000,
                # a topic created (or a broker restarted) after joining is seen within seconds, not 5 min
                metadata_max_age_ms=5_000,
                heartbeat_interval_ms=1_000,
                bootstrap_timeout_ms=self._timeout_ms,
            )
            _await_topics(consumer, topics)
            consumer.subscribe(list(topics))
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka at {self._bootstrap} is unavailable: {exc}") from exc
        return KafkaBusConsumer(consumer, gather_ms=self._gather_ms)

    def lag(self, groups: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
        """The groups' lag, as `KafkaAdmin.lag` reads it (one admin client kept open)."""
        return self._admin.lag(groups)

    def close(self) -> None:
        try:
            self._producer.close(timeout=10)
        except KafkaError as exc:
            log.warning("closing the Kafka producer failed: %s", exc)
        self._admin.close()


def _await_topics(consumer: KafkaConsumer, topics: Sequence[str], timeout_s: float = 15.0) -> None:
    """Join only once the topics' partitions are known: a member that joins a group without a
    topic's metadata is assigned none of its partitions and may never ask again."""
    deadline = time.monotonic() + timeout_s
    while not set(topics) <= set(consumer.topics()):
        if time.monotonic() > deadline:
            log.warning(
                "topics %s still unknown to Kafka; joining anyway", sorted(set(topics) - consumer.topics())
            )
            return
        time.sleep(0.2)


class KafkaBusConsumer:
    def __init__(
        self,
        consumer: KafkaConsumer,
        *,
        gather_ms: int = 0,
        idle_after_s: float = IDLE_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._gather_ms = gather_ms  # 0: never gather (a wait of 0 with a minimum size would spin)
        self._idle_after_s = idle_after_s
        self._clock = clock
        self._gathering = False
        self._last_record_at = 0.0
        self._since: dict[TopicPartition, int] = {}  # offset of the first uncommitted record polled

    def poll(self, max_records: int = 500, timeout_s: float = 0.1) -> list[BusRecord]:
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BusUnavailableError(f"polling Kafka failed: {exc}") from exc
        for partition, messages in batches.items():
            if messages:
                self._since.setdefault(partition, messages[0].offset)
        self._gather(any(batches.values()))
        return [
            BusRecord(m.topic, m.partition, m.offset, m.key or b"", m.value or b"", tuple(m.headers or ()))
            for messages in batches.values()
            for m in messages
        ]

    def _gather(self, records_came: bool) -> None:
        """Fetch settings for the next fetches: gathering while records come, a long poll once idle.

        kafka-python 3.0 reads them from its fetcher's config each time it builds a fetch request
        and has no public way to change them; without that fetcher the idle settings stay.
        """
        if not self._gather_ms:
            return
        now = self._clock()
        if records_came:
            self._last_record_at = now
        gathering = records_came or (self._gathering and now - self._last_record_at < self._idle_after_s)
        if gathering == self._gathering:
            return
        config = getattr(getattr(self._consumer, "_fetcher", None), "config", None)
        if not isinstance(config, dict) or "fetch_min_bytes" not in config:
            return
        config["fetch_min_bytes"] = GATHER_BYTES if gathering else 1
        config["fetch_max_wait_ms"] = self._gather_ms if gathering else IDLE_WAIT_MS
        self._gathering = gathering

    @property
    def gathering(self) -> bool:
        return self._gathering

    def commit(self) -> None:
        """Commit what was polled; skipped (not raised) while the group rebalances.

        During a rebalance kafka-python refuses commits until poll() has rejoined the group. Taken
        for an outage, the refusal made a stage or the recorder pause a second between polls,
        which holds the rejoin back: one quick peak step logged a refused commit every ~1.2 s for
        26 s. The records whose commit is skipped may be delivered again, which every stage and
        the recorder absorb (offsets stored with their effects, idempotent inserts).
        """
        try:
            self._consumer.commit()
        except _REBALANCING as exc:
            log.info("offset commit skipped while the group rebalances: %s", type(exc).__name__)
            return
        except KafkaError as exc:
            raise BusUnavailableError(f"committing offsets to Kafka failed: {exc}") from exc
        self._since.clear()

    def rewind(self) -> None:
        """Seek back the partitions still assigned; a revoked one restarts from the group's commit."""
        try:
            assigned = self._consumer.assignment()
            for partition, offset in self._since.items():
                if partition in assigned:
                    self._consumer.seek(partition, offset)
        except KafkaError as exc:
            raise BusUnavailableError(f"rewinding the Kafka consumer failed: {exc}") from exc
        self._since.clear()

    def close(self) -> None:
        try:
            self._consumer.close(autocommit=False)
        except KafkaError as exc:
            log.warning("closing the Kafka consumer failed: %s", exc)
