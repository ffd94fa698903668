"""Self-service webhooks over HTTP: register (secret shown once), list, remove; precise refusals."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from declarations.clock import ManualClock
from declarations.identity import Enterprise, Role
from declarations.store.receipts import ReceiptStore
from declarations.store.tables import webhook_deliveries, webhooks
from declarations.store.webhooks import MAX_WEBHOOKS
from gateway.app import create_app
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.webhooks.deliveries import DeliveryLog
from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.policy import RetryPolicy
from gateway.webhooks.sender import HttpSender
from tests.unit.receipts.builders import NOW, add_document, recorded
from tests.unit.receipts.hook_server import Receiver, running_receiver

SHOP = Enterprise("1105910159", "东方物通", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT0000000001")
RIVAL = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE}), "DXPENT3301960001")
HOOK = "https://erp.example.com/cebsim/receipts"


@dataclasses.dataclass
class Api:
    client: TestClient
    runtime: Runtime
    keys: dict[str, str]

    def call(self, method: str, url: str, who: Enterprise, body: Any = None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {self.keys[who.code]}"}
        return self.client.request(method, url, headers=headers, json=body)

    def rows(self) -> list[sa.Row[tuple[object, ...]]]:
        with self.runtime.engine.connect() as conn:
            return list(conn.execute(sa.select(webhooks).order_by(webhooks.c.id)))


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    runtime = build_runtime(Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", require_signatures=False))
    assert runtime.webhooks is not None
    runtime.webhooks.stop()  # the tests drive their own dispatcher
    runtime.webhooks = None
    keys = {e.code: runtime.registry.add(e, NOW) for e in (SHOP, RIVAL)}
    with TestClient(create_app(runtime.settings, runtime)) as client:
        yield Api(client, runtime, keys)


def test_a_registered_webhook_is_listed_without_its_secret(api: Api) -> None:
    answer = api.call("POST", "/api/webhooks", SHOP, {"url": HOOK})
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    assert registered["url"] == HOOK
    assert len(registered["secret"]) >= 32
    listed = api.call("GET", "/api/webhooks", SHOP).json()
    assert listed == {
        "webhooks": [{"id": registered["id"], "url": HOOK, "created_at": registered["created_at"]}]
    }
    assert api.call("GET", "/api/webhooks", RIVAL).json() == {"webhooks": []}


def test_a_retried_registration_is_refused_and_adds_nothing(api: Api) -> None:
    first = api.call("POST", "/api/webhooks", SHOP, {"url": HOOK}).json()
    again = api.call("POST", "/api/webhooks", SHOP, {"url": HOOK})
    assert again.status_code == 409
    assert again.json()["error"]["rule"] == "webhook-exists"
    assert f"webhook {first['id']}" in again.json()["error"]["message"]
    assert len(api.rows()) == 1
    assert api.call("POST", "/api/webhooks", RIVAL, {"url": HOOK}).status_code == 201  # another's own


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"url": "ftp://erp.example.com/hook"}, "webhook-url"),
        ({"url": "https:///no-host"}, "webhook-url"),
        ({"url": "https://user:pw@erp.example.com/hook"}, "webhook-url"),
        ({"url": "https://erp.example.com/a hook"}, "webhook-url"),
        ({"url": "https://erp.example.com/" + "a" * 500}, "webhook-url"),
        ({"url": "http://[::1/hook"}, "webhook-url"),
        ({"url": "http://erp.example.com:port/hook"}, "webhook-url"),
        ({"address": HOOK}, "webhook-body"),
        ([HOOK], "webhook-body"),
    ],
)
def test_a_bad_registration_names_its_rule_and_stores_nothing(api: Api, body: Any, rule: str) -> None:
    answer = api.call("POST", "/api/webhooks", SHOP, body)
    assert answer.status_code == 400
    assert answer.json()["error"]["rule"] == rule
    assert api.rows() == []


def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.keys[SHOP.code]}", "Content-Type": "application/json"}
    answer = api.client.post("/api/webhooks", content=b"url=https://erp.example.com", headers=headers)
    assert (answer.status_code, answer.json()["error"]["rule"]) == (400, "webhook-body")


def test_without_an_api_key_nothing_is_registered_or_shown(api: Api) -> None:
    assert api.client.post("/api/webhooks", json={"url": HOOK}).status_code == 401
    assert api.client.get("/api/webhooks").status_code == 401
    assert api.rows() == []


def test_registrations_stop_at_the_limit(api: Api) -> None:
    for n in range(MAX_WEBHOOKS):
        assert api.call("POST", "/api/webhooks", SHOP, {"url": f"{HOOK}/{n}"}).status_code == 201
    over = api.call("POST", "/api/webhooks", SHOP, {"url": f"{HOOK}/more"})
    assert (over.status_code, over.json()["error"]["rule"]) == (409, "webhook-limit")
    assert len(api.rows()) == MAX_WEBHOOKS


def test_only_its_owner_removes_a_webhook_and_the_url_can_then_be_registered_again(api: Api) -> None:
    first = api.call("POST", "/api/webhooks", SHOP, {"url": HOOK}).json()
    refused = api.call("DELETE", f"/api/webhooks/{first['id']}", RIVAL)
    assert (refused.status_code, refused.json()["error"]["rule"]) == (404, "webhook-unknown")
    assert len(api.call("GET", "/api/webhooks", SHOP).json()["webhooks"]) == 1
    assert api.call("DELETE", f"/api/webhooks/{first['id']}", SHOP).status_code == 204
    assert api.call("GET", "/api/webhooks", SHOP).json() == {"webhooks": []}
    assert api.call("DELETE", f"/api/webhooks/{first['id']}", SHOP).status_code == 404  # already removed
    for not_a_number in ("first", "%C2%B2"):
        answer = api.call("DELETE", f"/api/webhooks/{not_a_number}", SHOP)
        assert (answer.status_code, answer.json()["error"]["rule"]) == (404, "webhook-unknown"), not_a_number
    second = api.call("POST", "/api/webhooks", SHOP, {"url": HOOK}).json()
    assert second["id"] != first["id"]
    assert second["secret"] != first["secret"]


def _dispatcher(api: Api, clock: ManualClock) -> WebhookDispatcher:
    log = DeliveryLog(api.runtime.engine)
    return WebhookDispatcher(log, HttpSender(timeout_s=5), clock, RetryPolicy(random=lambda: 0.5), workers=2)


def _record(api: Api) -> int:
    document = add_document(api.runtime.engine, sender=SHOP.code)
    return ReceiptStore().record(api.runtime.engine, [recorded(document, "120")]).inserted[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def test_a_webhook_registered_over_http_gets_signed_receipts_until_removed(
    api: Api, receiver: Receiver
) -> None:
    registered = api.call("POST", "/api/webhooks", SHOP, {"url": receiver.url("/mine")}).json()
    receiver.secrets["/mine"] = registered["secret"]
    receiver.fail_first["/mine"] = 1  # the first attempt fails: a pending delivery stays behind
    clock = ManualClock(NOW)
    webhooks = _dispatcher(api, clock)
    try:
        _record(api)
        assert webhooks.dispatch_once(clock.now()).attempted == 1
        assert webhooks.dispatch_once(clock.advance(timedelta(seconds=2))).delivered == 1
        receiver.fail_first["/mine"] = 3  # the third hit fails too: the next receipt stays pending
        _record(api)
        assert webhooks.dispatch_once(clock.advance(timedelta(seconds=1))).attempted == 1
        assert api.call("DELETE", f"/api/webhooks/{registered['id']}", SHOP).status_code == 204
        _record(api)
        later = webhooks.dispatch_once(clock.advance(timedelta(seconds=60)))
    finally:
        webhooks.stop()
    assert (later.enqueued, later.attempted) == (0, 0)  # nothing new for it, no retry of the pending one
    assert [hit.signed for hit in receiver.on("/mine")] == [True, True, True]
    with api.runtime.engine.connect() as conn:
        states = conn.execute(
            sa.select(webhook_deliveries.c.state, webhook_deliveries.c.last_error).order_by(
                webhook_deliveries.c.id
            )
        ).all()
    assert [tuple(row) for row in states] == [("delivered", None), ("failed", "webhook removed")]
