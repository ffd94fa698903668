"""No one acts for another (architecture invariant 6): identity by API key, role and own codes.

A missing or unknown key is 401. A known key may send only its role's message types (403 "role"),
only with its own codes in every document and in BaseTransfer (403 "own-code"), and never a message
type customs sends (403 "message-type"). Each refusal stores nothing.
"""

from __future__ import annotations

import httpx2
import pytest

from declarations.codec import build
from declarations.identity import Role
from tests.e2e.builders import order, payment, receipts, statuses, waybill
from tests.e2e.conftest import Gateway, register
from tests.unit.codec.builders import make_receipt, make_tax_bill


def test_a_payment_firm_posting_a_waybill_is_refused_by_role(gateway: Gateway) -> None:
    payer = gateway.payer
    before = gateway.stored()

    answer = gateway.post(payer.message("CEB511", [waybill(payer)]), payer)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "role"
    assert statuses(answer) == ["-10101"]
    assert "logistics" in receipts(answer)[0].return_info
    assert gateway.stored() == before


def test_a_logistics_firm_posting_an_order_is_refused_by_role(gateway: Gateway) -> None:
    carrier = gateway.carrier

    answer = gateway.post(carrier.message("CEB311", [order(carrier)]), carrier)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "role"


def test_each_role_may_send_its_own_message_type(gateway: Gateway) -> None:
    payer, carrier = gateway.payer, gateway.carrier

    paid = gateway.post(payer.message("CEB411", [payment(payer)]), payer)
    shipped = gateway.post(carrier.message("CEB511", [waybill(carrier)]), carrier)

    assert (paid.status_code, statuses(paid)) == (202, ["2"])
    assert (shipped.status_code, statuses(shipped)) == (202, ["2"])


def test_another_enterprises_code_in_the_second_document_is_refused_naming_document_2(
    gateway: Gateway,
) -> None:
    shop, rival = gateway.shop, gateway.rival
    documents = [order(shop), order(shop, ebc_code=rival.code, ebp_code=rival.code), order(shop)]
    before = gateway.stored()

    body = shop.message("CEB311", documents)
    answer = gateway.post(body, shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "own-code"
    assert statuses(answer) == ["-10102", "-10102", "-10102"]
    info = receipts(answer)[0].return_info
    assert "document 2 of CEB311" in info
    second_ebp_code = body.index(b"<ceb:ebpCode>", body.index(b"</ceb:Order>"))
    line = body[:second_ebp_code].count(b"\n") + 1
    assert info.endswith(f"[document[2]/ebpCode, line {line}, rule own-code]")
    assert gateway.stored() == before


def test_a_payment_naming_another_payment_firm_is_refused(gateway: Gateway) -> None:
    payer = gateway.payer

    answer = gateway.post(payer.message("CEB411", [payment(payer, pay_code="3301960777")]), payer)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "own-code"
    assert "payCode" in receipts(answer)[0].return_info


@pytest.mark.parametrize("field", ["cop_code", "dxp_id"])
def test_a_base_transfer_naming_another_enterprise_is_refused(gateway: Gateway, field: str) -> None:
    shop, rival = gateway.shop, gateway.rival
    cop_code = rival.code if field == "cop_code" else None
    dxp_id = rival.dxp_id if field == "dxp_id" else None
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop)], cop_code=cop_code, dxp_id=dxp_id), shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "own-code"
    assert statuses(answer) == ["-10102"]
    assert "BaseTransfer" in receipts(answer)[0].return_info
    assert gateway.stored() == before


def test_a_message_sent_with_another_enterprises_key_is_refused(gateway: Gateway) -> None:
    shop, rival = gateway.shop, gateway.rival

    answer = gateway.post(shop.message("CEB311", [order(shop)]), rival)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "own-code"


def test_an_express_operator_may_transmit_orders_for_direct_purchase(gateway: Gateway) -> None:
    express = register(gateway.runtime, "3301960005", "杭州邮政速递", Role.EXPRESS)
    shop = gateway.shop

    answer = gateway.post(express.message("CEB311", [order(shop)]), express)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]


def test_a_missing_api_key_is_401(gateway: Gateway) -> None:
    shop = gateway.shop
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop)]), json=True)

    assert answer.status_code == 401
    assert answer.json()["error"]["rule"] == "api-key-missing"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert gateway.stored() == before


@pytest.mark.parametrize("api_key", ["cebsim_not-a-key-of-anyone", "", "x" * 500])
def test_an_unknown_api_key_is_401(gateway: Gateway, api_key: str) -> None:
    shop = gateway.shop
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop)]), api_key=api_key, json=True)

    assert answer.status_code == 401
    assert gateway.stored() == before


def test_a_key_in_another_scheme_than_bearer_is_401(gateway: Gateway) -> None:
    shop = gateway.shop

    answer = gateway.post(
        shop.message("CEB311", [order(shop)]), headers={"Authorization": f"Basic {shop.api_key}"}
    )

    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("message_type", "document"),
    [("CEB312", make_receipt()), ("CEB816", make_tax_bill())],
    ids=["an order receipt CEB312", "a tax bill CEB816"],
)
def test_a_message_type_that_customs_sends_is_refused(
    gateway: Gateway, message_type: str, document: object
) -> None:
    before = gateway.stored()

    answer = gateway.post(build(message_type, [document]), gateway.shop, json=True)

    assert answer.status_code == 403, answer.text
    assert answer.headers["X-Cebsim-Rule"] == "message-type"
    assert answer.json()["error"]["rule"] == "message-type"
    assert gateway.stored() == before


def test_another_enterprise_reads_neither_the_receipts_nor_the_trail_of_a_document(gateway: Gateway) -> None:
    shop, rival = gateway.shop, gateway.rival
    document = order(shop)
    assert gateway.post(shop.message("CEB311", [document]), shop).status_code == 202
    guid = document.head.guid

    def read(path: str, api_key: str) -> httpx2.Response:
        return gateway.client.get(path, headers={"Authorization": f"Bearer {api_key}"})

    own = read("/ceb/receipts?after=0", shop.api_key).json()["receipts"]
    foreign = read("/ceb/receipts?after=0", rival.api_key).json()["receipts"]
    assert guid in [r["document_guid"] for r in own]
    assert guid not in [r["document_guid"] for r in foreign]
    assert read(f"/api/documents/by-guid/{guid}", shop.api_key).status_code == 200
    assert read(f"/api/documents/by-guid/{guid}", rival.api_key).status_code == 404
