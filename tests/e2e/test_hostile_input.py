"""Hostile input: every case is answered 4xx, nothing is stored, and the gateway keeps serving.

Invariant 5 (architecture §3): bad input gets a precise answer and changes nothing. A 400 is a
CEB900 format receipt that the project's own schema accepts, naming the line and path of each
violation; with `Accept: application/json` the same violations come as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from declarations.codec import parse_message
from declarations.domain.customs_documents import FormatReceipt
from schemas.loader import validate
from tests.e2e.builders import CEB_NS, Firm, dxp_envelope, order, receipts
from tests.e2e.conftest import MAX_BODY_BYTES, Gateway

ROOT = f'<ceb:CEB311Message xmlns:ceb="{CEB_NS}" guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0">'
END = "</ceb:CEB311Message>"


def with_doctype(doctype: str, content: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{ROOT}{content}{END}'.encode()


XXE_FILE = with_doctype(
    '<!DOCTYPE ceb:CEB311Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "<ceb:Order>&xxe;</ceb:Order>"
)
XXE_NETWORK = with_doctype(
    '<!DOCTYPE ceb:CEB311Message [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
    "<ceb:Order>&xxe;</ceb:Order>",
)
BILLION_LAUGHS = with_doctype(
    '<!DOCTYPE ceb:CEB311Message [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>",
    "<ceb:Order>&lol9;</ceb:Order>",
)
QUADRATIC_BLOWUP = with_doctype(
    f'<!DOCTYPE ceb:CEB311Message [<!ENTITY a "{"a" * 5000}">]>', f"<ceb:Order>{'&a;' * 5000}</ceb:Order>"
)
EXTERNAL_DTD = with_doctype('<!DOCTYPE ceb:CEB311Message SYSTEM "http://127.0.0.1:9/ceb.dtd">', "")
DEEP_NESTING = (
    f'<?xml version="1.0" encoding="UTF-8"?>{ROOT}{"<ceb:a>" * 5000}{"</ceb:a>" * 5000}{END}'.encode()
)


def valid_order(firm: Firm) -> bytes:
    return firm.message("CEB311", [order(firm)])


def swap(body: bytes, old: bytes, new: bytes) -> bytes:
    """`body` with every `old` replaced by `new`; `old` must be there, so no case is silently valid."""
    assert old in body, old
    return body.replace(old, new)


@dataclass(frozen=True)
class Case:
    """A hostile request: its body (built for the sending firm), content type and the expected status."""

    body: Callable[[Firm], bytes]
    status: int = 400
    content_type: str | None = "application/xml"


def _constant(data: bytes) -> Callable[[Firm], bytes]:
    return lambda _: data


CASES: dict[str, Case] = {
    "XXE reading a file": Case(_constant(XXE_FILE)),
    "XXE over the network": Case(_constant(XXE_NETWORK)),
    "billion laughs": Case(_constant(BILLION_LAUGHS)),
    "quadratic blow-up": Case(_constant(QUADRATIC_BLOWUP)),
    "an external DTD": Case(_constant(EXTERNAL_DTD)),
    "five thousand nested elements": Case(_constant(DEEP_NESTING)),
    "invalid UTF-8 in a value": Case(
        lambda f: swap(valid_order(f), b"<ceb:consignee>", b"<ceb:consignee>\xff\xfe")
    ),
    "the wrong namespace": Case(lambda f: swap(valid_order(f), CEB_NS.encode(), b"http://example.com/ceb")),
    "two root elements": Case(lambda f: valid_order(f) + valid_order(f).split(b"?>", 1)[1]),
    "trailing garbage": Case(lambda f: valid_order(f) + b"garbage"),
    "an empty body": Case(_constant(b"")),
    "whitespace only": Case(_constant(b" \n\t ")),
    "a DxpMsg whose Data is not base64": Case(lambda f: dxp_envelope(b"", f, data="QUJD*&^%$RA==")),
    "a DxpMsg whose Data is base64 of nothing": Case(lambda f: dxp_envelope(b"", f, data="")),
    "a DxpMsg carrying an XXE": Case(lambda f: dxp_envelope(XXE_FILE, f)),
    "a DxpMsg carrying a billion laughs": Case(lambda f: dxp_envelope(BILLION_LAUGHS, f)),
    "a DxpMsg carrying a schema-invalid order": Case(
        lambda f: dxp_envelope(swap(valid_order(f), b"ceb:orderNo>", b"ceb:orderNumber>"), f)
    ),
    "a schema-invalid order": Case(
        lambda f: swap(valid_order(f), b"<ceb:goodsValue>301", b"<ceb:goodsValue>abc")
    ),
    "a body over the size limit": Case(_constant(b" " * (MAX_BODY_BYTES + 1)), status=413),
    "text/plain": Case(valid_order, status=415, content_type="text/plain"),
    "application/json": Case(valid_order, status=415, content_type="application/json"),
    "no content type": Case(valid_order, status=415, content_type=None),
}
FORMAT_CASES = [name for name, case in CASES.items() if case.status == 400]


@pytest.mark.parametrize("name", CASES)
def test_hostile_input_is_refused_with_nothing_stored_and_the_gateway_still_serves(
    shared_gateway: Gateway, name: str
) -> None:
    case = CASES[name]
    before = shared_gateway.stored()

    answer = shared_gateway.post(
        case.body(shared_gateway.shop), shared_gateway.shop, content_type=case.content_type
    )

    assert answer.status_code == case.status, answer.text
    assert shared_gateway.stored() == before
    assert_still_serving(shared_gateway)


@pytest.mark.parametrize("name", FORMAT_CASES)
def test_a_format_refusal_is_a_schema_valid_ceb900_naming_line_and_path(
    shared_gateway: Gateway, name: str
) -> None:
    answer = shared_gateway.post(CASES[name].body(shared_gateway.shop), shared_gateway.shop)

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/xml")
    verdict = validate(answer.content)
    assert verdict.valid, verdict.violations
    assert verdict.message_type == "CEB900"
    (receipt,) = parse_message(answer.content).documents
    assert isinstance(receipt, FormatReceipt)
    assert receipt.return_status.startswith("-")
    assert receipt.return_info.startswith("line ")
    assert " /" in receipt.return_info  # "line N /path: message"


@pytest.mark.parametrize("name", FORMAT_CASES)
def test_a_format_refusal_in_json_lists_each_violation_with_line_and_path(
    shared_gateway: Gateway, name: str
) -> None:
    answer = shared_gateway.post(CASES[name].body(shared_gateway.shop), shared_gateway.shop, json=True)

    assert answer.status_code == 400
    body = answer.json()
    assert body["message_type"] == "CEB900"
    assert body["return_status"].startswith("-")
    assert body["violations"]
    for violation in body["violations"]:
        assert isinstance(violation["line"], int)
        assert violation["path"].startswith("/")
        assert violation["message"]


def test_a_schema_violation_names_the_element_and_its_line(shared_gateway: Gateway) -> None:
    body = swap(valid_order(shared_gateway.shop), b"<ceb:goodsValue>301", b"\n<ceb:goodsValue>abc")
    line = body[: body.index(b"<ceb:goodsValue>")].count(b"\n") + 1

    (violation,) = shared_gateway.post(body, shared_gateway.shop, json=True).json()["violations"]

    assert violation["line"] == line
    assert violation["path"].endswith("goodsValue")


def test_a_dxp_envelope_keeps_its_cop_msg_id_in_the_format_receipt(shared_gateway: Gateway) -> None:
    envelope = dxp_envelope(XXE_FILE, shared_gateway.shop)
    cop_msg_id = envelope.split(b"<CopMsgId>")[1].split(b"</CopMsgId>")[0].decode()

    (receipt,) = parse_message(shared_gateway.post(envelope, shared_gateway.shop).content).documents

    assert isinstance(receipt, FormatReceipt)
    assert receipt.ori_cop_msg_id == cop_msg_id


def test_a_valid_order_in_a_dxp_envelope_is_accepted(shared_gateway: Gateway) -> None:
    answer = shared_gateway.post(
        dxp_envelope(valid_order(shared_gateway.shop), shared_gateway.shop), shared_gateway.shop
    )

    assert answer.status_code == 202, answer.text


def test_a_dxp_envelope_from_another_enterprises_dxp_id_is_refused(shared_gateway: Gateway) -> None:
    shop, rival = shared_gateway.shop, shared_gateway.rival
    before = shared_gateway.stored()

    answer = shared_gateway.post(dxp_envelope(valid_order(shop), shop, sender_id=rival.dxp_id), shop)

    assert (answer.status_code, answer.headers["X-Cebsim-Rule"]) == (403, "own-code")
    (receipt,) = receipts(answer)
    assert receipt.return_status == "-10102"
    assert f"TransInfo/SenderId '{rival.dxp_id}'" in receipt.return_info
    assert shared_gateway.stored() == before


def test_a_dxp_envelope_whose_msg_type_is_not_the_message_it_carries_is_a_format_error(
    shared_gateway: Gateway,
) -> None:
    shop = shared_gateway.shop
    before = shared_gateway.stored()

    answer = shared_gateway.post(
        dxp_envelope(valid_order(shop), shop, msg_type="CEB411Message"), shop, json=True
    )

    assert answer.status_code == 400
    (violation,) = answer.json()["violations"]
    assert violation["path"] == "/dxp:DxpMsg/dxp:TransInfo/dxp:MsgType"
    assert (
        violation["message"] == "MsgType 'CEB411Message' does not name the message in Data, a CEB311Message"
    )
    assert shared_gateway.stored() == before


def chunks(size: int, chunk: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        part = min(chunk, size - sent)
        sent += part
        yield b" " * part


def test_an_oversize_body_streamed_without_content_length_is_refused_413(shared_gateway: Gateway) -> None:
    before = shared_gateway.stored()

    answer = shared_gateway.client.post(
        "/ceb/messages",
        content=chunks(MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/xml", "Authorization": f"Bearer {shared_gateway.shop.api_key}"},
    )

    assert answer.status_code == 413
    assert answer.json()["error"]["rule"] == "body-size"
    assert shared_gateway.stored() == before
    assert_still_serving(shared_gateway)


def test_an_oversize_body_under_a_lying_content_length_is_refused_413(shared_gateway: Gateway) -> None:
    before = shared_gateway.stored()

    answer = shared_gateway.client.post(
        "/ceb/messages",
        content=chunks(MAX_BODY_BYTES * 2),
        headers={
            "Content-Type": "application/xml",
            "Content-Length": "100",
            "Authorization": f"Bearer {shared_gateway.shop.api_key}",
        },
    )

    assert answer.status_code == 413
    assert shared_gateway.stored() == before
    assert_still_serving(shared_gateway)


def test_a_content_length_over_the_limit_is_refused_before_reading(shared_gateway: Gateway) -> None:
    answer = shared_gateway.post(b" " * (MAX_BODY_BYTES + 1), shared_gateway.shop, json=True)

    assert answer.status_code == 413
    assert answer.json()["error"]["rule"] == "body-size"


def test_a_wrong_content_type_is_refused_415_with_the_rule_named(shared_gateway: Gateway) -> None:
    answer = shared_gateway.post(
        valid_order(shared_gateway.shop), shared_gateway.shop, content_type="text/plain", json=True
    )

    assert answer.status_code == 415
    assert answer.json()["error"]["rule"] == "content-type"


@pytest.mark.parametrize("content_type", ["application/xml; charset=utf-8", "text/xml", "APPLICATION/XML"])
def test_the_xml_content_types_are_accepted(shared_gateway: Gateway, content_type: str) -> None:
    answer = shared_gateway.post(
        valid_order(shared_gateway.shop), shared_gateway.shop, content_type=content_type
    )

    assert answer.status_code == 202, answer.text


def assert_still_serving(gateway: Gateway) -> None:
    documents, receipts = gateway.stored()

    answer = gateway.post(valid_order(gateway.shop), gateway.shop)

    assert answer.status_code == 202, answer.text
    assert gateway.stored() == (documents + 1, receipts + 1)
