"""三单对碰: each consistency rule of domain §4.1, broken alone, answers with its own code and fields."""

from __future__ import annotations

from decimal import Decimal

from declarations.domain.events import ListMismatched
from declarations.domain.export_rules import EXPORT_RULES
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching_rules import IMPORT_RULES, MatchPolicy
from tests.unit.codec.builders import (
    make_inventory_head,
    make_inventory_line,
    make_inventory_list,
    make_order,
    make_order_head,
    make_order_line,
    make_payment,
    make_waybill,
)
from tests.unit.matching.sets import broken_rules, feed, import_set


def only(
    rule: str,
    *,
    order: Order | None = None,
    payment: Payment | None = None,
    waybill: Waybill | None = None,
    inventory: InventoryList | None = None,
) -> str:
    broken = broken_rules(import_set(order, payment, waybill, inventory))
    assert set(broken) == {rule}, broken
    return broken[rule]


def order_with(**head: object) -> Order:
    return make_order(head=make_order_head(**head))


def list_with(**head: object) -> InventoryList:
    return make_inventory_list(head=make_inventory_head(**head))


def test_a_consistent_set_breaks_no_rule() -> None:
    assert broken_rules(import_set()) == {}


def test_every_rule_has_its_own_id_and_code() -> None:
    for rules in (IMPORT_RULES, EXPORT_RULES):
        assert len({rule.id for rule in rules}) == len(rules)
        assert len({rule.code for rule in rules}) == len(rules)
        assert all(rule.code < 0 and rule.description for rule in rules)


def test_list_order_no_ebp_code_and_ebc_code_equal_the_orders() -> None:
    info = only("order_list_key", inventory=list_with(ebc_code="3301961234"))
    assert info == "清单电商企业代码[ebcCode=3301961234]与订单电商企业代码[ebcCode=1105910159]不一致"


def test_list_logistics_code_and_no_equal_the_waybills() -> None:
    info = only("waybill_list_key", waybill=make_waybill(logistics_no="LN-OTHER"))
    assert info == "清单物流运单编号[logisticsNo=LN20240308001]与运单物流运单编号[logisticsNo=LN-OTHER]不一致"


def test_payment_order_no_and_ebp_code_equal_the_orders() -> None:
    info = only("payment_order_key", payment=make_payment(ebp_code="3301960000"))
    assert info == "支付单电商平台代码[ebpCode=3301960000]与订单电商平台代码[ebpCode=1105910159]不一致"


def test_pay_code_and_transaction_named_in_the_order_equal_the_payments() -> None:
    info = only("payment_transaction", order=order_with(pay_code="1105910159", pay_transaction_id="T-9"))
    assert (
        info
        == "订单支付交易编号[payTransactionId=T-9]与支付单支付交易编号[payTransactionId=20240308000001]不一致"
    )


def test_pay_transaction_absent_from_the_order_is_not_compared() -> None:
    assert broken_rules(import_set(order=order_with(pay_code=None, pay_transaction_id=None))) == {}


def test_actural_paid_is_goods_value_plus_freight_plus_tax_minus_discount() -> None:
    order = order_with(discount=Decimal("10"), actural_paid=Decimal("328.99"))
    info = only("actural_paid_sum", order=order)
    assert "订单实际支付金额[acturalPaid=328.99]" in info
    assert "[goodsValue+freight+taxTotal-discount=318.99]" in info


def test_actural_paid_equals_the_payments_amount_paid() -> None:
    info = only("actural_paid_amount", payment=make_payment(amount_paid=Decimal("100")))
    assert info == "订单实际支付金额[acturalPaid=328.99]与支付单支付金额[amountPaid=100.00]不一致"


def test_list_lines_map_one_to_one_to_order_lines_by_gnum() -> None:
    inventory = make_inventory_list(lines=(make_inventory_line(gnum=2),))
    info = only("lines_one_to_one", inventory=inventory)
    assert info == "清单商品序号[gnum=2]在订单中不存在；订单商品序号[gnum=1]在清单中不存在"


def test_list_gname_equals_the_order_lines_item_name() -> None:
    inventory = make_inventory_list(lines=(make_inventory_line(gname="奶粉罐"),))
    info = only("gname_item_name", inventory=inventory)
    assert info == "清单第1项商品名称[gname=奶粉罐]与订单商品名称[itemName=奶粉]不一致"


def test_line_total_price_is_quantity_times_price() -> None:
    order = make_order(lines=(make_order_line(total_price=Decimal("300")),))
    info = broken_rules(import_set(order=order))["line_total_price"]
    assert info == "订单第1项总价[totalPrice=300.00]与数量×单价[qty*price=301.00]不一致"


def test_order_consignee_phone_and_address_equal_the_waybills() -> None:
    info = only("consignee_waybill", waybill=make_waybill(consignee_telephone="13900000000"))
    expected = (
        "订单收货人电话[consigneeTelephone=13522652231]与运单收货人电话[consigneeTelephone=13900000000]"
    )
    assert info == f"{expected}不一致"


def test_list_consignee_address_equals_the_orders() -> None:
    info = only("consignee_address_list", inventory=list_with(consignee_address="上海市"))
    assert info == "清单收货地址[consigneeAddress=上海市]与订单收货地址[consigneeAddress=北京市海淀区]不一致"


def test_list_buyer_identity_equals_the_orders() -> None:
    info = only("buyer_identity", inventory=list_with(buyer_id_number="110101199001010022"))
    assert "清单订购人证件号码[buyerIdNumber=110101199001010022]" in info


def test_buyer_and_payer_are_one_person_when_identity_is_not_verified() -> None:
    payment = make_payment(payer_name="王五", payer_id_number="110101199001010022")
    info = only("buyer_payer", payment=payment)
    assert info.startswith(
        "订购人与支付人不匹配：订单订购人姓名[buyerName=焦洪宇]与支付单支付人姓名[payerName=王五]不一致"
    )


def test_payer_may_differ_from_buyer_when_the_platform_verifies_identity() -> None:
    payment = make_payment(payer_name="王五", payer_id_number="110101199001010022")
    assert broken_rules(import_set(payment=payment), MatchPolicy(buyer_identity_verified=True)) == {}


def test_every_currency_is_rmb_142() -> None:
    info = only("currency", waybill=make_waybill(currency="502"))
    assert info == "运单币制[currency=502]应为142（人民币）"


def test_net_weight_is_at_most_gross_weight() -> None:
    info = only("weights", inventory=list_with(net_weight=Decimal("2"), gross_weight=Decimal("1.25")))
    assert info == "清单净重[netWeight=2.00]大于毛重[grossWeight=1.25]"


def test_weights_are_positive() -> None:
    info = only("weights", inventory=list_with(net_weight=Decimal("0")))
    assert info == "清单净重[netWeight=0.00]必须大于0"


def test_declared_unit_equal_to_first_legal_unit_means_equal_quantities() -> None:
    line = make_inventory_line(unit="035", unit1="035", qty=Decimal("2"), qty1=Decimal("1.8"))
    info = only("legal_qty_unit1", inventory=make_inventory_list(lines=(line,)))
    assert "[qty=2.00]" in info
    assert "[qty1=1.80]" in info


def test_second_legal_unit_needs_a_positive_second_quantity() -> None:
    line = make_inventory_line(unit2="011", qty2=Decimal("0"))
    info = only("legal_qty_unit2", inventory=make_inventory_list(lines=(line,)))
    assert info == "清单第1项已填第二法定计量单位[unit2=011]，第二法定数量[qty2=0.00]必须大于0"


def test_no_second_legal_unit_means_no_second_quantity() -> None:
    line = make_inventory_line(qty2=Decimal("1"))
    assert "不应填写第二法定数量[qty2=1.00]" in only(
        "legal_qty_unit2", inventory=make_inventory_list(lines=(line,))
    )


def test_order_gnum_does_not_repeat() -> None:
    order = make_order(lines=(make_order_line(), make_order_line()))
    broken = broken_rules(import_set(order=order))
    assert broken["duplicate_gnum_order"] == "订单商品序号[gnum=1]重复"


def test_list_gnum_does_not_repeat() -> None:
    inventory = make_inventory_list(lines=(make_inventory_line(), make_inventory_line()))
    broken = broken_rules(import_set(inventory=inventory))
    assert broken["duplicate_gnum_list"] == "清单商品序号[gnum=1]重复"


def test_each_failure_carries_its_rules_code() -> None:
    _, events = feed(
        import_set(payment=make_payment(amount_paid=Decimal("1")), waybill=make_waybill(currency="1"))
    )
    codes = {event.rule: event.code for event in events if isinstance(event, ListMismatched)}
    assert codes == {"actural_paid_amount": -621106, "currency": -621114}
