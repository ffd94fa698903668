"""GET /ceb/receipts and the query API over HTTP: own receipts only, resumable, trails that leak nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from declarations.identity import Enterprise, Role
from declarations.store.receipts import ReceiptStore
from gateway.app import create_app
from gateway.receipt_watch import ReceiptWatch
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.webhooks.deliveries import DeliveryLog
from schemas.safe_xml import parse
from tests.unit.receipts.builders import NOW, add_document, later, recorded

EXAMPLE = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "CEB311Message.xml"
SHOP = Enterprise("1105910159", "东方物通", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT0000000001")
RIVAL = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE}), "DXPENT3301960001")
AGENT = Enterprise("3301980002", "某报关行", frozenset({Role.AGENT}), "DXPENT3301980002")


@dataclasses.dataclass
class Api:
    client: TestClient
    runtime: Runtime
    keys: dict[str, str]

    def get(self, url: str, who: Enterprise, **headers: str) -> httpx2.Response:
        return self.client.get(url, headers={"Authorization": f"Bearer {self.keys[who.code]}", **headers})


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    runtime = build_runtime(Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", require_signatures=False))
    assert runtime.webhooks is not None
    runtime.webhooks.stop()  # these tests read the log; they do not want a background sender
    runtime.webhooks = None
    keys = {e.code: runtime.registry.add(e, NOW) for e in (SHOP, RIVAL, AGENT)}
    with TestClient(create_app(runtime.settings, runtime)) as client:
        yield Api(client, runtime, keys)


def record_for(api: Api, sender: Enterprise, status: str, *, parties: tuple[str, ...] = ()) -> int:
    document = add_document(api.runtime.engine, sender=sender.code, parties=parties)
    return ReceiptStore().record(api.runtime.engine, [recorded(document, status)]).inserted[0]


def test_paging_with_the_cursor_returns_every_own_receipt_once_in_order(api: Api) -> None:
    mine = []
    for n in range(23):
        mine.append(record_for(api, SHOP, "2"))
        if n % 3 == 0:
            record_for(api, RIVAL, "2")
    seen, after = [], 0
    while True:
        answer = api.get(f"/ceb/receipts?after={after}&limit=5", SHOP)
        body = answer.json()
        assert answer.headers["X-Next-Cursor"] == str(body["next_cursor"])
        assert f"after={body['next_cursor']}&limit=5" in answer.headers["Link"]
        if not body["receipts"]:
            assert body["next_cursor"] == after  # an empty page keeps the place
            break
        seen += [receipt["cursor"] for receipt in body["receipts"]]
        after = body["next_cursor"]
    assert seen == mine
    assert record_for(api, SHOP, "120") > after
    resumed = api.get(f"/ceb/receipts?after={after}", SHOP).json()
    assert [r["return_status"] for r in resumed["receipts"]] == ["120"]


def test_a_receipt_in_json_carries_its_keys_china_time_and_xml(api: Api) -> None:
    record_for(api, SHOP, "120")
    (receipt,) = api.get("/ceb/receipts", SHOP).json()["receipts"]
    assert receipt["message_type"] == "CEB312"
    assert receipt["return_status"] == "120"
    assert receipt["return_time"] == "20261111100000000"  # 02:00 UTC is 10:00 in China
    assert receipt["business_key"].startswith(SHOP.code + "|")
    assert receipt["xml"].lstrip().startswith("<?xml")
    assert "<returnStatus>120</returnStatus>" in receipt["xml"]


def test_the_xml_feed_wraps_each_receipt_message_with_its_cursor(api: Api) -> None:
    first = record_for(api, SHOP, "2")
    second = record_for(api, SHOP, "120")
    answer = api.get("/ceb/receipts?limit=10", SHOP, Accept="application/xml")
    assert answer.headers["content-type"].startswith("application/xml")
    feed = parse(answer.content)
    assert (feed.tag, feed.get("next")) == ("receipts", str(second))
    assert [(item.get("cursor"), item.get("messageType")) for item in feed] == [
        (str(first), "CEB312"),
        (str(second), "CEB312"),
    ]
    assert feed[1][0].tag == "{http://www.chinaport.gov.cn/ceb}CEB312Message"


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("after=-1", "receipts-cursor"),
        ("after=abc", "receipts-cursor"),
        ("after=%C2%B2", "receipts-cursor"),  # '²': str.isdigit says yes, int() says no
        ("after=99999999999999999999999", "receipts-cursor"),  # past BIGINT
        ("after=9223372036854775808", "receipts-cursor"),
        ("limit=0", "receipts-limit"),
        ("limit=1001", "receipts-limit"),
        ("limit=ten", "receipts-limit"),
        ("limit=%C2%B2", "receipts-limit"),
        ("wait=-1", "receipts-wait"),
        ("wait=31", "receipts-wait"),
        ("wait=soon", "receipts-wait"),
        ("wait=nan", "receipts-wait"),
    ],
)
def test_a_bad_cursor_or_limit_is_answered_400_naming_the_rule(api: Api, query: str, rule: str) -> None:
    paged = ("/ceb/receipts",) if query.startswith("wait") else ("/ceb/receipts", "/api/webhooks/deliveries")
    for url in paged:
        answer = api.get(f"{url}?{query}", SHOP)
        assert answer.status_code == 400, url
        assert answer.json()["error"]["rule"] == rule, url


def test_the_last_cursor_a_database_holds_is_a_cursor(api: Api) -> None:
    answer = api.get("/ceb/receipts?after=9223372036854775807", SHOP)
    assert (answer.status_code, answer.json()["receipts"]) == (200, [])


@pytest.mark.parametrize("url", ["/ceb/receipts", "/api/documents/by-guid/X", "/api/webhooks/deliveries"])
@pytest.mark.parametrize("authorization", [None, "Bearer cebsim_wrong", "Basic abc"])
def test_a_missing_or_unknown_key_is_answered_401(api: Api, url: str, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = api.client.get(url, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["rule"] == "api-key"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_long_poll_answers_with_a_receipt_stored_while_it_waits(api: Api) -> None:
    after = record_for(api, SHOP, "2")
    answers: list[httpx2.Response] = []
    reader = threading.Thread(
        target=lambda: answers.append(api.get(f"/ceb/receipts?after={after}&wait=20", SHOP))
    )
    reader.start()
    time.sleep(0.3)  # the reader is waiting: its first read found nothing
    record_for(api, RIVAL, "2")  # someone else's receipt does not end the wait
    assert reader.is_alive()
    stored = record_for(api, SHOP, "120")
    reader.join(timeout=15)
    assert not reader.is_alive(), "the long poll was not answered when the receipt was stored"
    body = answers[0].json()
    assert [r["cursor"] for r in body["receipts"]] == [stored]
    assert body["next_cursor"] == stored


def test_a_long_poll_with_nothing_new_answers_an_empty_page_that_keeps_the_place(api: Api) -> None:
    after = record_for(api, SHOP, "2")
    started = time.monotonic()
    answer = api.get(f"/ceb/receipts?after={after}&wait=0.3", SHOP)
    assert time.monotonic() - started >= 0.3  # it waited before answering empty
    assert answer.status_code == 200
    assert answer.json() == {"receipts": [], "next_cursor": after}


def test_the_receipt_watch_wakes_only_the_readers_of_the_enterprise_with_new_receipts(api: Api) -> None:
    watch = ReceiptWatch(api.runtime.engine, interval_s=0.01)

    async def woken_after_recording() -> tuple[bool, bool]:
        watch.prime()
        with watch.waiting(SHOP.code) as shop, watch.waiting(RIVAL.code) as rival:
            await asyncio.to_thread(record_for, api, SHOP, "120")
            await asyncio.wait_for(shop.wait(), timeout=10)
            await asyncio.sleep(0.1)  # several more rounds of the watcher
            return shop.is_set(), rival.is_set()

    try:
        assert asyncio.run(woken_after_recording()) == (True, False)
    finally:
        watch.stop()


def test_an_accepted_message_is_in_the_feed_and_its_trail(api: Api) -> None:
    posted = api.client.post(
        "/ceb/messages",
        content=EXAMPLE.read_bytes(),
        headers={"Content-Type": "application/xml", "Authorization": f"Bearer {api.keys[SHOP.code]}"},
    )
    assert posted.status_code == 202
    (receipt,) = api.get("/ceb/receipts", SHOP).json()["receipts"]
    assert (receipt["message_type"], receipt["return_status"]) == ("CEB312", "2")
    trail = api.get(f"/api/documents/CEB311/{receipt['business_key']}", SHOP).json()
    assert trail["status"] == "2"
    assert [r["return_status"] for r in trail["receipts"]] == ["2"]
    by_guid = api.get(f"/api/documents/by-guid/{receipt['document_guid']}", SHOP).json()
    assert by_guid == trail
    assert api.get("/ceb/receipts", RIVAL).json()["receipts"] == []


def test_a_trail_lists_every_version_and_receipt_in_order(api: Api) -> None:
    engine = api.runtime.engine
    key = f"{SHOP.code}|order-trail"
    first = add_document(engine, sender=SHOP.code, business_key=key, guid="A" * 36)
    second = add_document(engine, sender=SHOP.code, business_key=key, guid="B" * 36, version=2)
    ReceiptStore().record(
        engine,
        [recorded(first, "2"), recorded(second, "2", at=later(1)), recorded(second, "120", at=later(2))],
    )
    trail = api.get(f"/api/documents/CEB311/{key.replace('|', '%7C')}", SHOP).json()
    assert [(v["version"], v["current"]) for v in trail["versions"]] == [(1, False), (2, True)]
    assert [(r["version"], r["return_status"]) for r in trail["receipts"]] == [(1, "2"), (2, "2"), (2, "120")]
    assert trail["status"] == "120"


def test_another_enterprise_sees_no_trail_and_cannot_tell_it_exists(api: Api) -> None:
    document = add_document(api.runtime.engine, sender=SHOP.code, parties=(AGENT.code,), guid="C" * 36)
    ReceiptStore().record(api.runtime.engine, [recorded(document, "120")])
    key = api.get("/api/documents/by-guid/" + "C" * 36, SHOP).json()["business_key"]
    hidden = api.get(f"/api/documents/CEB311/{key}", RIVAL)
    unknown = api.get("/api/documents/CEB311/no-such-key", RIVAL)
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json() == unknown.json()
    assert api.get("/api/documents/by-guid/" + "C" * 36, RIVAL).status_code == 404
    named = api.get(f"/api/documents/CEB311/{key}", AGENT)  # named in the document: may read it
    assert [r["return_status"] for r in named.json()["receipts"]] == ["120"]


def test_the_delivery_log_shows_only_the_callers_deliveries(api: Api) -> None:
    engine = api.runtime.engine
    api.runtime.registry.add_webhook(SHOP.code, "http://127.0.0.1:9/shop", NOW)
    api.runtime.registry.add_webhook(RIVAL.code, "http://127.0.0.1:9/rival", NOW)
    mine = record_for(api, SHOP, "120")
    record_for(api, RIVAL, "120")
    DeliveryLog(engine).enqueue_new(NOW)
    (entry,) = api.get("/api/webhooks/deliveries", SHOP).json()["deliveries"]
    assert (entry["url"], entry["receipt_cursor"], entry["state"], entry["attempts"]) == (
        "http://127.0.0.1:9/shop",
        mine,
        "pending",
        0,
    )
