"""Reading CEB messages: encodings, namespaces, one record per document, precise decoding errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from declarations.codec import DecodeError, build, parse_message
from declarations.codec.plans import leaf_plan
from declarations.domain.documents import InventoryList, Order, Receipt
from declarations.domain.messages import CHINA_STANDARD_TIME
from declarations.domain.values import value
from declarations.errors import RequestError
from schemas.definition.model import Field, Group
from tests.narrowing import of_type
from tests.unit.codec.builders import (
    make_base_transfer,
    make_inventory_list,
    make_order,
    make_order_head,
    make_receipt,
)

MESSAGE_GUID = "0B5D0C8E-5A47-4E0E-9C1D-6B1F0E2A9D11"


def _order_xml(**head: object) -> bytes:
    order = make_order(head=make_order_head(**head))
    return build("CEB311", [order], guid=MESSAGE_GUID, base_transfer=make_base_transfer())


def test_order_with_three_documents_gives_three_records() -> None:
    orders = [make_order(head=make_order_head(order_no=f"order{n}")) for n in range(3)]
    message = parse_message(build("CEB311", orders, base_transfer=make_base_transfer()))
    assert message.documents == tuple(orders)
    assert all(isinstance(document, Order) for document in message.documents)


def test_message_carries_its_type_guid_version_and_transfer() -> None:
    xml = build("CEB311", [make_order()], guid="A" * 36, base_transfer=make_base_transfer())
    message = parse_message(xml)
    assert (message.message_type, message.guid, message.version) == ("CEB311", "A" * 36, "1.0")
    assert message.base_transfer == make_base_transfer()


def test_times_are_china_standard_time_and_money_is_decimal() -> None:
    head = parse_message(_order_xml()).documents[0]
    assert isinstance(head, Order)
    assert head.head.app_time == datetime(2024, 3, 8, 11, 27, 1, tzinfo=CHINA_STANDARD_TIME)
    assert head.head.app_time.utcoffset() is not None
    assert head.head.actural_paid == Decimal("328.99")


def test_list_declaration_time_reads_as_a_date() -> None:
    xml = build("CEB621", [make_inventory_list()], base_transfer=make_base_transfer())
    (inventory,) = parse_message(xml).documents
    assert of_type(InventoryList, inventory).head.decl_time == date(2024, 3, 8)


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_message(b"\xef\xbb\xbf" + _order_xml()) == parse_message(_order_xml())


def test_default_namespace_reads_like_the_ceb_prefix() -> None:
    receipt_xml = build("CEB312", [make_receipt()])
    prefixed = receipt_xml.replace(b"<CEB312", b"<ceb:CEB312").replace(b"</CEB312", b"</ceb:CEB312")
    prefixed = prefixed.replace(b'xmlns="', b'xmlns:ceb="')
    prefixed = prefixed.replace(b"<OrderReturn>", b"<ceb:OrderReturn>").replace(
        b"</OrderReturn>", b"</ceb:OrderReturn>"
    )
    for name in (b"guid", b"ebpCode", b"ebcCode", b"orderNo", b"returnStatus", b"returnTime", b"returnInfo"):
        prefixed = prefixed.replace(b"<" + name + b">", b"<ceb:" + name + b">")
        prefixed = prefixed.replace(b"</" + name + b">", b"</ceb:" + name + b">")
    assert etree.fromstring(prefixed).prefix == "ceb"
    assert parse_message(prefixed) == parse_message(receipt_xml)


@pytest.mark.parametrize("encoding", ["GB18030", "GBK", "gb2312"])
def test_chinese_national_encodings_are_transcoded(encoding: str) -> None:
    utf8 = _order_xml()
    declared = utf8.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding}"')
    message = parse_message(declared.encode(encoding))
    assert message == parse_message(utf8)
    assert of_type(Order, message.documents[0]).head.consignee == "焦洪宇"


def test_undecodable_gbk_bytes_are_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        parse_message(b'<?xml version="1.0" encoding="GBK"?><a>\x81</a>')


def test_an_element_tree_is_accepted_as_well_as_bytes() -> None:
    xml = _order_xml()
    tree = etree.ElementTree(etree.fromstring(xml))
    assert parse_message(tree) == parse_message(tree.getroot()) == parse_message(xml)


def test_bad_decimal_names_the_element_path_and_line() -> None:
    xml = _order_xml().replace(
        b"<ceb:goodsValue>301</ceb:goodsValue>", b"\n<ceb:goodsValue>1E2</ceb:goodsValue>"
    )
    with pytest.raises(DecodeError) as caught:
        parse_message(xml)
    assert caught.value.path == "/CEB311Message/Order/OrderHead/goodsValue"
    assert caught.value.line == 3


def test_bad_date_in_a_time_field_is_a_decode_error_naming_the_document() -> None:
    orders = [make_order(), make_order(head=make_order_head(order_no="second"))]
    xml = build("CEB311", orders, base_transfer=make_base_transfer())
    second = xml.rindex(b"20240308112701")
    xml = xml[:second] + b"20241308112701" + xml[second + 14 :]
    with pytest.raises(DecodeError) as caught:
        parse_message(xml)
    assert caught.value.path == "/CEB311Message/Order[2]/OrderHead/appTime"


def test_missing_required_element_is_a_decode_error() -> None:
    xml = _order_xml().replace(b"<ceb:orderNo>order20240308001</ceb:orderNo>", b"")
    with pytest.raises(DecodeError, match="required element missing") as caught:
        parse_message(xml)
    assert caught.value.path == "/CEB311Message/Order/OrderHead/orderNo"


def test_empty_optional_element_reads_as_none() -> None:
    xml = _order_xml().replace(b"</ceb:consigneeAddress>", b"</ceb:consigneeAddress><ceb:note></ceb:note>")
    assert of_type(Order, parse_message(xml).documents[0]).head.note is None


def test_receipt_keys_the_message_type_lacks_stay_none() -> None:
    (receipt,) = parse_message(build("CEB412", [make_receipt()])).documents
    assert isinstance(receipt, Receipt)
    assert receipt.pay_transaction_id == "20240308000001"
    assert receipt.order_no is None


def test_doctype_is_refused() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    with pytest.raises(DecodeError, match="DOCTYPE"):
        parse_message(xml)


def test_malformed_xml_is_a_decode_error_with_its_line() -> None:
    with pytest.raises(DecodeError) as caught:
        parse_message(b"<ceb:CEB311Message\n xmlns:ceb='http://www.chinaport.gov.cn/ceb'>\n<oops>")
    assert caught.value.line is not None


@pytest.mark.parametrize(
    "xml",
    [
        b'<CEB999Message xmlns="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>',
        b'<CEB311Message xmlns="urn:other" guid="x" version="1.0"/>',
    ],
)
def test_a_root_that_is_not_a_ceb_message_is_refused(xml: bytes) -> None:
    with pytest.raises(DecodeError, match="not a CEB message root"):
        parse_message(xml)


def test_a_message_without_documents_is_refused() -> None:
    with pytest.raises(DecodeError, match="no document"):
        parse_message(b'<CEB312Message xmlns="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>')


def test_a_message_without_guid_is_refused() -> None:
    xml = build("CEB312", [make_receipt()]).replace(b' guid="', b' gid="')
    with pytest.raises(DecodeError, match="@guid"):
        parse_message(xml)


def test_decode_error_is_a_request_error_that_names_where() -> None:
    xml = _order_xml().replace(b"<ceb:qty>2</ceb:qty>", b"<ceb:qty>two</ceb:qty>")
    with pytest.raises(RequestError) as caught:
        parse_message(xml)
    assert str(caught.value).startswith("/CEB311Message/Order/OrderList/qty (line 2)")


def test_a_plan_refuses_a_record_whose_optional_field_does_not_default_to_none() -> None:
    @value(kw_only=True)
    class Strict:
        code: str
        note: str = ""  # the reader leaves an absent <note> out: the record would say ""

    group = Group("Strict", 1, 1, (Field("code", "C..10", True), Field("note", "C..10", False)))
    with pytest.raises(TypeError, match=r"Strict\.note"):
        leaf_plan(group, Strict)
