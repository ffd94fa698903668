"""Webhooks: signed POSTs to a real local receiver, retried with backoff, logged, at least once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from declarations.clock import ManualClock
from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from declarations.store.receipts import ReceiptStore
from declarations.store.tables import counters, receipts, webhook_deliveries
from gateway.app import create_app
from gateway.settings import Settings
from gateway.webhooks.deliveries import DeliveryLog
from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.policy import RetryPolicy
from gateway.webhooks.sender import HttpSender
from gateway.webhooks.signing import DELIVERY, RECEIPT_CURSOR, TIMESTAMP
from tests.unit.receipts.builders import NOW, add_document, recorded
from tests.unit.receipts.hook_server import Receiver, running_receiver

SHOP = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE}), "DXPENT3301960001")
PAYER = Enterprise("3122480063", "某支付", frozenset({Role.PAYMENT}), "DXPENT3122480063")
NO_JITTER = RetryPolicy(random=lambda: 0.5)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")
    registry = EnterpriseRegistry(engine)
    registry.add(SHOP, NOW)
    registry.add(PAYER, NOW)
    yield engine
    engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def hook(engine: sa.Engine, receiver: Receiver, path: str, code: str = SHOP.code) -> None:
    webhook = EnterpriseRegistry(engine).add_webhook(code, receiver.url(path), NOW)
    receiver.secrets[path] = webhook.secret


def dispatcher(
    engine: sa.Engine, clock: ManualClock, policy: RetryPolicy = NO_JITTER, timeout_s: float = 5.0
) -> WebhookDispatcher:
    return WebhookDispatcher(DeliveryLog(engine), HttpSender(timeout_s=timeout_s), clock, policy, workers=4)


def deliveries(engine: sa.Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(webhook_deliveries).order_by(webhook_deliveries.c.id)))


def record(engine: sa.Engine, status: str = "120", code: str = SHOP.code) -> int:
    result = ReceiptStore().record(engine, [recorded(add_document(engine, sender=code), status)])
    return result.inserted[0]


def test_a_receipt_is_posted_signed_retried_with_backoff_and_logged(
    engine: sa.Engine, receiver: Receiver
) -> None:
    hook(engine, receiver, "/hook")
    receiver.fail_first["/hook"] = 2
    cursor = record(engine)
    clock = ManualClock(NOW)
    webhooks = dispatcher(engine, clock)
    try:
        assert webhooks.dispatch_once(clock.now()).attempted == 1
        (first,) = deliveries(engine)
        assert (first.state, first.attempts, first.last_status_code) == ("pending", 1, 500)
        assert webhooks.dispatch_once(clock.advance(timedelta(milliseconds=900))).attempted == 0
        assert webhooks.dispatch_once(clock.advance(timedelta(milliseconds=100))).attempted == 1  # after 1 s
        assert webhooks.dispatch_once(clock.advance(timedelta(seconds=1.9))).attempted == 0
        report = webhooks.dispatch_once(clock.advance(timedelta(seconds=0.1)))  # after 2 s more
    finally:
        webhooks.stop()
    assert report.delivered == 1
    (done,) = deliveries(engine)
    assert (done.state, done.attempts, done.last_status_code, done.last_error) == ("delivered", 3, 204, None)
    hits = receiver.on("/hook")
    with engine.connect() as conn:
        body = conn.execute(sa.select(receipts.c.body).where(receipts.c.id == cursor)).scalar()
    assert [hit.signed for hit in hits] == [True, True, True]
    assert {hit.body for hit in hits} == {body}
    assert {hit.headers[DELIVERY.lower()] for hit in hits} == {str(done.id)}
    assert {hit.headers[RECEIPT_CURSOR.lower()] for hit in hits} == {str(cursor)}
    assert hits[0].headers["content-type"] == "application/xml"
    assert hits[0].headers[TIMESTAMP.lower()] == str(int(NOW.timestamp()))


def test_a_delivery_that_keeps_failing_is_marked_failed_after_the_last_attempt(
    engine: sa.Engine, receiver: Receiver
) -> None:
    hook(engine, receiver, "/down")
    receiver.fail_first["/down"] = 99
    record(engine)
    clock = ManualClock(NOW)
    webhooks = dispatcher(engine, clock, RetryPolicy(max_attempts=3, random=lambda: 0.5))
    try:
        reports = [webhooks.dispatch_once(clock.advance(timedelta(seconds=10))) for _ in range(5)]
    finally:
        webhooks.stop()
    assert [r.attempted for r in reports] == [1, 1, 1, 0, 0]
    (failed,) = deliveries(engine)
    assert (failed.state, failed.attempts, failed.last_status_code, failed.next_attempt_at) == (
        "failed",
        3,
        500,
        None,
    )


def test_the_backoff_doubles_from_one_second_up_to_the_cap_with_bounded_jitter() -> None:
    policy = RetryPolicy(random=lambda: 0.5)
    assert [policy.delay(n).total_seconds() for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    low, high = RetryPolicy(random=lambda: 0.0), RetryPolicy(random=lambda: 1.0)
    assert (low.delay(3).total_seconds(), high.delay(3).total_seconds()) == pytest.approx((3.2, 4.8))
    assert policy.gives_up(10)
    assert not policy.gives_up(9)


def test_only_the_receipts_enterprise_webhooks_receive_it(engine: sa.Engine, receiver: Receiver) -> None:
    hook(engine, receiver, "/shop-a")
    hook(engine, receiver, "/shop-b")
    hook(engine, receiver, "/payer", PAYER.code)
    record(engine, code=SHOP.code)
    clock = ManualClock(NOW)
    webhooks = dispatcher(engine, clock)
    try:
        report = webhooks.dispatch_once(clock.now())
    finally:
        webhooks.stop()
    assert (report.enqueued, report.delivered) == (2, 2)
    assert (len(receiver.on("/shop-a")), len(receiver.on("/shop-b")), receiver.on("/payer")) == (1, 1, [])


def test_a_slow_endpoint_does_not_hold_up_the_others(engine: sa.Engine, receiver: Receiver) -> None:
    hook(engine, receiver, "/slow")
    hook(engine, receiver, "/fast")
    receiver.delay_s["/slow"] = 2.0
    for _ in range(3):
        record(engine)
    clock = ManualClock(NOW)
    webhooks = dispatcher(engine, clock, timeout_s=0.5)
    started = time.monotonic()
    try:
        report = webhooks.dispatch_once(clock.now())
    finally:
        elapsed = time.monotonic() - started
        webhooks.stop()
    assert report.delivered == 3
    assert len(receiver.on("/fast")) == 3
    assert elapsed < 1.9  # four workers: the three slow calls time out side by side, not one after another
    slow = [row for row in deliveries(engine) if row.state == "pending"]
    assert len(slow) == 3
    assert all((row.last_error or "").startswith("timeout") for row in slow)


def test_a_restarted_dispatcher_resumes_from_the_stored_cursor_and_delivers_at_least_once(
    engine: sa.Engine, receiver: Receiver
) -> None:
    hook(engine, receiver, "/hook")
    receiver.fail_first["/hook"] = 1
    record(engine)
    clock = ManualClock(NOW)
    first = dispatcher(engine, clock)
    first.dispatch_once(clock.now())  # fails once, then the process goes away
    first.stop()
    record(engine, "399")  # arrives while no dispatcher runs
    second = dispatcher(engine, clock)
    try:
        report = second.dispatch_once(clock.advance(timedelta(seconds=5)))
    finally:
        second.stop()
    assert (report.enqueued, report.delivered) == (1, 2)
    assert [row.state for row in deliveries(engine)] == ["delivered", "delivered"]
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(counters.c.value).where(counters.c.name == "webhooks:cursor")
        ).scalar()
    assert stored == max(row.receipt_id for row in deliveries(engine))


def test_deliveries_claimed_by_a_crashed_dispatcher_come_due_again_after_the_lease(
    engine: sa.Engine, receiver: Receiver
) -> None:
    hook(engine, receiver, "/hook")
    record(engine)
    log = DeliveryLog(engine)
    log.enqueue_new(NOW)
    assert len(log.claim_due(NOW, 10, timedelta(seconds=60))) == 1  # claimed, then the process died
    clock = ManualClock(NOW)
    webhooks = dispatcher(engine, clock)
    try:
        assert webhooks.dispatch_once(clock.advance(timedelta(seconds=30))).attempted == 0
        assert webhooks.dispatch_once(clock.advance(timedelta(seconds=31))).delivered == 1
    finally:
        webhooks.stop()
    assert len(receiver.on("/hook")) == 1


def test_the_runtime_pushes_an_accepted_messages_receipt_to_the_webhook(
    tmp_path: Path, receiver: Receiver
) -> None:
    example = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "CEB311Message.xml"
    sender = Enterprise(
        "1105910159", "东方物通", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT0000000001"
    )
    settings = Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", require_signatures=False)
    app = create_app(settings)
    runtime = app.state.runtime
    api_key = runtime.registry.add(sender, NOW)
    webhook = runtime.registry.add_webhook(sender.code, receiver.url("/live"), NOW)
    receiver.secrets["/live"] = webhook.secret
    with TestClient(app) as client:
        posted = client.post(
            "/ceb/messages",
            content=example.read_bytes(),
            headers={"Content-Type": "application/xml", "Authorization": f"Bearer {api_key}"},
        )
        assert posted.status_code == 202
        deadline = time.monotonic() + 10
        while not receiver.on("/live") and time.monotonic() < deadline:
            time.sleep(0.05)
    (hit,) = receiver.on("/live")
    assert hit.signed
    assert b"<returnStatus>2</returnStatus>" in hit.body
