"""The Chinese wording of matching outcomes: which document, which field, which value.

Enterprises correct their data from `returnInfo` alone, so every failure names both sides, e.g.
`订单实际支付金额[acturalPaid=105.00]与支付单支付金额[amountPaid=100.00]不一致`. Field names are the
spec's element names (camelCase), as the enterprise wrote them in its XML.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from declarations.domain.events import Kind

LABELS: dict[str, str] = {
    "orderNo": "订单编号",
    "ebpCode": "电商平台代码",
    "ebcCode": "电商企业代码",
    "logisticsCode": "物流企业代码",
    "logisticsNo": "物流运单编号",
    "payCode": "支付企业代码",
    "payTransactionId": "支付交易编号",
    "acturalPaid": "实际支付金额",
    "amountPaid": "支付金额",
    "goodsValue+freight+taxTotal-discount": "应付金额",
    "gnum": "商品序号",
    "gname": "商品名称",
    "itemName": "商品名称",
    "totalPrice": "总价",
    "qty*price": "数量×单价",
    "consignee": "收货人姓名",
    "consigneeTelephone": "收货人电话",
    "consigneeAddress": "收货地址",
    "buyerIdType": "订购人证件类型",
    "buyerIdNumber": "订购人证件号码",
    "buyerName": "订购人姓名",
    "buyerTelephone": "订购人电话",
    "payerIdType": "支付人证件类型",
    "payerIdNumber": "支付人证件号码",
    "payerName": "支付人姓名",
    "currency": "币制",
    "netWeight": "净重",
    "grossWeight": "毛重",
    "qty": "申报数量",
    "qty1": "法定数量",
    "qty2": "第二法定数量",
    "unit2": "第二法定计量单位",
}

Side = tuple[str, object]
"""One side of a comparison: the element name and its value."""


def shown(value: object) -> str:
    """Money and quantities with two decimals at least (the form enterprises send), others as-is."""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value.normalize())
    return "" if value is None else str(value)


def side(document: str, field: str, value: object) -> str:
    """`订单实际支付金额[acturalPaid=105.00]`."""
    return f"{document}{LABELS.get(field, '')}[{field}={shown(value)}]"


def disagree(left_doc: str, right_doc: str, pairs: Iterable[tuple[Side, Side]]) -> str | None:
    """Each pair whose values differ, as `A[...]与B[...]不一致`, joined with `；`; None when all agree."""
    texts = [
        f"{side(left_doc, lf, lv)}与{side(right_doc, rf, rv)}不一致"
        for (lf, lv), (rf, rv) in pairs
        if lv != rv
    ]
    return "；".join(texts) or None


def same_fields(left_doc: str, right_doc: str, fields: Iterable[tuple[str, object, object]]) -> str | None:
    """`disagree` for fields that carry the same element name on both sides."""
    return disagree(left_doc, right_doc, (((f, lv), (f, rv)) for f, lv, rv in fields))


NAMES = {Kind.ORDER: "订单", Kind.PAYMENT: "支付单", Kind.WAYBILL: "运单", Kind.LIST: "清单"}
KEYS = {
    Kind.ORDER: "订单[orderNo+ebcCode]",
    Kind.PAYMENT: "支付单[payCode+payTransactionId]",
    Kind.WAYBILL: "运单[logisticsCode+logisticsNo]",
    Kind.LIST: "清单[orderNo+ebcCode]",
}
EXPORT_KEYS = KEYS | {Kind.PAYMENT: "收款单[orderNo+ebcCode]"}

REFUSALS: dict[Kind, dict[str, int]] = {
    Kind.ORDER: {
        "duplicate": -301010,
        "no_target": -301009,
        "matched": -301011,
        "stale": -301014,
        "declared": -301011,
    },
    Kind.PAYMENT: {"duplicate": -401007, "no_target": -401009, "matched": -401011, "stale": -401012},
    Kind.WAYBILL: {"duplicate": -504015, "no_target": -504009, "matched": -504011, "stale": -505016},
    Kind.LIST: {"duplicate": -621004, "no_target": -621042, "matched": -621011, "stale": -621055},
}
# a version answered with one of these was never taken: the version before it is still in effect
NOT_TAKEN = frozenset(str(code) for codes in REFUSALS.values() for code in codes.values())
_REFUSAL_TEXT = {
    "duplicate": "已存在相同编号的{name}",
    "no_target": "{name}不存在，无法完成变更或删除",
    "matched": "{name}已被清单申报（三单对碰已通过），不能变更或删除",
    "declared": "{name}已被清单申报，不能变更或删除",
    "stale": "接收报文为旧报文数据，不做处理",
}
_LIST_REFUSAL_TEXT = {
    "duplicate": "清单已经申报过，请勿重复申报",
    "no_target": "清单不存在，无法完成改单",
    "matched": "清单已通过三单对碰，不允许修改或删除",
    "stale": "已存在较新清单，请修改app_time为最新时间",
}


def refusal_text(kind: Kind, reason: str, current: object) -> str:
    """The refusal with the stored version's appTime when there is one (what the sender must beat)."""
    template = _LIST_REFUSAL_TEXT[reason] if kind is Kind.LIST else _REFUSAL_TEXT[reason]
    text = template.format(name=NAMES[kind])
    stored = getattr(getattr(current, "head", current), "app_time", None)
    return f"{text}[appTime={stored:%Y%m%d%H%M%S}]" if reason == "stale" and stored else text


_ORDER_KEY = (("orderNo", "order_no"), ("ebcCode", "ebc_code"))
_KEY_FIELDS = {
    Kind.ORDER: _ORDER_KEY,
    Kind.PAYMENT: (("payCode", "pay_code"), ("payTransactionId", "pay_transaction_id")),
    Kind.WAYBILL: (("logisticsCode", "logistics_code"), ("logisticsNo", "logistics_no")),
    Kind.LIST: _ORDER_KEY,
}


def stored_text(kind: Kind, document: object) -> str:
    """`逻辑校验通过[orderNo=…,ebcCode=…]` with the document's own business key (§4.5).

    The export collection has no transaction id: it is known by its order, like the list.
    """
    head = getattr(document, "head", document)
    fields = (
        _KEY_FIELDS[kind] if hasattr(head, "pay_transaction_id") or kind is not Kind.PAYMENT else _ORDER_KEY
    )
    pairs = [(name, getattr(head, attribute, None)) for name, attribute in fields]
    return "逻辑校验通过[" + ",".join(f"{name}={value}" for name, value in pairs if value) + "]"


def missing_text(missing: Iterable[Kind], documents: Iterable[object]) -> str:
    """`三单不齐：缺少支付单[payCode+payTransactionId]、运单[…]（订单编号[orderNo=…]）`."""
    present = [d for d in documents if d is not None]
    exported = any(type(d).__name__.startswith("Export") or type(d).__name__ == "Collection" for d in present)
    keys = EXPORT_KEYS if exported else KEYS
    order_no = next((getattr(getattr(d, "head", d), "order_no", None) for d in present), None)
    where = f"（{side('', 'orderNo', order_no)}）" if order_no else ""
    return f"三单不齐：缺少{'、'.join(keys[kind] for kind in missing)}{where}"
