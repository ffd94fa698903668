"""The in-process bus keeps the bus contract."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from declarations.bus.memory import MemoryBus
from declarations.errors import BusUnavailableError
from tests.contract.bus_contract import BusContract


class TestMemoryBus(BusContract):
    @pytest.fixture
    def bus(self) -> Iterator[MemoryBus]:
        bus = MemoryBus()
        yield bus
        bus.close()

    @pytest.fixture
    def topic(self) -> str:
        return f"cebsim.test.{uuid.uuid4().hex[:8]}"


def test_a_closed_memory_bus_refuses_records() -> None:
    bus = MemoryBus()
    bus.close()
    with pytest.raises(BusUnavailableError):
        bus.publish("cebsim.documents.accepted", b"k", b"v")
