"""The stage shell's commit order under failures: a batch that fails is processed again, once.

A tiny core counts the records of each key and emits one output per record ("key:count"), so a
lost record shows as a missing count and a record processed twice as a repeated or skipped one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from declarations.bus.memory import MemoryBus
from declarations.bus.port import BusRecord, Headers
from declarations.clock import ManualClock
from declarations.errors import BusUnavailableError
from declarations.stages.shell import StageShell, Step, stage_group
from declarations.store.migrate import open_store
from declarations.store.stage_store import Output, StageStore
from declarations.store.tables import stage_outbox
from tests.contract.bus_contract import poll_until

NOW = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
KEYS = ("A", "B", "C")
PER_KEY = 4


class Counting:
    name = "counting"
    topics: tuple[str, ...] = ("in",)

    def key(self, record: BusRecord) -> str:
        return record.key.decode()

    def apply(self, state: Any | None, record: BusRecord, now: datetime) -> Step:
        count = (state or 0) + 1
        return Step(count, (Output("out", record.key, f"{record.key.decode()}:{count}".encode()),))

    def tick(self, key: str, state: Any, now: datetime) -> Step:
        return Step(state)


class FlakyBus(MemoryBus):
    """A memory bus whose next `publish_failures` publishes fail, as Kafka does when it is down."""

    def __init__(self) -> None:
        super().__init__()
        self.publish_failures = 0

    def publish(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> None:
        if topic == "out" and self.publish_failures > 0:
            self.publish_failures -= 1
            raise BusUnavailableError("the broker is down")
        super().publish(topic, key, value, headers)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")
    yield engine
    engine.dispose()


def _shell(engine: sa.Engine, bus: MemoryBus) -> StageShell:
    bus.create_topics({"in": 2, "out": 1})
    for number in range(PER_KEY):
        for key in KEYS:
            bus.publish("in", key.encode(), str(number).encode())
    shell = StageShell(Counting(), engine, bus, ManualClock(NOW), max_records=5, partitions=2)
    shell.start()
    return shell


def _drain(shell: StageShell) -> None:
    while shell.run_once(timeout_s=0.05):
        pass


def _outputs(bus: MemoryBus) -> list[str]:
    consumer = bus.consumer("reader", ["out"])
    return sorted(r.value.decode() for r in poll_until(consumer, len(KEYS) * PER_KEY, timeout_s=1.0))


EXPECTED = sorted(f"{key}:{count}" for key in KEYS for count in range(1, PER_KEY + 1))


def test_a_batch_whose_transaction_fails_is_processed_again_once(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = MemoryBus()
    shell = _shell(engine, bus)
    save = StageStore.save
    failures = iter([True])

    def failing_once(self: StageStore, *args: Any, **kwargs: Any) -> None:
        if next(failures, False):
            raise sa.exc.OperationalError("UPDATE stage_state", {}, Exception("database is locked"))
        save(self, *args, **kwargs)

    monkeypatch.setattr(StageStore, "save", failing_once)
    with pytest.raises(sa.exc.OperationalError):
        shell.run_once(timeout_s=0.05)
    _drain(shell)
    assert _outputs(bus) == EXPECTED


def test_outputs_whose_publish_failed_are_published_before_the_next_batch(engine: sa.Engine) -> None:
    bus = FlakyBus()
    shell = _shell(engine, bus)
    bus.publish_failures = 1
    with pytest.raises(BusUnavailableError):
        shell.run_once(timeout_s=0.05)
    _drain(shell)
    assert _outputs(bus) == EXPECTED  # each once: the failed batch's state was not counted again


def test_published_outbox_rows_are_deleted_at_the_next_tick(engine: sa.Engine) -> None:
    bus = MemoryBus()
    shell = _shell(engine, bus)
    _drain(shell)
    with engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(stage_outbox)).scalar_one()
    assert left > 0  # published rows wait for the tick
    shell.tick_once()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(stage_outbox)).scalar_one() == 0
    assert _outputs(bus) == EXPECTED


def _outbox_rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(stage_outbox)).scalar_one())


def test_a_batch_s_outputs_wait_in_one_outbox_row(engine: sa.Engine) -> None:
    bus = FlakyBus()
    shell = _shell(engine, bus)
    bus.publish_failures = 1
    with pytest.raises(BusUnavailableError):
        shell.run_once(timeout_s=0.05)  # 5 records, 5 outputs: none published
    assert _outbox_rows(engine) == 1
    _drain(shell)
    assert _outputs(bus) == EXPECTED


def test_an_outbox_row_of_one_output_left_by_an_earlier_version_is_published(engine: sa.Engine) -> None:
    bus = MemoryBus()
    bus.create_topics({"in": 2, "out": 1})
    with engine.begin() as conn:
        conn.execute(
            stage_outbox.insert().values(stage="counting", topic="out", key=b"Z", value=b"Z:1", headers="[]")
        )
    shell = StageShell(Counting(), engine, bus, ManualClock(NOW), partitions=2)
    shell.start()  # publishes what the outbox holds
    consumer = bus.consumer("reader", ["out"])
    assert [(r.key, r.value) for r in poll_until(consumer, 1, timeout_s=1.0)] == [(b"Z", b"Z:1")]
    assert _outbox_rows(engine) == 0


def test_the_consumer_commits_at_most_once_a_second_and_at_every_tick(engine: sa.Engine) -> None:
    bus = MemoryBus()
    shell = _shell(engine, bus)  # 12 records, 5 per batch
    group = {stage_group("counting"): ("in",)}
    assert shell.run_once(timeout_s=0.05) == 5  # the first batch commits
    assert bus.lag(group) == {(stage_group("counting"), "in"): 7}
    assert shell.run_once(timeout_s=0.05) == 5  # within the second: processed, not yet committed
    assert bus.lag(group) == {(stage_group("counting"), "in"): 7}
    shell.tick_once()
    assert bus.lag(group) == {(stage_group("counting"), "in"): 2}


def test_each_record_s_key_is_asked_for_once(engine: sa.Engine) -> None:
    """A key can cost a parse of the record (matching reads the order number from the XML)."""
    asked: list[tuple[int, int]] = []

    class Recording(Counting):
        def key(self, record: BusRecord) -> str:
            asked.append((record.partition, record.offset))
            return super().key(record)

    bus = MemoryBus()
    bus.create_topics({"in": 2, "out": 1})
    for key in KEYS:
        bus.publish("in", key.encode(), b"0")
    shell = StageShell(Recording(), engine, bus, ManualClock(NOW), partitions=2)
    shell.start()
    _drain(shell)
    assert len(asked) == len(KEYS) == len(set(asked))
