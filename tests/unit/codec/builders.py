"""Test builders: one valid record of each kind, with keyword overrides (`make_order(note="x")`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from declarations.domain.documents import (
    FormatReceipt,
    InventoryCancel,
    InventoryList,
    InventoryListHead,
    InventoryListLine,
    InventoryReturn,
    InventoryReturnHead,
    InventoryReturnLine,
    Order,
    OrderHead,
    OrderLine,
    Payment,
    Receipt,
    SummaryResult,
    SummaryResultHead,
    SummaryResultLine,
    TaxBill,
    TaxBillHead,
    TaxBillLine,
    TaxBillStatus,
    Waybill,
)
from declarations.domain.messages import CHINA_STANDARD_TIME, BaseTransfer

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
NOW = datetime(2024, 3, 8, 11, 27, 1, tzinfo=CHINA_STANDARD_TIME)
RETURN_TIME = datetime(2024, 3, 8, 11, 27, 2, 345000, tzinfo=CHINA_STANDARD_TIME)


def make_base_transfer(**overrides: Any) -> BaseTransfer:
    values: dict[str, Any] = {
        "cop_code": "1105910159",
        "cop_name": "东方物通科技(北京)有限公司",
        "dxp_mode": "DXP",
        "dxp_id": "DXPENT0000000001",
    }
    return BaseTransfer(**(values | overrides))


def make_order_line(**overrides: Any) -> OrderLine:
    values: dict[str, Any] = {
        "gnum": 1,
        "item_no": "AF001-001",
        "item_name": "奶粉",
        "gmodel": "900g",
        "unit": "007",
        "qty": Decimal("2"),
        "price": Decimal("150.5"),
        "total_price": Decimal("301"),
        "currency": "142",
        "country": "116",
    }
    return OrderLine(**(values | overrides))


def make_order_head(**overrides: Any) -> OrderHead:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "order_type": "I",
        "order_no": "order20240308001",
        "ebp_code": "1105910159",
        "ebp_name": "东方物通科技(北京)有限公司",
        "ebc_code": "1105910159",
        "ebc_name": "东方物通科技(北京)有限公司",
        "goods_value": Decimal("301"),
        "freight": Decimal("0"),
        "discount": Decimal("0"),
        "tax_total": Decimal("27.99"),
        "actural_paid": Decimal("328.99"),
        "currency": "142",
        "buyer_reg_no": "ID20240001",
        "buyer_name": "焦洪宇",
        "buyer_telephone": "13522652231",
        "buyer_id_type": "1",
        "buyer_id_number": "130681199001010011",
        "consignee": "焦洪宇",
        "consignee_telephone": "13522652231",
        "consignee_address": "北京市海淀区",
    }
    return OrderHead(**(values | overrides))


def make_order(**overrides: Any) -> Order:
    values: dict[str, Any] = {"head": make_order_head(), "lines": (make_order_line(),)}
    return Order(**(values | overrides))


def make_payment(**overrides: Any) -> Payment:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "pay_code": "1105910159",
        "pay_name": "支付公司",
        "pay_transaction_id": "20240308000001",
        "order_no": "order20240308001",
        "ebp_code": "1105910159",
        "ebp_name": "东方物通科技(北京)有限公司",
        "payer_id_type": "1",
        "payer_id_number": "130681199001010011",
        "payer_name": "焦洪宇",
        "amount_paid": Decimal("328.99"),
        "currency": "142",
        "pay_time": NOW,
    }
    return Payment(**(values | overrides))


def make_waybill(**overrides: Any) -> Waybill:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "logistics_code": "1105910159",
        "logistics_name": "物流公司",
        "logistics_no": "LN20240308001",
        "order_no": "order20240308001",
        "currency": "142",
        "weight": Decimal("1.25"),
        "pack_no": 1,
        "consignee": "焦洪宇",
        "consignee_address": "北京市海淀区",
        "consignee_telephone": "13522652231",
    }
    return Waybill(**(values | overrides))


def make_inventory_line(**overrides: Any) -> InventoryListLine:
    values: dict[str, Any] = {
        "gnum": 1,
        "gcode": "0402290000",
        "gname": "奶粉",
        "gmodel": "900g",
        "country": "116",
        "currency": "142",
        "qty": Decimal("2"),
        "unit": "007",
        "qty1": Decimal("1.8"),
        "unit1": "035",
        "price": Decimal("150.5"),
        "total_price": Decimal("301"),
    }
    return InventoryListLine(**(values | overrides))


def make_inventory_head(**overrides: Any) -> InventoryListHead:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "order_no": "order20240308001",
        "ebp_code": "1105910159",
        "ebp_name": "平台",
        "ebc_code": "1105910159",
        "ebc_name": "电商",
        "logistics_no": "LN20240308001",
        "logistics_code": "1105910159",
        "logistics_name": "物流公司",
        "assure_code": "1105910159",
        "ie_flag": "I",
        "decl_time": date(2024, 3, 8),
        "customs_code": "5141",
        "port_code": "5141",
        "buyer_id_type": "1",
        "buyer_id_number": "130681199001010011",
        "buyer_name": "焦洪宇",
        "buyer_telephone": "13522652231",
        "consignee_address": "北京市海淀区",
        "agent_code": "1105910159",
        "agent_name": "报关行",
        "trade_mode": "9610",
        "traf_mode": "5",
        "country": "116",
        "freight": Decimal("0"),
        "insured_fee": Decimal("0"),
        "currency": "142",
        "pack_no": 1,
        "gross_weight": Decimal("1.25"),
        "net_weight": Decimal("1.1"),
    }
    return InventoryListHead(**(values | overrides))


def make_inventory_list(**overrides: Any) -> InventoryList:
    values: dict[str, Any] = {"head": make_inventory_head(), "lines": (make_inventory_line(),)}
    return InventoryList(**(values | overrides))


RECEIPT_KEYS: dict[str, Any] = {
    "ebp_code": "1105910159",
    "ebc_code": "1105910159",
    "order_no": "order20240308001",
    "pay_code": "1105910159",
    "pay_transaction_id": "20240308000001",
    "pay_no": "PAY0001",
    "logistics_code": "1105910159",
    "logistics_no": "LN20240308001",
    "logistics_status": "S",
    "customs_code": "5141",
    "agent_code": "1105910159",
    "operator_code": "1105910159",
    "cop_no": "COP0001",
    "pre_no": "B20240308000000001",
    "invt_no": "514120240000000001",
    "rkd_no": "RKD0001",
    "bill_no": "BILL0001",
    "msg_seq_no": 1,
    "sum_no": "514120240000000002",
    "statistics_flag": "A",
    "co_el_no": "COEL0001",
}


def make_inventory_cancel(inventory: InventoryList | None = None, **overrides: Any) -> InventoryCancel:
    """A cancellation (CEB623) of `inventory` (the builders' list by default), its keys copied."""
    head = (inventory or make_inventory_list()).head
    copied = ("customs_code", "order_no", "ebp_code", "ebp_name", "ebc_code", "ebc_name", "logistics_no",
              "logistics_code", "logistics_name", "buyer_id_type", "buyer_id_number", "buyer_name",
              "buyer_telephone", "agent_code", "agent_name")  # fmt: skip
    values: dict[str, Any] = {name: getattr(head, name) for name in copied} | {
        "guid": "5DE2B1C4-3A2B-4C1D-9E8F-0A1B2C3D4E5F",
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "invt_no": "51412024I000000001",
        "reason": "消费者取消订单",
    }
    return InventoryCancel(**(values | overrides))


def make_inventory_return(
    inventory: InventoryList | None = None,
    returned: tuple[tuple[int, str], ...] = ((1, "1"),),
    **overrides: Any,
) -> InventoryReturn:
    """A return (CEB625) of `inventory` (the builders' list by default): (gnum, quantity) per line."""
    listed = inventory or make_inventory_list()
    cancel = make_inventory_cancel(listed)
    head_fields = {
        name: getattr(cancel, name)
        for name in InventoryReturnHead.__dataclass_fields__
        if hasattr(cancel, name)
    }
    head = InventoryReturnHead(**(head_fields | {"guid": "7F2B1C4D-3A2B-4C1D-9E8F-0A1B2C3D4E5F"} | overrides))
    by_gnum = {line.gnum: line for line in listed.lines}
    lines = tuple(
        InventoryReturnLine(
            gnum=gnum, gcode=by_gnum[gnum].gcode if gnum in by_gnum else "0402290000",
            gname=by_gnum[gnum].gname if gnum in by_gnum else "奶粉", qty=Decimal(qty),
            unit=by_gnum[gnum].unit if gnum in by_gnum else "122",
        )
        for gnum, qty in returned
    )  # fmt: skip
    return InventoryReturn(head=head, lines=lines)


def make_receipt(**overrides: Any) -> Receipt:
    """A receipt with every business key set, so it suits any receipt message type."""
    values: dict[str, Any] = {
        "guid": GUID,
        "return_status": "2",
        "return_time": RETURN_TIME,
        "return_info": "新增申报成功[4CDE1CFD-EDED-46B1-946C-B8022E42FC94]",
        **RECEIPT_KEYS,
    }
    return Receipt(**(values | overrides))


def make_tax_bill(**overrides: Any) -> TaxBill:
    head = TaxBillHead(
        guid=GUID,
        return_time=RETURN_TIME,
        invt_no="514120240000000001",
        tax_no="514120240000000001_01",
        customs_tax=Decimal("0"),
        value_added_tax=Decimal("27.39"),
        consumption_tax=Decimal("0"),
        status="1",
        ebc_code="1105910159",
    )
    line = TaxBillLine(
        gnum=1,
        gcode="0402290000",
        tax_price=Decimal("301"),
        customs_tax=Decimal("0"),
        value_added_tax=Decimal("27.39"),
        consumption_tax=Decimal("0"),
    )
    return replace(TaxBill(head=head, lines=(line,)), **overrides)


def make_tax_bill_status(**overrides: Any) -> TaxBillStatus:
    values: dict[str, Any] = {
        "guid": GUID,
        "return_time": RETURN_TIME,
        "invt_no": "514120240000000001",
        "tax_no": "514120240000000001_01",
        "status": "2",
    }
    return TaxBillStatus(**(values | overrides))


def make_format_receipt(**overrides: Any) -> FormatReceipt:
    values: dict[str, Any] = {
        "guid": GUID,
        "return_status": "-301010",
        "return_info": "报文格式错误: <ceb:appTime> 不是 14 位时间",
        "return_time": RETURN_TIME,
        "ori_cop_msg_id": GUID,
        "ori_message_type": "CEB311",
        "ori_biz_message": "<CEB311Message/>",
    }
    return FormatReceipt(**(values | overrides))


def make_summary_result(**overrides: Any) -> SummaryResult:
    head = SummaryResultHead(
        guid=GUID,
        customs_code="5141",
        sum_no="514120240000000002",
        op_date=RETURN_TIME,
        decl_seq_no="514120240000000003",
        dec_state="1",
        agent_code="1105910159",
        agent_name="报关行",
        ebc_code="1105910159",
        ebc_name="电商",
        decl_agent_code="1105910159",
        decl_agent_name="报关行",
        gross_weight=Decimal("12.5"),
        net_weight=Decimal("11"),
        msg_count=1,
        msg_seq_no=1,
    )
    line = SummaryResultLine(
        invt_no="514120240000000001", logistics_no="LN20240308001", gseqno=1, gnum=1, gcode="0402290000"
    )
    return replace(SummaryResult(head=head, lines=(line,)), **overrides)
