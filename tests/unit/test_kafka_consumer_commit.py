"""A commit refused because the consumer group is rebalancing is skipped, not reported as an outage.

kafka-python refuses commits until poll() has rejoined the group. Raised as BusUnavailableError,
the refusal paused the stage or recorder between polls, which kept the rebalance from completing.
Skipped, the records stay uncommitted (delivered again at worst, which every stage absorbs) and a
failed batch still rewinds to them. A real outage is still raised.
"""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaConnectionError, RebalanceInProgressError

from declarations.bus.kafka import KafkaBusConsumer
from declarations.errors import BusUnavailableError

PARTITION = TopicPartition("cebsim.documents.accepted", 0)


class _Record:
    def __init__(self, offset: int) -> None:
        self.topic, self.partition, self.offset = PARTITION.topic, PARTITION.partition, offset
        self.key, self.value = b"k", b"v"
        self.headers: list[tuple[str, bytes]] = []


class _Consumer:
    def __init__(self, refusal: Exception) -> None:
        self.refusal = refusal
        self.sought: list[tuple[TopicPartition, int]] = []

    def poll(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[_Record]]:
        return {PARTITION: [_Record(7), _Record(8)]}

    def commit(self) -> None:
        raise self.refusal

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.sought.append((partition, offset))


def _consumer(refusal: Exception) -> tuple[KafkaBusConsumer, _Consumer]:
    fake = _Consumer(refusal)
    consumer: Any = fake
    return KafkaBusConsumer(consumer), fake


def test_a_commit_refused_during_a_rebalance_is_skipped_and_the_records_stay_uncommitted() -> None:
    consumer, fake = _consumer(RebalanceInProgressError("the group is rebalancing"))
    assert len(consumer.poll()) == 2
    consumer.commit()  # no BusUnavailableError: the caller keeps polling, which rejoins the group
    consumer.rewind()
    assert fake.sought == [(PARTITION, 7)]  # still uncommitted: a failed batch goes back to them


def test_a_commit_that_fails_for_another_reason_is_still_an_outage() -> None:
    consumer, _ = _consumer(KafkaConnectionError("the broker is gone"))
    consumer.poll()
    with pytest.raises(BusUnavailableError):
        consumer.commit()
