"""三单对碰: the consistency rules of an import set (order, payment, waybill, list), domain §4.1.

Every rule is a `Rule` in `IMPORT_RULES`, run in this order once all four documents are present;
each failure becomes its own `ListMismatched(rule, code, info)`.

| rule id | code | what must hold |
|---|---|---|
| `order_list_key` | -621101 | list orderNo + ebpCode + ebcCode = the order's |
| `waybill_list_key` | -621102 | list logisticsCode + logisticsNo = the waybill's; orderNo the same |
| `payment_order_key` | -621103 | payment orderNo + ebpCode = the order's |
| `payment_transaction` | -621104 | order payCode / payTransactionId, when given, = the payment's |
| `actural_paid_sum` | -621105 | order acturalPaid = goodsValue + freight + taxTotal − discount |
| `actural_paid_amount` | -621106 | order acturalPaid = payment amountPaid |
| `lines_one_to_one` | -621107 | list gnum ↔ order gnum, one to one |
| `gname_item_name` | -621108 | list gname = order line itemName |
| `line_total_price` | -621109 | totalPrice = qty × price, order and list lines |
| `consignee_waybill` | -621110 | order consignee, consigneeTelephone, consigneeAddress = the waybill's |
| `consignee_address_list` | -621111 | list consigneeAddress = the order's |
| `buyer_identity` | -621112 | list buyerIdType, buyerIdNumber, buyerName, buyerTelephone = the order's |
| `buyer_payer` | -621113 | payer = buyer (name, id type and number) unless identity is verified |
| `currency` | -621114 | every currency is 142 |
| `weights` | -621115 | 0 < netWeight ≤ grossWeight |
| `legal_qty_unit1` | -621116 | unit = unit1 ⇒ qty = qty1 |
| `legal_qty_unit2` | -621117 | unit2 ⇒ qty2 > 0; no unit2 ⇒ no qty2 (the rule of the return's -625009) |
| `duplicate_gnum_order` | -301002 | no repeated gnum in the order (spec code) |
| `duplicate_gnum_list` | -621027 | no repeated gnum in the list (spec code) |

The spec catalogue (§4.7) names no codes for the cross-document checks, so cebsim uses its own
block -621101…-621117 for them, clear of the codes the spec and practice use (-621000…-621057).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from declarations.domain import line_rules
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching_text import disagree, same_fields, side
from declarations.domain.values import value

S = TypeVar("S")
RMB = "142"


@value
class MatchPolicy:
    """The choices the operator makes for matching.

    `buyer_identity_verified`: the platform verifies buyers' identities, so the payer need not be
    the buyer (rule `buyer_payer` is skipped). 194 requires buyer = payer only when it does not.
    `window`: how long (simulated time) an incomplete set waits after its first document.
    """

    buyer_identity_verified: bool = False
    window: timedelta = timedelta(hours=24)


@value
class Rule(Generic[S]):
    id: str
    code: int
    description: str
    check: Callable[[S, MatchPolicy], str | None]


@value
class ImportSet:
    order: Order
    payment: Payment
    waybill: Waybill
    inventory: InventoryList


def _order_list_key(s: ImportSet, _: MatchPolicy) -> str | None:
    o, i = s.order.head, s.inventory.head
    if (i.order_no, i.ebp_code, i.ebc_code) == (o.order_no, o.ebp_code, o.ebc_code):
        return None
    fields = (("orderNo", i.order_no, o.order_no), ("ebpCode", i.ebp_code, o.ebp_code))
    return same_fields("清单", "订单", (*fields, ("ebcCode", i.ebc_code, o.ebc_code)))


def _waybill_list_key(s: ImportSet, _: MatchPolicy) -> str | None:
    w, i = s.waybill, s.inventory.head
    if (i.logistics_code, i.logistics_no, i.order_no) == (w.logistics_code, w.logistics_no, w.order_no):
        return None
    fields = (
        ("logisticsCode", i.logistics_code, w.logistics_code),
        ("logisticsNo", i.logistics_no, w.logistics_no),
    )
    return same_fields("清单", "运单", (*fields, ("orderNo", i.order_no, w.order_no)))


def _payment_order_key(s: ImportSet, _: MatchPolicy) -> str | None:
    p, o = s.payment, s.order.head
    if p.order_no == o.order_no and p.ebp_code == o.ebp_code:
        return None
    fields = (("orderNo", p.order_no, o.order_no), ("ebpCode", p.ebp_code, o.ebp_code))
    return same_fields("支付单", "订单", fields)


def _payment_transaction(s: ImportSet, _: MatchPolicy) -> str | None:
    p, o = s.payment, s.order.head
    if o.pay_code in (None, p.pay_code) and o.pay_transaction_id in (None, p.pay_transaction_id):
        return None
    # Both are optional in the order head; when the order names them they must be this payment's.
    fields = [("payCode", o.pay_code, p.pay_code)] if o.pay_code else []
    if o.pay_transaction_id:
        fields.append(("payTransactionId", o.pay_transaction_id, p.pay_transaction_id))
    return same_fields("订单", "支付单", fields)


def _actural_paid_sum(s: ImportSet, _: MatchPolicy) -> str | None:
    o = s.order.head
    due = o.goods_value + o.freight + o.tax_total - o.discount
    if line_rules.cents(o.actural_paid) == line_rules.cents(due):
        return None
    return disagree(
        "订单", "订单", ((("acturalPaid", o.actural_paid), ("goodsValue+freight+taxTotal-discount", due)),)
    )


def _actural_paid_amount(s: ImportSet, _: MatchPolicy) -> str | None:
    paid, amount = s.order.head.actural_paid, s.payment.amount_paid
    if line_rules.cents(paid) == line_rules.cents(amount):
        return None
    return disagree("订单", "支付单", ((("acturalPaid", paid), ("amountPaid", amount)),))


def _lines_one_to_one(s: ImportSet, _: MatchPolicy) -> str | None:
    return line_rules.one_to_one(s.inventory.lines, s.order.lines)


def _gname_item_name(s: ImportSet, _: MatchPolicy) -> str | None:
    return line_rules.names_agree(s.inventory.lines, s.order.lines)


def _line_total_price(s: ImportSet, _: MatchPolicy) -> str | None:
    texts = (
        line_rules.totals_agree(s.order.lines, "订单"),
        line_rules.totals_agree(s.inventory.lines, "清单"),
    )
    return "；".join(t for t in texts if t) or None


def _consignee_waybill(s: ImportSet, _: MatchPolicy) -> str | None:
    o, w = s.order.head, s.waybill
    if (o.consignee, o.consignee_telephone, o.consignee_address) == (
        w.consignee,
        w.consignee_telephone,
        w.consignee_address,
    ):
        return None
    fields = (
        ("consignee", o.consignee, w.consignee),
        ("consigneeAddress", o.consignee_address, w.consignee_address),
    )
    return same_fields(
        "订单", "运单", (("consigneeTelephone", o.consignee_telephone, w.consignee_telephone), *fields)
    )


def _consignee_address_list(s: ImportSet, _: MatchPolicy) -> str | None:
    address = s.inventory.head.consignee_address
    if address == s.order.head.consignee_address:
        return None
    return same_fields("清单", "订单", (("consigneeAddress", address, s.order.head.consignee_address),))


def _buyer_identity(s: ImportSet, _: MatchPolicy) -> str | None:
    i, o = s.inventory.head, s.order.head
    if (i.buyer_id_type, i.buyer_id_number, i.buyer_name, i.buyer_telephone) == (
        o.buyer_id_type,
        o.buyer_id_number,
        o.buyer_name,
        o.buyer_telephone,
    ):
        return None
    fields = (
        ("buyerIdType", i.buyer_id_type, o.buyer_id_type),
        ("buyerIdNumber", i.buyer_id_number, o.buyer_id_number),
    )
    rest = (
        ("buyerName", i.buyer_name, o.buyer_name),
        ("buyerTelephone", i.buyer_telephone, o.buyer_telephone),
    )
    return same_fields("清单", "订单", (*fields, *rest))


def _buyer_payer(s: ImportSet, policy: MatchPolicy) -> str | None:
    if policy.buyer_identity_verified:
        return None
    o, p = s.order.head, s.payment
    if (o.buyer_name, o.buyer_id_type, o.buyer_id_number) == (
        p.payer_name,
        p.payer_id_type,
        p.payer_id_number,
    ):
        return None
    text = disagree(
        "订单",
        "支付单",
        (
            (("buyerName", o.buyer_name), ("payerName", p.payer_name)),
            (("buyerIdType", o.buyer_id_type), ("payerIdType", p.payer_id_type)),
            (("buyerIdNumber", o.buyer_id_number), ("payerIdNumber", p.payer_id_number)),
        ),
    )
    return text and f"订购人与支付人不匹配：{text}"


def _currency(s: ImportSet, _: MatchPolicy) -> str | None:
    if (
        s.order.head.currency == s.payment.currency == s.waybill.currency == s.inventory.head.currency == RMB
        and all(line.currency == RMB for line in s.order.lines)
        and all(line.currency == RMB for line in s.inventory.lines)
    ):
        return None
    heads = (("订单", s.order.head.currency), ("支付单", s.payment.currency), ("运单", s.waybill.currency))
    places = [*heads, ("清单", s.inventory.head.currency)]
    places += [(f"订单第{line.gnum}项", line.currency) for line in s.order.lines]
    places += [(f"清单第{line.gnum}项", line.currency) for line in s.inventory.lines]
    texts = [f"{side(where, 'currency', value)}应为142（人民币）" for where, value in places if value != RMB]
    return "；".join(texts) or None


def weights(gross: Decimal, net: Decimal, document: str) -> str | None:
    """0 < netWeight ≤ grossWeight (shared with export lists)."""
    both = (("grossWeight", gross), ("netWeight", net))
    texts = [f"{side(document, field, value)}必须大于0" for field, value in both if value <= 0]
    if not texts and net > gross:
        texts.append(f"{side(document, 'netWeight', net)}大于{side('', 'grossWeight', gross)}")
    return "；".join(texts) or None


def _weights(s: ImportSet, _: MatchPolicy) -> str | None:
    return weights(s.inventory.head.gross_weight, s.inventory.head.net_weight, "清单")


def _legal_qty_unit1(s: ImportSet, _: MatchPolicy) -> str | None:
    return line_rules.first_legal_quantity(s.inventory.lines)


def _legal_qty_unit2(s: ImportSet, _: MatchPolicy) -> str | None:
    return line_rules.second_legal_quantity(s.inventory.lines)


def _duplicate_gnum_order(s: ImportSet, _: MatchPolicy) -> str | None:
    return line_rules.duplicate_gnum(s.order.lines, "订单")


def _duplicate_gnum_list(s: ImportSet, _: MatchPolicy) -> str | None:
    return line_rules.duplicate_gnum(s.inventory.lines, "清单")


IMPORT_RULES: tuple[Rule[ImportSet], ...] = (
    Rule("order_list_key", -621101, "清单与订单的订单编号、电商平台、电商企业一致", _order_list_key),
    Rule("waybill_list_key", -621102, "清单与运单的物流企业、运单编号、订单编号一致", _waybill_list_key),
    Rule("payment_order_key", -621103, "支付单与订单的订单编号、电商平台一致", _payment_order_key),
    Rule("payment_transaction", -621104, "订单所填支付企业、支付交易编号与支付单一致", _payment_transaction),
    Rule("actural_paid_sum", -621105, "实付 = 货值 + 运费 + 税款 − 抵扣", _actural_paid_sum),
    Rule("actural_paid_amount", -621106, "订单实际支付金额与支付单支付金额一致", _actural_paid_amount),
    Rule("lines_one_to_one", -621107, "清单商品序号与订单商品序号一一对应", _lines_one_to_one),
    Rule("gname_item_name", -621108, "清单商品名称与订单商品名称一致", _gname_item_name),
    Rule("line_total_price", -621109, "总价 = 数量 × 单价", _line_total_price),
    Rule("consignee_waybill", -621110, "订单收货人、电话、地址与运单一致", _consignee_waybill),
    Rule("consignee_address_list", -621111, "清单收货地址与订单一致", _consignee_address_list),
    Rule("buyer_identity", -621112, "清单订购人信息与订单一致", _buyer_identity),
    Rule("buyer_payer", -621113, "订购人与支付人为同一人（身份未核验时）", _buyer_payer),
    Rule("currency", -621114, "币制均为142（人民币）", _currency),
    Rule("weights", -621115, "0 < 净重 ≤ 毛重", _weights),
    Rule("legal_qty_unit1", -621116, "申报单位与第一法定单位相同时数量一致", _legal_qty_unit1),
    Rule("legal_qty_unit2", -621117, "第二法定单位与第二法定数量同填同空，数量大于0", _legal_qty_unit2),
    Rule("duplicate_gnum_order", -301002, "订单商品序号不重复", _duplicate_gnum_order),
    Rule("duplicate_gnum_list", -621027, "清单商品序号不重复", _duplicate_gnum_list),
)
