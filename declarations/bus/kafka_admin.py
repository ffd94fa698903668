"""`KafkaAdmin`: what `KafkaBus` asks of Kafka's admin API: creating topics and reading consumer lag.

Through kafka-python 3.0's `KafkaAdminClient`. `create_topics` opens a client for the call (a
stage or the gateway creates its topics once, at start); `lag` keeps one open, behind a lock,
because the gateway asks at every /metrics scrape. kafka-python's exceptions stop here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient, OffsetSpec
from kafka.errors import KafkaError, TopicAlreadyExistsError

from declarations.errors import BusUnavailableError

log = logging.getLogger(__name__)


class KafkaAdmin:
    def __init__(self, bootstrap: str, *, client_id: str, timeout_ms: int) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._timeout_ms = timeout_ms
        self._lag_admin: KafkaAdminClient | None = None
        self._admin_lock = threading.Lock()

    def create_topics(self, partitions: Mapping[str, int]) -> None:
        try:
            admin = self._admin()
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka at {self._bootstrap} is unavailable: {exc}") from exc
        try:
            existing = set(admin.list_topics())
            wanted = {
                topic: {"num_partitions": count, "replication_factor": 1}
                for topic, count in partitions.items()
                if topic not in existing
            }
            if wanted:
                admin.create_topics(wanted, wait_for_metadata=True)
        except TopicAlreadyExistsError:
            log.debug("topics created concurrently by another process")
        except KafkaError as exc:
            raise BusUnavailableError(f"cannot create topics on Kafka: {exc}") from exc
        finally:
            admin.close()

    def lag(self, groups: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
        """End offsets minus the groups' committed offsets, through one admin client kept open
        (the gateway asks at every /metrics scrape). A partition without a commit counts from
        its earliest offset, where such a group starts reading."""
        topics = sorted({topic for wanted in groups.values() for topic in wanted})
        with self._admin_lock:
            try:
                admin = self._lag_admin = self._lag_admin or self._admin()
                partitions = [
                    TopicPartition(topic["name"], p["partition_index"])
                    for topic in admin.describe_topics(topics)
                    if topic["error_code"] == 0  # a topic not created yet has no lag
                    for p in topic["partitions"]
                ]
                committed = admin.list_group_offsets({group: None for group in groups})
                end = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
                start = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.EARLIEST))
            except KafkaError as exc:
                raise BusUnavailableError(f"cannot read consumer lag from Kafka: {exc}") from exc
        lag: dict[tuple[str, str], int] = {}
        for group, wanted in groups.items():
            offsets = committed.get(group) or {}
            for topic in wanted:
                lag[(group, topic)] = sum(
                    end[tp].offset - (offsets[tp].offset if tp in offsets else start[tp].offset)
                    for tp in partitions
                    if tp.topic == topic
                )
        return lag

    def close(self) -> None:
        """Close the client `lag` keeps open, if any."""
        with self._admin_lock:
            if self._lag_admin is not None:
                self._lag_admin.close()
                self._lag_admin = None

    def _admin(self) -> KafkaAdminClient:
        return KafkaAdminClient(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            bootstrap_timeout_ms=self._timeout_ms,
        )
