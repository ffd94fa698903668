"""The embedded SQLite bus keeps the bus contract, and publishes inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from declarations.bus.sql import SqlBus
from declarations.store.migrate import open_store
from tests.contract.bus_contract import BusContract, group, poll_until


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'bus.db'}")
    yield engine
    engine.dispose()


class TestSqlBus(BusContract):
    @pytest.fixture
    def bus(self, engine: sa.Engine) -> Iterator[SqlBus]:
        bus = SqlBus(engine)
        yield bus
        bus.close()

    @pytest.fixture
    def topic(self) -> str:
        return f"cebsim.test.{uuid.uuid4().hex[:8]}"


def test_records_published_in_a_rolled_back_transaction_are_never_seen(engine: sa.Engine) -> None:
    bus = SqlBus(engine)

    def accept_then_fail() -> None:
        with engine.begin() as conn:
            bus.publish_in(conn, [bus.row("cebsim.t", b"k", b"lost")])
            raise RuntimeError("the acceptance failed after publishing")

    with pytest.raises(RuntimeError):
        accept_then_fail()
    with engine.begin() as conn:
        bus.publish_in(conn, [bus.row("cebsim.t", b"k", b"kept")])
    consumer = bus.consumer(group(), ["cebsim.t"])
    assert [r.value for r in poll_until(consumer, 1, timeout_s=1)] == [b"kept"]


def test_a_consumer_of_a_reopened_database_resumes_after_its_committed_position(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bus.db'}"
    first = SqlBus(open_store(url))
    for value in (b"1", b"2", b"3"):
        first.publish("cebsim.t", b"k", value)
    first.flush()
    consumer = first.consumer("g", ["cebsim.t"])
    assert [r.value for r in poll_until(consumer, 1)] == [b"1"]
    consumer.commit()
    assert [r.value for r in poll_until(consumer, 2, timeout_s=0.5)] == [b"2", b"3"]  # read, not committed
    reopened = SqlBus(open_store(url)).consumer("g", ["cebsim.t"])
    assert [r.value for r in poll_until(reopened, 3, timeout_s=0.5)] == [b"2", b"3"]
