"""The acceptor's writer when a batch fails: one submission's failure is its own.

A failure about the data (a constraint, a bug) may come from one submission: the batch is written
again submission by submission, each in its own transaction, so the culprit alone gets the error.
A dependency that cannot be reached fails the whole batch once: each submission alone would only
wait for the same timeout. The batches here hold several submissions for sure: they are queued
before the writer starts, and every call of `write_batch` is counted.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from declarations.acceptance import acceptance_receipt
from declarations.bus.memory import MemoryBus
from declarations.bus.port import Bus
from declarations.bus.sql import SqlBus
from declarations.clock import ManualClock
from declarations.codec import new_guid, parse_message
from declarations.domain.documents import Order
from declarations.domain.messages import CebMessage
from declarations.errors import BusUnavailableError, StoreRefusedError, StoreUnavailableError
from declarations.identity import Enterprise, Role
from declarations.intake import DocumentFacts
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.intake import IntakeTx
from declarations.store.migrate import open_store
from declarations.store.stage_store import load_headers
from declarations.store.tables import bus_log, documents, receipts
from gateway.intake.acceptor import ACCEPTED_TOPIC, Acceptor, Outcome
from gateway.intake.batch import write_batch

EXAMPLE = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "CEB311Message.xml"
NOW = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
SHOP = Enterprise(
    "3301960001", "杭州优选电商", frozenset({Role.PLATFORM, Role.ECOMMERCE}), "DXPENT0000000001"
)


@dataclass
class Store:
    engine: sa.Engine
    batch_sizes: list[int]  # submissions in each call of write_batch, in order

    def count(self, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one())

    def published_guids(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(bus_log.c.headers).where(bus_log.c.topic == ACCEPTED_TOPIC)).all()
        return sorted(dict(load_headers(row.headers))["guid"].decode() for row in rows)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    engine = open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")
    EnterpriseRegistry(engine).add(SHOP, NOW)
    sizes: list[int] = []

    def counted(engine: sa.Engine, bus: SqlBus, now: datetime, submissions: list[object]) -> object:
        sizes.append(len(submissions))
        return write_batch(engine, bus, now, submissions)  # type: ignore[arg-type]

    monkeypatch.setattr("gateway.intake.acceptor.write_batch", counted)
    yield Store(engine, sizes)
    engine.dispose()


def orders(count: int) -> list[CebMessage]:
    """`count` one-order messages of the example's shape, each with its own guid and order number."""
    example = parse_message(EXAMPLE.read_bytes())
    order = example.documents[0]
    assert isinstance(order, Order)
    heads = [replace(order.head, guid=new_guid(), order_no=f"FAIL-{new_guid()[:8]}") for _ in range(count)]
    return [replace(example, documents=(replace(order, head=head),)) for head in heads]


def guid_of(message: CebMessage) -> str:
    order = message.documents[0]
    assert isinstance(order, Order)
    return order.head.guid


def written(store: Store, messages: list[CebMessage], bus: Bus | None = None) -> list[Future[list[Outcome]]]:
    """Queue every message before the writer starts (one batch), and wait for every answer."""
    acceptor = Acceptor(store.engine, bus or SqlBus(store.engine), ManualClock(NOW))
    futures = [acceptor.submit(SHOP, message) for message in messages]
    acceptor.start()
    try:
        _, waiting = wait(futures, timeout=30)
    finally:
        acceptor.stop()
    assert not waiting
    return futures


def refuse(store: Store, guid: str) -> None:
    """The database itself refuses the document with this guid (a trigger, as a constraint would)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TRIGGER refuse_culprit BEFORE INSERT ON documents WHEN NEW.guid = '{guid}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )


def test_a_constraint_one_submission_violates_fails_it_alone_and_its_batch_is_accepted(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    messages = orders(4)
    culprit = guid_of(messages[2])
    refuse(store, culprit)

    with caplog.at_level(logging.WARNING, logger="gateway.intake.acceptor"):
        futures = written(store, messages)

    assert store.batch_sizes == [4, 1, 1, 1, 1]
    error = futures[2].exception()
    assert isinstance(error, StoreRefusedError)  # not a 503: sending it again would be refused again
    assert str(error).startswith("the database refused this document (IntegrityError)")
    innocent = [m for i, m in enumerate(messages) if i != 2]
    for future in (f for i, f in enumerate(futures) if i != 2):
        (outcome,) = future.result()
        assert (outcome.accepted, outcome.receipt.return_status) == (True, "2")
    for guid in map(guid_of, innocent):
        assert store.count(documents, documents.c.guid == guid) == 1
        assert store.count(receipts, receipts.c.document_guid == guid) == 1
    assert store.count(documents, documents.c.guid == culprit) == 0
    assert store.published_guids() == sorted(map(guid_of, innocent))  # once each, the culprit never
    assert "intake batch of 4 rolled back (IntegrityError): writing each submission on its own" in caplog.text


def test_on_a_bus_that_sends_at_once_a_refused_document_is_never_sent_nor_the_others_twice(
    store: Store,
) -> None:
    """Kafka's way (MemoryBus publishes at once, outside the transaction): the documents are
    inserted before they are sent, so the failed batch of 3 sent nothing; each was then written
    on its own, and only the two the database took were sent, once each."""
    messages = orders(3)
    culprit = guid_of(messages[1])
    refuse(store, culprit)
    bus = MemoryBus()
    consumer = bus.consumer("test", [ACCEPTED_TOPIC])

    futures = written(store, messages, bus)

    assert store.batch_sizes == [3, 1, 1, 1]
    assert isinstance(futures[1].exception(), StoreRefusedError)
    sent = sorted(dict(record.headers)["guid"].decode() for record in consumer.poll(timeout_s=0))
    assert sent == sorted(guid_of(m) for i, m in enumerate(messages) if i != 1)


def test_a_bug_one_submission_triggers_is_its_answer_alone(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = orders(3)
    culprit = guid_of(messages[0])

    def failing_for_the_culprit(fact: DocumentFacts, *args: object) -> object:
        if fact.guid == culprit:
            raise RuntimeError("a bug that only this document reaches")
        return acceptance_receipt(fact, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("gateway.intake.batch.acceptance_receipt", failing_for_the_culprit)

    futures = written(store, messages)

    assert store.batch_sizes == [3, 1, 1, 1]
    assert isinstance(futures[0].exception(), RuntimeError)
    assert [f.result()[0].accepted for f in futures[1:]] == [True, True]
    assert [store.count(documents, documents.c.guid == guid_of(m)) for m in messages] == [0, 1, 1]
    assert store.published_guids() == sorted(guid_of(m) for m in messages[1:])


@pytest.mark.parametrize(
    "error",
    [
        sa.exc.OperationalError("INSERT INTO documents", {}, sqlite3.OperationalError("disk I/O error")),
        BusUnavailableError("the embedded bus cannot write"),
    ],
    ids=["database-unreachable", "bus-down"],
)
def test_an_unreachable_dependency_fails_the_batch_once_without_writing_each_again(
    store: Store, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def unreachable(self: IntakeTx, rows: list[dict[str, object]]) -> list[int]:
        raise error

    monkeypatch.setattr(IntakeTx, "insert_documents", unreachable)

    futures = written(store, orders(3))

    assert store.batch_sizes == [3]
    assert all(isinstance(f.exception(), StoreUnavailableError | BusUnavailableError) for f in futures)
    assert store.count(documents, sa.true()) == 0


def test_an_error_after_the_commit_is_answered_and_the_writer_takes_the_next_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def notify_fails_once(self: SqlBus) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the embedded bus could not wake its consumers")

    monkeypatch.setattr(SqlBus, "notify", notify_fails_once)
    acceptor = Acceptor(store.engine, SqlBus(store.engine), ManualClock(NOW))
    first, second = orders(2)
    acceptor.start()
    try:
        failed = acceptor.submit(SHOP, first)
        assert isinstance(failed.exception(timeout=30), RuntimeError)
        (outcome,) = acceptor.submit(SHOP, second).result(timeout=30)  # the writer is still alive
    finally:
        acceptor.stop()
    assert outcome.accepted
    assert calls == [1, 1]
