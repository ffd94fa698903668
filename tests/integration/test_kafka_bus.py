"""The Kafka adapter keeps the bus contract on the real broker."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from declarations.bus.kafka import GATHER_BYTES, IDLE_AFTER_S, IDLE_WAIT_MS, KafkaBus
from tests.contract.bus_contract import BusContract, group, poll_until

pytestmark = pytest.mark.integration


class TestKafkaBus(BusContract):
    @pytest.fixture
    def bus(self, kafka_bootstrap: str) -> Iterator[KafkaBus]:
        bus = KafkaBus(kafka_bootstrap)
        yield bus
        bus.close()

    @pytest.fixture
    def topic(self, unique_topic: str) -> str:
        return unique_topic


def test_a_consumer_gathers_while_records_come_and_long_polls_once_idle(
    kafka_bootstrap: str, unique_topic: str
) -> None:
    """On the real kafka-python: the fetcher settings the consumer switches are the ones it uses."""
    bus = KafkaBus(kafka_bootstrap, gather_ms=20)
    try:
        bus.create_topics({unique_topic: 1})
        consumer = bus.consumer(group(), [unique_topic])
        config = consumer._consumer._fetcher.config  # what kafka-python builds fetch requests from

        def fetch() -> tuple[int, int]:
            return config["fetch_min_bytes"], config["fetch_max_wait_ms"]

        def gathering() -> bool:  # a call, not the property: mypy keeps a property narrowed by an assert
            return consumer.gathering

        try:
            assert fetch() == (1, IDLE_WAIT_MS)
            bus.publish(unique_topic, b"K", b"V")
            bus.flush()
            assert len(poll_until(consumer, 1)) == 1
            assert gathering()
            assert fetch() == (GATHER_BYTES, 20)
            assert consumer.poll(timeout_s=0.2) == []
            assert gathering()  # one empty poll is a gap, not idleness
            deadline = time.monotonic() + IDLE_AFTER_S + 5
            while gathering() and time.monotonic() < deadline:
                assert consumer.poll(timeout_s=0.2) == []
            assert not gathering()
            assert fetch() == (1, IDLE_WAIT_MS)
        finally:
            consumer.close()
    finally:
        bus.close()
