"""Who may send what (architecture invariant 6): roles, own codes, delegations."""

from __future__ import annotations

from declarations.identity import Enterprise, Role, authorise

SHOP = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE}), "DXPENT3301960001")
PAYER = Enterprise("3122480063", "某支付", frozenset({Role.PAYMENT}), "DXPENT3122480063")
EXPRESS = Enterprise("3301980009", "某快件", frozenset({Role.EXPRESS}), "DXPENT3301980009")


def transfer(enterprise: Enterprise) -> dict[str, str | None]:
    return {"copCode": enterprise.code, "dxpId": enterprise.dxp_id}


def test_an_ecommerce_enterprise_may_send_an_order_with_its_own_ebc_code() -> None:
    documents = [{"ebpCode": "3301900001", "ebcCode": SHOP.code}]
    assert authorise(SHOP, "CEB311", transfer(SHOP), documents) is None


def test_an_order_naming_another_enterprise_as_seller_is_refused_on_the_own_code_rule() -> None:
    documents = [
        {"ebpCode": "3301900001", "ebcCode": SHOP.code},
        {"ebpCode": "3301900001", "ebcCode": "9999999999"},
    ]
    refusal = authorise(SHOP, "CEB311", transfer(SHOP), documents)
    assert refusal is not None
    assert refusal.rule == "own-code"
    assert "document 2" in refusal.message


def test_a_payment_firm_may_not_send_a_waybill() -> None:
    refusal = authorise(PAYER, "CEB511", transfer(PAYER), [{"logisticsCode": PAYER.code}])
    assert refusal is not None
    assert refusal.rule == "role"
    assert "logistics" in refusal.message


def test_an_express_operator_may_transmit_orders_and_payments_for_others_but_not_lists() -> None:
    order = [{"ebpCode": "3301900001", "ebcCode": SHOP.code}]
    payment = [{"payCode": PAYER.code}]
    assert authorise(EXPRESS, "CEB311", transfer(EXPRESS), order) is None
    assert authorise(EXPRESS, "CEB411", transfer(EXPRESS), payment) is None
    refusal = authorise(
        EXPRESS, "CEB621", transfer(EXPRESS), [{"ebcCode": SHOP.code, "agentCode": SHOP.code}]
    )
    assert refusal is not None
    assert refusal.rule == "role"


def test_base_transfer_must_carry_the_senders_own_cop_code_and_dxp_id() -> None:
    documents = [{"ebcCode": SHOP.code}]
    wrong_cop = authorise(SHOP, "CEB311", {"copCode": PAYER.code, "dxpId": SHOP.dxp_id}, documents)
    wrong_dxp = authorise(SHOP, "CEB311", {"copCode": SHOP.code, "dxpId": "DXPENT0000000000"}, documents)
    assert wrong_cop is not None
    assert wrong_cop.path == "BaseTransfer/copCode"
    assert wrong_dxp is not None
    assert wrong_dxp.path == "BaseTransfer/dxpId"


def test_customs_sent_messages_cannot_be_sent_by_enterprises() -> None:
    refusal = authorise(SHOP, "CEB622", transfer(SHOP), [{}])
    assert refusal is not None
    assert refusal.rule == "message-type"
