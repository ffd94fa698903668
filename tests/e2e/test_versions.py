"""Duplicates and versions over HTTP (domain §4.5, architecture invariant 4, declarations.versions).

The same document guid with the same content is an idempotent replay: the same receipt again,
nothing stored twice. appType 1/2/3 and appTime ordering give the spec's negative codes; a message
whose every document is refused is a 409, one with any accepted document a 202 with a receipt per
document.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.builders import APP_TIME, inventory_list, modified, order, payment, receipts, statuses
from tests.e2e.conftest import Gateway

LATER = APP_TIME + timedelta(hours=1)
EARLIER = APP_TIME - timedelta(hours=1)


def test_the_same_message_twice_gets_the_identical_receipt_and_is_stored_once(gateway: Gateway) -> None:
    shop = gateway.shop
    document = order(shop)
    message = shop.message("CEB311", [document])

    first = gateway.post(message, shop)
    stored = gateway.stored()
    again = gateway.post(message, shop)

    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert receipts(again) == receipts(first)  # same returnTime, returnInfo, keys
    assert gateway.stored() == stored
    assert gateway.documents_with_guid(document.head.guid) == 1


def test_a_retry_is_answered_with_the_very_bytes_of_the_first_answer_and_of_the_receipt_feed(
    gateway: Gateway,
) -> None:
    """A client that keeps receipt messages by their guid sees one receipt message, however many
    times it sends, and whether it reads the answer or GET /ceb/receipts."""
    shop = gateway.shop
    message = shop.message("CEB311", [order(shop)])
    first, again = gateway.post(message, shop), gateway.post(message, shop)
    feed = gateway.client.get("/ceb/receipts?after=0", headers={"Authorization": f"Bearer {shop.api_key}"})
    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert again.content == first.content
    (stored,) = [r for r in feed.json()["receipts"] if r["return_status"] == "2"]
    assert stored["xml"].encode() == first.content


def test_a_replay_re_signed_with_the_other_algorithm_is_still_a_replay(gateway: Gateway) -> None:
    shop = gateway.shop
    document = order(shop)

    first = gateway.post(shop.message("CEB311", [document], algorithm="rsa-sha256"), shop)
    again = gateway.post(shop.message("CEB311", [document], algorithm="sm2-sm3"), shop)

    assert again.status_code == 202
    assert receipts(again) == receipts(first)
    assert gateway.documents_with_guid(document.head.guid) == 1


def test_a_replay_in_json_carries_the_same_return_time(gateway: Gateway) -> None:
    shop = gateway.shop
    message = shop.message("CEB311", [order(shop)])

    first = gateway.post(message, shop, json=True).json()["receipts"]
    again = gateway.post(message, shop, json=True).json()["receipts"]

    assert again == first


def test_a_new_order_for_an_existing_order_number_is_refused_with_301010(gateway: Gateway) -> None:
    shop = gateway.shop
    first = order(shop)
    assert gateway.post(shop.message("CEB311", [first]), shop).status_code == 202
    stored = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [modified(first, app_time=LATER)]), shop)

    assert answer.status_code == 409
    assert statuses(answer) == ["-301010"]
    assert gateway.stored() == stored


def test_a_new_list_for_an_existing_order_is_refused_with_621004(gateway: Gateway) -> None:
    shop = gateway.shop
    first = inventory_list(shop)
    assert gateway.post(shop.message("CEB621", [first]), shop).status_code == 202

    answer = gateway.post(shop.message("CEB621", [modified(first, app_time=LATER)]), shop)

    assert answer.status_code == 409
    assert statuses(answer) == ["-621004"]


def test_a_new_payment_for_an_existing_transaction_is_refused_with_401007(gateway: Gateway) -> None:
    payer = gateway.payer
    first = payment(payer)
    assert gateway.post(payer.message("CEB411", [first]), payer).status_code == 202
    again = payment(payer, pay_transaction_id=first.pay_transaction_id, app_time=LATER)

    answer = gateway.post(payer.message("CEB411", [again]), payer)

    assert answer.status_code == 409
    assert statuses(answer) == ["-401007"]


def test_a_modification_of_an_order_that_does_not_exist_is_refused_with_301009(gateway: Gateway) -> None:
    shop = gateway.shop
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop, app_type="2")]), shop)

    assert answer.status_code == 409
    assert statuses(answer) == ["-301009"]
    assert gateway.stored() == before


def test_a_modification_with_a_later_app_time_is_accepted(gateway: Gateway) -> None:
    shop = gateway.shop
    first = order(shop)
    gateway.post(shop.message("CEB311", [first]), shop)

    answer = gateway.post(
        shop.message("CEB311", [modified(first, app_type="2", app_time=LATER, consignee="新收件人")]), shop
    )

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]
    assert receipts(answer)[0].return_info.startswith("变更申报成功")


def test_a_modification_with_an_older_app_time_is_ignored_as_stale_with_301014(gateway: Gateway) -> None:
    shop = gateway.shop
    first = order(shop)
    gateway.post(shop.message("CEB311", [first]), shop)
    stored = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [modified(first, app_type="2", app_time=EARLIER)]), shop)

    assert answer.status_code == 409
    assert statuses(answer) == ["-301014"]
    assert gateway.stored() == stored


def test_after_a_deletion_the_same_order_number_may_be_declared_new_again(gateway: Gateway) -> None:
    shop = gateway.shop
    first = order(shop)
    gateway.post(shop.message("CEB311", [first]), shop)
    deleted = gateway.post(shop.message("CEB311", [modified(first, app_type="3", app_time=LATER)]), shop)

    answer = gateway.post(
        shop.message("CEB311", [modified(first, app_type="1", app_time=LATER + timedelta(hours=1))]), shop
    )

    assert (deleted.status_code, statuses(deleted)) == (202, ["2"])
    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]


def test_a_deletion_of_an_order_that_does_not_exist_is_refused_with_301009(gateway: Gateway) -> None:
    shop = gateway.shop

    answer = gateway.post(shop.message("CEB311", [order(shop, app_type="3")]), shop)

    assert answer.status_code == 409
    assert statuses(answer) == ["-301009"]


def test_a_message_of_three_with_one_duplicate_is_accepted_with_a_receipt_per_document(
    gateway: Gateway,
) -> None:
    shop = gateway.shop
    existing = order(shop)
    gateway.post(shop.message("CEB311", [existing]), shop)
    documents = [order(shop), modified(existing, app_time=LATER), order(shop)]
    stored = gateway.stored()

    answer = gateway.post(shop.message("CEB311", documents), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2", "-301010", "2"]
    assert [r.guid for r in receipts(answer)] == [d.head.guid for d in documents]
    assert gateway.stored() == (stored[0] + 2, stored[1] + 2)


def test_the_same_order_number_twice_in_one_message_accepts_the_first_only(gateway: Gateway) -> None:
    shop = gateway.shop
    first = order(shop)

    answer = gateway.post(shop.message("CEB311", [first, modified(first, app_time=LATER)]), shop)

    assert answer.status_code == 202
    assert statuses(answer) == ["2", "-301010"]


def test_a_draft_may_be_declared_again_as_new(gateway: Gateway) -> None:
    shop = gateway.shop
    draft = order(shop, app_status="1")
    assert statuses(gateway.post(shop.message("CEB311", [draft], algorithm=None), shop)) == ["1"]

    answer = gateway.post(shop.message("CEB311", [modified(draft, app_status="2", app_time=LATER)]), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]


def test_a_refused_document_is_not_remembered_as_a_replay(gateway: Gateway) -> None:
    shop = gateway.shop
    stale_modification = shop.message("CEB311", [order(shop, app_type="2")])

    first = gateway.post(stale_modification, shop)
    again = gateway.post(stale_modification, shop)

    assert (first.status_code, again.status_code) == (409, 409)
    assert statuses(again) == ["-301009"]


@pytest.mark.parametrize(("field", "value"), [("app_type", "9"), ("app_type", "0"), ("app_status", "3")])
def test_an_app_type_or_status_the_spec_does_not_define_is_a_format_error_naming_its_line(
    gateway: Gateway, field: str, value: str
) -> None:
    """The XSD lets any one character through (C1); §3.2 defines appType 1/2/3 and appStatus 1/2.
    An appType 9 was taken as a modification before."""
    shop = gateway.shop
    gateway.post(shop.message("CEB311", [document := order(shop)]), shop)
    stored = gateway.stored()
    answer = gateway.post(shop.message("CEB311", [modified(document, **{field: value})]), shop, json=True)

    assert answer.status_code == 400, answer.text
    (violation,) = answer.json()["violations"]
    name = "appType" if field == "app_type" else "appStatus"
    assert violation["path"] == f"/ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:{name}"
    assert violation["line"] > 1
    assert f"{name} '{value}' is not one of" in violation["message"]
    assert gateway.stored() == stored
