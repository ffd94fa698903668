"""The Kafka adapter keeps the bus contract on the real broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from declarations.bus.kafka import KafkaBus
from tests.contract.bus_contract import BusContract

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
