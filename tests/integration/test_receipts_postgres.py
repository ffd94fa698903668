"""Receipts on the real PostgreSQL: idempotent ON CONFLICT recording, the cursor feed under concurrent
writers, monotone status, trails, and a webhook delivered through the SKIP LOCKED claim."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from declarations.bus.memory import MemoryBus
from declarations.clock import ManualClock
from declarations.codec import new_guid, parse_message
from declarations.domain.documents import Order
from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from declarations.store.receipts import ReceiptStore
from declarations.store.tables import documents, webhook_deliveries
from declarations.store.trails import TrailStore
from gateway.intake.acceptor import Acceptor
from gateway.webhooks.deliveries import DeliveryLog
from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.policy import RetryPolicy
from gateway.webhooks.sender import HttpSender
from tests.unit.receipts.builders import NOW, add_document, recorded
from tests.unit.receipts.hook_server import running_receiver

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = open_store(postgres_url)
    yield engine
    engine.dispose()


def code() -> str:
    return uuid.uuid4().hex[:10]


def test_recording_twice_stores_once_and_the_status_never_goes_back(engine: sa.Engine) -> None:
    shop = code()
    document = add_document(engine, sender=shop)
    store = ReceiptStore()
    first = store.record(engine, [recorded(document, "120"), recorded(document, "399")])
    again = store.record(engine, [recorded(document, "120"), recorded(document, "399")])
    late = store.record(engine, [recorded(document, "2")])
    # the replayed 120 now ranks below 399: dropped as stale; the replayed 399 is a duplicate
    assert (len(first.inserted), again.duplicates, again.stale, late.stale) == (2, 1, 1, 1)
    with engine.connect() as conn:
        row = conn.execute(sa.select(documents).where(documents.c.id == document)).one()
    assert row.status == "399"
    trail = TrailStore(engine).by_key(shop, "CEB311", row.business_key)
    assert trail is not None
    assert [receipt.return_status for _, receipt in trail.receipts] == ["120", "399"]
    assert TrailStore(engine).by_key(code(), "CEB311", row.business_key) is None
    assert store.page(engine, shop, 0, 10).next_cursor == first.inserted[-1]


def test_concurrent_recorders_leave_no_gap_for_a_reader_that_resumes(engine: sa.Engine) -> None:
    shop = code()
    docs = [add_document(engine, sender=shop) for _ in range(40)]
    store = ReceiptStore()
    seen: list[int] = []
    done = threading.Event()

    def write(part: list[int]) -> None:
        for document in part:
            store.record(engine, [recorded(document, "120")])

    def read() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page = store.page(engine, shop, after, 7)
            seen.extend(receipt.cursor for receipt in page.receipts)
            after = page.next_cursor
            if finished and not page.receipts:
                return

    writers = [threading.Thread(target=write, args=(docs[i::4],)) for i in range(4)]
    reader = threading.Thread(target=read)
    reader.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    reader.join(timeout=30)
    assert len(seen) == len(set(seen)) == 40
    assert seen == sorted(seen)


def test_an_acceptance_receipt_waits_for_a_recorder_holding_the_feed_lock(engine: sa.Engine) -> None:
    """The acceptor takes the receipt writers' lock too: a lower id never commits after a higher one."""
    shop = Enterprise(code(), "上海某平台", frozenset({Role.PLATFORM, Role.ECOMMERCE}), "DXPENT" + code())
    EnterpriseRegistry(engine).add(shop, NOW)
    document = add_document(engine, sender=shop.code)
    message = parse_message((EXAMPLES / "CEB311Message.xml").read_bytes())
    order = message.documents[0]
    assert isinstance(order, Order)
    guid = new_guid()  # a new guid and order number: the database is shared by reruns
    head = replace(order.head, guid=guid, order_no=f"LOCK{guid[:8]}{guid[-8:]}")
    message = replace(message, documents=(replace(order, head=head),))
    acceptor = Acceptor(engine, MemoryBus(), ManualClock(NOW))
    acceptor.start()
    try:
        with engine.begin() as recorder:
            first = ReceiptStore().record(recorder, [recorded(document, "120")]).inserted[0]
            accepted = acceptor.submit(shop, message)
            with pytest.raises(FutureTimeout):
                accepted.result(timeout=1.0)  # blocked on the lock the recorder holds
        outcome = accepted.result(timeout=30)[0]
    finally:
        acceptor.stop()
    assert outcome.accepted
    page = ReceiptStore().page(engine, shop.code, 0, 10)
    assert page.receipts[0].cursor == first
    assert [r.return_status for r in page.receipts] == ["120", "2"]


def test_a_webhook_is_delivered_after_a_failure_on_postgresql(engine: sa.Engine) -> None:
    shop = Enterprise(code(), "上海某平台", frozenset({Role.PLATFORM}), "DXPENT" + code())
    registry = EnterpriseRegistry(engine)
    registry.add(shop, NOW)
    with running_receiver() as receiver:
        webhook = registry.add_webhook(shop.code, receiver.url("/pg"), NOW)
        receiver.secrets["/pg"] = webhook.secret
        receiver.fail_first["/pg"] = 1
        (cursor,) = (
            ReceiptStore().record(engine, [recorded(add_document(engine, sender=shop.code), "120")]).inserted
        )
        clock = ManualClock(NOW)
        dispatcher = WebhookDispatcher(
            DeliveryLog(engine), HttpSender(), clock, RetryPolicy(random=lambda: 0.5)
        )
        try:
            for _ in range(50):  # the shared database may hold other tests' receipts before ours
                dispatcher.dispatch_once(clock.advance(timedelta(seconds=5)))
                if len(receiver.on("/pg")) == 2:
                    break
        finally:
            dispatcher.stop()
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook.id)
        ).one()
    assert (row.receipt_id, row.state, row.attempts) == (cursor, "delivered", 2)
    assert all(hit.signed for hit in receiver.on("/pg"))
