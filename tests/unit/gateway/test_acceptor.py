"""The acceptor's writer: a submission whose caller gave up (cancelled its future) is not written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from declarations.bus.memory import MemoryBus
from declarations.clock import ManualClock
from declarations.codec import new_guid, parse_message
from declarations.domain.documents import Order
from declarations.domain.messages import CebMessage
from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from declarations.store.tables import documents
from gateway.intake.acceptor import Acceptor

EXAMPLE = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "CEB311Message.xml"
NOW = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
SHOP = Enterprise(
    "3301960001", "杭州优选电商", frozenset({Role.PLATFORM, Role.ECOMMERCE}), "DXPENT0000000001"
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh SQLite store with SHOP registered."""
    store = open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")
    EnterpriseRegistry(store).add(SHOP, NOW)
    yield store
    store.dispose()


def _order(message: CebMessage) -> CebMessage:
    """The example order with a fresh guid: the same order number, so a second one is a duplicate key."""
    order = message.documents[0]
    assert isinstance(order, Order)
    return replace(message, documents=(replace(order, head=replace(order.head, guid=new_guid())),))


def test_a_cancelled_submission_is_not_written_and_the_next_one_is(engine: sa.Engine) -> None:
    example = parse_message(EXAMPLE.read_bytes())
    acceptor = Acceptor(engine, MemoryBus(), ManualClock(NOW))
    given_up = acceptor.submit(SHOP, _order(example))
    assert given_up.cancel()
    kept = acceptor.submit(SHOP, _order(example))
    acceptor.start()
    try:
        outcome = kept.result(timeout=30)[0]
    finally:
        acceptor.stop()
        with engine.connect() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one()
    assert outcome.accepted, outcome.receipt.return_info  # a written first one would make this -301010
    assert stored == 1


def test_the_same_document_twice_in_one_batch_gets_the_same_receipt_twice(engine: sa.Engine) -> None:
    order = _order(parse_message(EXAMPLE.read_bytes()))
    acceptor = Acceptor(engine, MemoryBus(), ManualClock(NOW))
    first, again = acceptor.submit(SHOP, order), acceptor.submit(SHOP, order)  # queued: one batch
    acceptor.start()
    try:
        (stored,), (repeated,) = first.result(timeout=30), again.result(timeout=30)
    finally:
        acceptor.stop()
    assert (stored.accepted, repeated.accepted, repeated.replayed) == (True, False, True)
    assert repeated.receipt == stored.receipt  # as a retry in a later batch would be answered


def _orders(message: CebMessage, count: int) -> CebMessage:
    """A message of `count` orders of the example's shape, each with its own guid and order number."""
    order = message.documents[0]
    assert isinstance(order, Order)
    heads = [replace(order.head, guid=new_guid(), order_no=f"{count}-{n}") for n in range(count)]
    return replace(message, documents=tuple(replace(order, head=head) for head in heads))


def test_a_retried_message_is_answered_as_first_with_statements_that_do_not_grow_with_its_documents(
    engine: sa.Engine,
) -> None:
    example = parse_message(EXAMPLE.read_bytes())
    small, large = _orders(example, 3), _orders(example, 30)
    clock = ManualClock(NOW)
    acceptor = Acceptor(engine, MemoryBus(), clock)
    acceptor.start()
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        first = {size: acceptor.submit(SHOP, m).result(timeout=30) for size, m in ((3, small), (30, large))}
        clock.advance(timedelta(minutes=5))  # a receipt made again would carry the later time
        counted = {}
        for size, message in ((3, small), (30, large)):
            statements.clear()
            again = acceptor.submit(SHOP, message).result(timeout=30)
            counted[size] = len(statements)
            assert [o.receipt for o in again] == [o.receipt for o in first[size]]
            assert all(o.replayed and not o.accepted for o in again)
            assert all(o.accepted for o in first[size])
    finally:
        acceptor.stop()
    assert counted[30] == counted[3]


def test_two_messages_of_one_batch_giving_one_guid_to_two_order_numbers_store_the_first_only(
    engine: sa.Engine,
) -> None:
    first, second = _orders(parse_message(EXAMPLE.read_bytes()), 2).documents
    assert isinstance(first, Order)
    assert isinstance(second, Order)
    reused = replace(second, head=replace(second.head, guid=first.head.guid))
    example = parse_message(EXAMPLE.read_bytes())
    acceptor = Acceptor(engine, MemoryBus(), ManualClock(NOW))
    futures = [acceptor.submit(SHOP, replace(example, documents=(d,))) for d in (first, reused)]  # one batch
    acceptor.start()
    try:
        (stored,), (refused,) = (future.result(timeout=30) for future in futures)
    finally:
        acceptor.stop()
        with engine.connect() as conn:
            query = sa.select(documents.c.business_key).where(documents.c.guid == first.head.guid)
            keys = conn.execute(query).scalars().all()
    assert (stored.accepted, refused.accepted) == (True, False)
    assert refused.receipt.return_status == "-301010"
    assert refused.receipt.return_info == f"系统唯一序号已被另一单证使用，请重新生成[guid={first.head.guid}]"
    assert keys == [stored.facts.business_key]
