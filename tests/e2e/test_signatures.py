"""XML-DSig at the gateway (domain §6), with signatures required as in production.

A declared document (appStatus=2) needs an enveloped signature by a certificate registered to the
sender. Every failure is a 403 with the receipts carrying the business code (-621029 for an import
list, the transport code -1001/-1002/-1004 otherwise) and `X-Cebsim-Rule: signature:<code>`; nothing
is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from declarations.codec import build
from gateway.signature import KeyKind, sign_message
from tests.e2e.builders import (
    CEB_NS,
    Firm,
    element,
    identity_for,
    inventory_list,
    order,
    serialised,
    statuses,
    tree,
)
from tests.e2e.conftest import Gateway
from tests.unit.codec.builders import make_base_transfer
from tests.unit.signature.builders import resign, set_digest_of

EXTEND_MESSAGE = (
    f'<ceb:ExtendMessage xmlns:ceb="{CEB_NS}"><ceb:name>local</ceb:name>'
    "<ceb:version>1.0</ceb:version><ceb:Message/></ceb:ExtendMessage>"
).encode()


def unsigned_order(firm: Firm, *, extend: bool = False, **head: object) -> bytes:
    transfer = make_base_transfer(cop_code=firm.code, dxp_id=firm.dxp_id)
    return build(
        "CEB311",
        [order(firm, **head)],
        base_transfer=transfer,
        extend_message_xml=EXTEND_MESSAGE if extend else None,
    )


def signed_order(firm: Firm, algorithm: str = "rsa-sha256", *, extend: bool = False) -> etree._Element:
    return tree(sign_message(unsigned_order(firm, extend=extend), firm.identity(algorithm), algorithm))


@pytest.mark.parametrize("algorithm", ["rsa-sha1", "rsa-sha256", "sm2-sm3"])
def test_an_order_signed_with_a_registered_certificate_is_accepted(gateway: Gateway, algorithm: str) -> None:
    shop = gateway.shop
    answer = gateway.post(shop.message("CEB311", [order(shop)], algorithm=algorithm), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "sm2-sm3"])
def test_an_import_list_signed_with_a_registered_certificate_is_accepted(
    gateway: Gateway, algorithm: str
) -> None:
    shop = gateway.shop
    answer = gateway.post(shop.message("CEB621", [inventory_list(shop)], algorithm=algorithm), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]


def test_a_declared_order_without_a_signature_is_refused_with_1001(gateway: Gateway) -> None:
    before = gateway.stored()

    answer = gateway.post(unsigned_order(gateway.shop), gateway.shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert statuses(answer) == ["-1001"]
    assert gateway.stored() == before


def test_an_import_list_without_a_signature_is_a_format_error_as_in_the_official_xsd(
    gateway: Gateway,
) -> None:
    # CEB621/623/625/711 make ds:Signature mandatory in the official XSD (even for drafts), so a
    # stripped list never reaches the signature check: CEB900, not -621029
    shop = gateway.shop
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB621", [inventory_list(shop)], algorithm=None), shop, json=True)

    assert answer.status_code == 400
    (violation,) = answer.json()["violations"]
    assert "ds:Signature" in violation["message"]
    assert gateway.stored() == before


def test_an_import_list_signed_by_a_foreign_certificate_is_refused_with_621029(gateway: Gateway) -> None:
    shop = gateway.shop
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB621", [inventory_list(shop)], signer=gateway.rival.rsa), shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert statuses(answer) == ["-621029"]
    assert gateway.stored() == before


def test_a_value_altered_after_signing_is_refused_with_1004(gateway: Gateway) -> None:
    root = signed_order(gateway.shop)
    element(root, "ceb:Order/ceb:OrderHead/ceb:consignee").text = "另一个人"
    before = gateway.stored()

    answer = gateway.post(serialised(root), gateway.shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1004"
    assert statuses(answer) == ["-1004"]
    assert gateway.stored() == before


def test_a_list_altered_after_signing_is_refused_with_621029(gateway: Gateway) -> None:
    shop = gateway.shop
    root = tree(shop.message("CEB621", [inventory_list(shop)]))
    element(root, "ceb:Inventory/ceb:InventoryHead/ceb:buyerName").text = "另一个人"

    answer = gateway.post(serialised(root), shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1004"
    assert statuses(answer) == ["-621029"]


def test_an_altered_signature_value_is_refused_with_1001(gateway: Gateway) -> None:
    root = signed_order(gateway.shop)
    value = element(root, "ds:Signature/ds:SignatureValue")
    text = value.text or ""
    value.text = ("B" if text.startswith("A") else "A") + text[1:]
    before = gateway.stored()

    answer = gateway.post(serialised(root), gateway.shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert statuses(answer) == ["-1001"]
    assert gateway.stored() == before


def test_a_signature_moved_into_the_extend_message_is_refused(gateway: Gateway) -> None:
    root = signed_order(gateway.shop, extend=True)
    signature = element(root, "ds:Signature")
    element(root, "ceb:ExtendMessage/ceb:Message").append(signature)  # lxml moves it
    before = gateway.stored()

    answer = gateway.post(serialised(root), gateway.shop)

    assert answer.status_code == 403, answer.text
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert statuses(answer) == ["-1001"]
    assert gateway.stored() == before


def test_a_duplicated_signature_is_refused(gateway: Gateway) -> None:
    root = signed_order(gateway.shop, extend=True)
    copy = etree.fromstring(etree.tostring(element(root, "ds:Signature")))
    element(root, "ceb:ExtendMessage/ceb:Message").append(copy)
    before = gateway.stored()

    answer = gateway.post(serialised(root), gateway.shop)

    assert answer.status_code == 403, answer.text
    assert statuses(answer) == ["-1001"]
    assert gateway.stored() == before


def test_a_signature_re_made_over_a_wrapped_copy_referenced_by_id_is_refused(gateway: Gateway) -> None:
    # the sender's own key signs a Reference to a copy kept in ExtendMessage, while the order changed:
    # every digest and signature value is right, only the shape of the Signature gives it away
    shop = gateway.shop
    root = signed_order(shop, extend=True)
    wrapper = etree.SubElement(element(root, "ceb:ExtendMessage/ceb:Message"), "wrapped", Id="original")
    wrapper.append(etree.fromstring(etree.tostring(element(root, "ceb:Order"))))
    element(root, "ceb:Order/ceb:OrderHead/ceb:consignee").text = "另一个人"
    element(root, "ds:Signature/ds:SignedInfo/ds:Reference").set("URI", "#original")
    set_digest_of(root, wrapper)
    resign(root, shop.rsa)
    before = gateway.stored()

    answer = gateway.post(serialised(root), shop)

    assert answer.status_code == 403, answer.text
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert statuses(answer) == ["-1001"]
    assert gateway.stored() == before


def test_a_reference_to_another_element_on_a_schema_valid_message_is_refused_403(gateway: Gateway) -> None:
    root = signed_order(gateway.shop)
    element(root, "ds:Signature/ds:SignedInfo/ds:Reference").set("URI", "#xpointer(/)")
    before = gateway.stored()

    answer = gateway.post(serialised(root), gateway.shop)

    assert answer.status_code == 403, answer.text
    assert statuses(answer) == ["-1001"]
    assert gateway.stored() == before


def test_the_signed_original_kept_in_a_wrapper_while_the_order_changed_is_refused(gateway: Gateway) -> None:
    root = signed_order(gateway.shop, extend=True)
    original = etree.fromstring(etree.tostring(element(root, "ceb:Order")))
    element(root, "ceb:ExtendMessage/ceb:Message").append(original)
    element(root, "ceb:Order/ceb:OrderHead/ceb:consignee").text = "另一个人"
    before = gateway.stored()

    answer = gateway.post(serialised(root), gateway.shop)

    assert answer.status_code == 403, answer.text
    assert statuses(answer) == ["-1004"]
    assert gateway.stored() == before


def test_a_certificate_registered_to_another_enterprise_is_refused(gateway: Gateway) -> None:
    shop, rival = gateway.shop, gateway.rival
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop)], signer=rival.rsa), shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert statuses(answer) == ["-1001"]
    assert "another enterprise" in answer.text
    assert gateway.stored() == before


def test_an_unregistered_certificate_in_the_senders_own_name_is_refused(gateway: Gateway) -> None:
    shop = gateway.shop
    stranger = identity_for(shop.code, shop.enterprise.name, KeyKind.RSA, slot="unregistered")
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop)], signer=stranger), shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1001"
    assert "not registered" in answer.text
    assert gateway.stored() == before


def test_an_expired_registered_certificate_is_refused_with_1002(gateway: Gateway) -> None:
    shop = gateway.shop
    now = datetime.now(UTC)
    expired = identity_for(
        shop.code,
        shop.enterprise.name,
        KeyKind.SM2,
        valid_from=now - timedelta(days=400),
        valid_to=now - timedelta(days=1),
        slot="expired",
    )
    gateway.add_certificate(shop.code, expired)
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop)], signer=expired, algorithm="sm2-sm3"), shop)

    assert answer.status_code == 403
    assert answer.headers["X-Cebsim-Rule"] == "signature:1002"
    assert statuses(answer) == ["-1002"]
    assert gateway.stored() == before


def test_a_draft_order_without_a_signature_is_accepted_as_a_draft(gateway: Gateway) -> None:
    shop = gateway.shop
    before = gateway.stored()

    answer = gateway.post(shop.message("CEB311", [order(shop, app_status="1")], algorithm=None), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["1"]
    assert gateway.stored() == (before[0] + 1, before[1] + 1)


def test_a_signed_draft_import_list_is_accepted_as_a_draft(gateway: Gateway) -> None:
    shop = gateway.shop

    answer = gateway.post(shop.message("CEB621", [inventory_list(shop, app_status="1")]), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["1"]


def test_a_draft_with_a_broken_signature_is_still_refused(gateway: Gateway) -> None:
    shop = gateway.shop
    root = tree(sign_message(unsigned_order(shop, app_status="1"), shop.rsa, "rsa-sha256"))
    element(root, "ceb:Order/ceb:OrderHead/ceb:consignee").text = "另一个人"

    answer = gateway.post(serialised(root), shop)

    assert answer.status_code == 403
    assert statuses(answer) == ["-1004"]


def test_unsigned_declarations_are_accepted_when_signatures_are_relaxed(lenient_gateway: Gateway) -> None:
    shop = lenient_gateway.shop

    answer = lenient_gateway.post(unsigned_order(shop), shop)

    assert answer.status_code == 202, answer.text
    assert statuses(answer) == ["2"]


def test_a_refusal_answers_in_json_with_the_business_code(gateway: Gateway) -> None:
    answer = gateway.post(unsigned_order(gateway.shop), gateway.shop, json=True)

    assert answer.status_code == 403
    (receipt,) = answer.json()["receipts"]
    assert receipt["return_status"] == "-1001"
    assert answer.json()["message_type"] == "CEB312"
