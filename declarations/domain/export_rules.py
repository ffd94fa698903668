"""三单对碰 for export: order (CEB303), collection (CEB403), waybill (CEB505), list (CEB603), §4.1.

| rule id | code | what must hold |
|---|---|---|
| `order_list_key` | -603101 | list orderNo + ebpCode + ebcCode = the order's |
| `waybill_list_key` | -603102 | list logisticsCode + logisticsNo = the waybill's |
| `collection_order_key` | -603103 | collection orderNo + ebpCode + ebcCode = the order's |
| `lines_one_to_one` | -603107 | list gnum ↔ order gnum, one to one |
| `gname_item_name` | -603108 | list gname = order line itemName |
| `line_total_price` | -603109 | totalPrice = qty × price, order and list lines |
| `weights` | -603115 | 0 < netWeight ≤ grossWeight |
| `legal_qty_unit1` | -603116 | unit = unit1 ⇒ qty = qty1 |
| `legal_qty_unit2` | -603117 | unit2 ⇒ qty2 > 0; no unit2 ⇒ no qty2 |
| `duplicate_gnum_order` | -303002 | no repeated gnum in the order |
| `duplicate_gnum_list` | -603027 | no repeated gnum in the list |

The spec lists no export matching codes; these mirror the import block (-6211xx → -6031xx) and the
import duplicate-line codes. Export currencies are free (goods may be priced in USD), so there is
no currency rule; the collection's `charge` has no stated relation to the order and is not compared.
"""

from __future__ import annotations

from declarations.domain import line_rules
from declarations.domain.export_lists import ExportList
from declarations.domain.export_trade import Collection, ExportOrder, ExportWaybill
from declarations.domain.matching_rules import MatchPolicy, Rule, weights
from declarations.domain.matching_text import same_fields
from declarations.domain.values import value


@value
class ExportSet:
    order: ExportOrder
    collection: Collection
    waybill: ExportWaybill
    inventory: ExportList


def _order_list_key(s: ExportSet, _: MatchPolicy) -> str | None:
    o, i = s.order.head, s.inventory.head
    fields = (("orderNo", i.order_no, o.order_no), ("ebpCode", i.ebp_code, o.ebp_code))
    return same_fields("清单", "订单", (*fields, ("ebcCode", i.ebc_code, o.ebc_code)))


def _waybill_list_key(s: ExportSet, _: MatchPolicy) -> str | None:
    w, i = s.waybill, s.inventory.head
    fields = (
        ("logisticsCode", i.logistics_code, w.logistics_code),
        ("logisticsNo", i.logistics_no, w.logistics_no),
    )
    return same_fields("清单", "运单", fields)


def _collection_order_key(s: ExportSet, _: MatchPolicy) -> str | None:
    c, o = s.collection, s.order.head
    fields = (("orderNo", c.order_no, o.order_no), ("ebpCode", c.ebp_code, o.ebp_code))
    return same_fields("收款单", "订单", (*fields, ("ebcCode", c.ebc_code, o.ebc_code)))


def _lines_one_to_one(s: ExportSet, _: MatchPolicy) -> str | None:
    return line_rules.one_to_one(s.inventory.lines, s.order.lines)


def _gname_item_name(s: ExportSet, _: MatchPolicy) -> str | None:
    return line_rules.names_agree(s.inventory.lines, s.order.lines)


def _line_total_price(s: ExportSet, _: MatchPolicy) -> str | None:
    order, inventory = s.order.lines, s.inventory.lines
    texts = (line_rules.totals_agree(order, "订单"), line_rules.totals_agree(inventory, "清单"))
    return "；".join(t for t in texts if t) or None


def _weights(s: ExportSet, _: MatchPolicy) -> str | None:
    return weights(s.inventory.head.gross_weight, s.inventory.head.net_weight, "清单")


def _legal_qty_unit1(s: ExportSet, _: MatchPolicy) -> str | None:
    return line_rules.first_legal_quantity(s.inventory.lines)


def _legal_qty_unit2(s: ExportSet, _: MatchPolicy) -> str | None:
    return line_rules.second_legal_quantity(s.inventory.lines)


def _duplicate_gnum_order(s: ExportSet, _: MatchPolicy) -> str | None:
    return line_rules.duplicate_gnum(s.order.lines, "订单")


def _duplicate_gnum_list(s: ExportSet, _: MatchPolicy) -> str | None:
    return line_rules.duplicate_gnum(s.inventory.lines, "清单")


EXPORT_RULES: tuple[Rule[ExportSet], ...] = (
    Rule("order_list_key", -603101, "清单与订单的订单编号、电商平台、电商企业一致", _order_list_key),
    Rule("waybill_list_key", -603102, "清单与运单的物流企业、运单编号一致", _waybill_list_key),
    Rule(
        "collection_order_key",
        -603103,
        "收款单与订单的订单编号、电商平台、电商企业一致",
        _collection_order_key,
    ),
    Rule("lines_one_to_one", -603107, "清单商品序号与订单商品序号一一对应", _lines_one_to_one),
    Rule("gname_item_name", -603108, "清单商品名称与订单商品名称一致", _gname_item_name),
    Rule("line_total_price", -603109, "总价 = 数量 × 单价", _line_total_price),
    Rule("weights", -603115, "0 < 净重 ≤ 毛重", _weights),
    Rule("legal_qty_unit1", -603116, "申报单位与第一法定单位相同时数量一致", _legal_qty_unit1),
    Rule("legal_qty_unit2", -603117, "第二法定单位与第二法定数量同填同空，数量大于0", _legal_qty_unit2),
    Rule("duplicate_gnum_order", -303002, "订单商品序号不重复", _duplicate_gnum_order),
    Rule("duplicate_gnum_list", -603027, "清单商品序号不重复", _duplicate_gnum_list),
)
