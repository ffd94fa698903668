"""Writing CEB messages: spec order, exact number text, CST times, and refusals before bad output."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree

from declarations.codec import EncodeError, build, build_message, new_guid, parse_message
from declarations.domain.documents import Collection, Order, Receipt
from declarations.domain.messages import CHINA_STANDARD_TIME, BaseSubscribe, CebMessage
from schemas.definition import BY_CODE
from schemas.definition.model import CEB_NS
from tests.narrowing import of_type
from tests.unit.codec.builders import (
    GUID,
    make_base_transfer,
    make_format_receipt,
    make_order,
    make_order_head,
    make_payment,
    make_receipt,
    make_waybill,
)

NS = {"c": CEB_NS}


def _root(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def test_decimal_is_written_without_exponent() -> None:
    order = make_order(head=make_order_head(goods_value=Decimal("1E+2"), freight=Decimal("0.00001")))
    root = _root(build("CEB311", [order], base_transfer=make_base_transfer()))
    assert root.findtext("c:Order/c:OrderHead/c:goodsValue", namespaces=NS) == "100"
    assert root.findtext("c:Order/c:OrderHead/c:freight", namespaces=NS) == "0.00001"


def test_decimal_keeps_every_digit() -> None:
    value = Decimal("12345678912345.12345")
    order = make_order(head=make_order_head(goods_value=value))
    (parsed,) = parse_message(build("CEB311", [order], base_transfer=make_base_transfer())).documents
    assert str(of_type(Order, parsed).head.goods_value) == "12345678912345.12345"


def test_return_time_has_milliseconds_in_china_standard_time() -> None:
    utc_time = datetime(2024, 3, 8, 3, 27, 2, 345678, tzinfo=UTC)
    root = _root(build("CEB312", [make_receipt(return_time=utc_time)]))
    assert root.findtext("c:OrderReturn/c:returnTime", namespaces=NS) == "20240308112702345"


def test_app_time_in_another_zone_is_written_as_china_standard_time() -> None:
    tokyo = datetime(2024, 3, 8, 12, 27, 1, tzinfo=CHINA_STANDARD_TIME).astimezone(
        CHINA_STANDARD_TIME.__class__(timedelta(hours=9))
    )
    root = _root(build("CEB411", [make_payment(app_time=tokyo)], base_transfer=make_base_transfer()))
    assert root.findtext("c:Payment/c:PaymentHead/c:appTime", namespaces=NS) == "20240308122701"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(EncodeError, match="timezone-aware"):
        build("CEB312", [make_receipt(return_time=datetime(2024, 3, 8))])


def test_elements_follow_the_definition_order() -> None:
    root = _root(build("CEB511", [make_waybill(note="n", bill_no="B1")], base_transfer=make_base_transfer()))
    head = root.find("c:Logistics/c:LogisticsHead", NS)
    assert head is not None
    written = [etree.QName(e).localname for e in head]
    head_group = BY_CODE["CEB511"].documents.groups[0]
    expected = [field.name for field in head_group.fields if field.name in written]
    assert written == expected


def test_receipts_use_a_default_namespace_and_declarations_the_ceb_prefix() -> None:
    receipt = _root(build("CEB312", [make_receipt()]))
    order = _root(build("CEB311", [make_order()], base_transfer=make_base_transfer()))
    assert (receipt.prefix, order.prefix) == (None, "ceb")
    assert order[-1].tag == f"{{{CEB_NS}}}BaseTransfer"


def test_each_message_gets_a_fresh_upper_case_guid() -> None:
    first, second = (_root(build("CEB312", [make_receipt()])).get("guid") for _ in range(2))
    assert first != second
    assert len(new_guid()) == 36
    assert first is not None
    assert len(first) == 36
    assert first == first.upper()


def test_text_is_escaped() -> None:
    info = 'a<b & c>"d"\r\n'
    (receipt,) = parse_message(build("CEB312", [make_receipt(return_info=info)])).documents
    assert of_type(Receipt, receipt).return_info == info


def test_characters_xml_cannot_carry_are_refused() -> None:
    with pytest.raises(EncodeError, match="returnInfo"):
        build("CEB312", [make_receipt(return_info="bell\x07")])


def test_missing_required_value_is_refused_with_its_path() -> None:
    with pytest.raises(EncodeError) as caught:
        build("CEB312", [make_receipt(order_no=None)])
    assert caught.value.path == "/CEB312Message/OrderReturn/orderNo"


def test_wrong_value_type_is_refused() -> None:
    with pytest.raises(EncodeError, match="goodsValue"):
        build("CEB311", [make_order(head=make_order_head(goods_value=1.5))])


def test_wrong_record_type_is_refused() -> None:
    with pytest.raises(EncodeError, match="expected Order"):
        build("CEB311", [make_payment()])


@pytest.mark.parametrize("count", [0, 101])
def test_a_message_carries_one_to_one_hundred_documents(count: int) -> None:
    with pytest.raises(EncodeError, match=r"1\.\.100"):
        build("CEB312", [make_receipt()] * count)


def test_format_receipt_carries_exactly_one_document() -> None:
    with pytest.raises(EncodeError):
        build("CEB900", [make_format_receipt(), make_format_receipt()])


def test_an_order_without_lines_is_refused() -> None:
    with pytest.raises(EncodeError, match="OrderList"):
        build("CEB311", [replace(make_order(), lines=())])


def test_unknown_message_type_is_refused() -> None:
    with pytest.raises(EncodeError, match="CEB999"):
        build("CEB999", [make_receipt()])


def test_more_than_five_subscribers_are_refused() -> None:
    subscribers = [BaseSubscribe(status="ALL", dxp_mode="DXP", dxp_address=f"DXP{n}") for n in range(6)]
    with pytest.raises(EncodeError, match="BaseSubscribe"):
        build("CEB311", [make_order()], base_transfer=make_base_transfer(), base_subscribes=subscribers)


EXTEND = b'<ceb:ExtendMessage xmlns:ceb="http://www.chinaport.gov.cn/ceb"><ceb:name>x</ceb:name></ceb:ExtendMessage>'
SIGNATURE = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo></ds:SignedInfo></ds:Signature>'


def _collection() -> Collection:
    return Collection(
        guid=GUID,
        app_type="1",
        app_time=datetime(2024, 3, 8, 11, 27, 1, tzinfo=CHINA_STANDARD_TIME),
        app_status="2",
        ebp_code="1105910159",
        ebp_name="平台",
        ebc_code="1105910159",
        ebc_name="电商",
        order_no="order1",
        pay_name="现金支付",
        charge=Decimal("10.5"),
        currency="142",
        accounting_date=datetime(2024, 3, 8, 12, 0, 0, tzinfo=CHINA_STANDARD_TIME),
    )


@pytest.mark.parametrize(
    ("code", "trailer"),
    [("CEB311", ["ExtendMessage", "Signature"]), ("CEB403", ["Signature", "ExtendMessage"])],
)
def test_signature_and_extension_follow_their_family_order_and_survive_a_round_trip(
    code: str, trailer: list[str]
) -> None:
    message = CebMessage(
        message_type=code,
        guid=new_guid(),
        documents=(make_order() if code == "CEB311" else _collection(),),
        base_transfer=make_base_transfer(),
        base_subscribes=(BaseSubscribe(status="ALL", dxp_mode="DXP", dxp_address="DXP1"),),
        signature_xml=SIGNATURE,
        extend_message_xml=EXTEND,
    )
    xml = build_message(message)
    assert [etree.QName(element).localname for element in _root(xml)][-2:] == trailer
    assert parse_message(xml) == message
