"""Builders for the export set (CEB303, CEB403, CEB505, CEB603); the codec builders cover import only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from declarations.domain.export_lists import ExportList, ExportListHead, ExportListLine
from declarations.domain.export_trade import (
    Collection,
    ExportOrder,
    ExportOrderHead,
    ExportOrderLine,
    ExportWaybill,
)
from tests.unit.codec.builders import GUID, NOW

EBC = "3301964J31"
ORDER_NO = "EXP20240308001"


def make_export_order(**overrides: Any) -> ExportOrder:
    head = ExportOrderHead(
        guid=GUID,
        app_type="1",
        app_time=NOW,
        app_status="2",
        order_type="E",
        order_no=ORDER_NO,
        ebp_code=EBC,
        ebp_name="平台",
        ebc_code=EBC,
        ebc_name="电商",
        goods_value=Decimal("100"),
        freight=Decimal("10"),
        currency="142",
    )
    line = ExportOrderLine(
        gnum=1,
        item_no="SKU1",
        item_name="T恤",
        unit="011",
        currency="142",
        qty=Decimal("2"),
        price=Decimal("50"),
        total_price=Decimal("100"),
    )
    values: dict[str, Any] = {"head": head, "lines": (line,)}
    return ExportOrder(**(values | overrides))


def make_collection(**overrides: Any) -> Collection:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "ebp_code": EBC,
        "ebp_name": "平台",
        "ebc_code": EBC,
        "ebc_name": "电商",
        "order_no": ORDER_NO,
        "pay_name": "支付公司",
        "charge": Decimal("110"),
        "currency": "142",
        "accounting_date": NOW,
    }
    return Collection(**(values | overrides))


def make_export_waybill(**overrides: Any) -> ExportWaybill:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "logistics_code": "3301980101",
        "logistics_name": "物流",
        "logistics_no": "EW001",
        "freight": Decimal("10"),
        "insured_fee": Decimal("0"),
        "currency": "142",
        "gross_weight": Decimal("0.5"),
        "pack_no": 1,
        "goods_info": "T恤",
    }
    return ExportWaybill(**(values | overrides))


def make_export_list_head(**overrides: Any) -> ExportListHead:
    values: dict[str, Any] = {
        "guid": GUID,
        "app_type": "1",
        "app_time": NOW,
        "app_status": "2",
        "customs_code": "2991",
        "ebp_code": EBC,
        "ebp_name": "平台",
        "order_no": ORDER_NO,
        "logistics_code": "3301980101",
        "logistics_name": "物流",
        "logistics_no": "EW001",
        "cop_no": "COP1",
        "ie_flag": "E",
        "port_code": "2991",
        "ie_date": date(2024, 3, 8),
        "statistics_flag": "A",
        "agent_code": EBC,
        "agent_name": "报关",
        "ebc_code": EBC,
        "ebc_name": "电商",
        "owner_code": EBC,
        "owner_name": "电商",
        "trade_mode": "9610",
        "traf_mode": "5",
        "country": "502",
        "pod": "USLAX",
        "freight": Decimal("10"),
        "f_currency": "142",
        "f_flag": "3",
        "insured_fee": Decimal("0"),
        "i_currency": "142",
        "i_flag": "3",
        "wrap_type": "2",
        "pack_no": 1,
        "gross_weight": Decimal("0.5"),
        "net_weight": Decimal("0.4"),
    }
    return ExportListHead(**(values | overrides))


def make_export_list(**overrides: Any) -> ExportList:
    line = ExportListLine(
        gnum=1,
        item_no="SKU1",
        gcode="6109100021",
        gname="T恤",
        gmodel="棉",
        bar_code="无",
        country="502",
        currency="142",
        qty=Decimal("2"),
        qty1=Decimal("2"),
        unit="011",
        unit1="011",
        price=Decimal("50"),
        total_price=Decimal("100"),
    )
    values: dict[str, Any] = {"head": make_export_list_head(), "lines": (line,)}
    return ExportList(**(values | overrides))
