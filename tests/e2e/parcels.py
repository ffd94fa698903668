"""Consistent import parcels (order, payment, waybill, list) for one enterprise and one buyer.

The codec builders' documents agree with each other; a parcel gives them fresh guids and
numbers, puts one enterprise's code wherever a party code stands, and one buyer everywhere.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

from declarations.codec import build
from declarations.domain.documents import Document
from declarations.domain.messages import BaseTransfer
from declarations.intake import head_of
from gateway.signature import SigningIdentity, sign_message
from tests.unit.codec.builders import make_inventory_list, make_order, make_payment, make_waybill

ORDER, PAYMENT, WAYBILL, LIST = "CEB311", "CEB411", "CEB511", "CEB621"
PARTY_FIELDS = ("ebp_code", "ebc_code", "pay_code", "logistics_code", "agent_code", "assure_code")


def new_guid(rng: random.Random | None = None) -> str:
    if rng is None:
        return str(uuid.uuid4()).upper()
    return str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()


def unique_code() -> str:
    return f"9{uuid.uuid4().int % 10**9:09d}"


def unique_buyer() -> str:
    return f"11010119900101{uuid.uuid4().int % 10**4:04d}"


def _codes(record: object, code: str) -> dict[str, Any]:
    """`code` for each party field `record` has: keyword arguments for `replace`, whichever they are."""
    return {name: code for name in PARTY_FIELDS if hasattr(record, name)}


def parcel(
    code: str, buyer: str, *, rng: random.Random | None = None, amount_paid: Decimal | None = None
) -> dict[str, Document]:
    """Order, payment, waybill and list that agree, unless `amount_paid` breaks the payment rule."""
    number = new_guid(rng).replace("-", "")[:16]
    order_no, logistics_no = f"ORD{number}", f"LN{number}"
    order = make_order()
    order_head = replace(
        order.head, guid=new_guid(rng), order_no=order_no, buyer_id_number=buyer, **_codes(order.head, code)
    )
    payment = make_payment(
        guid=new_guid(rng),
        order_no=order_no,
        pay_transaction_id=f"PAY{number}",
        payer_id_number=buyer,
        **_codes(make_payment(), code),
    )
    if amount_paid is not None:
        payment = replace(payment, amount_paid=amount_paid)
    waybill = make_waybill(
        guid=new_guid(rng), order_no=order_no, logistics_no=logistics_no, **_codes(make_waybill(), code)
    )
    inventory = make_inventory_list()
    list_head = replace(
        inventory.head,
        guid=new_guid(rng),
        order_no=order_no,
        logistics_no=logistics_no,
        cop_no=order_no[:20],
        buyer_id_number=buyer,
        **_codes(inventory.head, code),
    )
    return {
        ORDER: replace(order, head=order_head),
        PAYMENT: payment,
        WAYBILL: waybill,
        LIST: replace(inventory, head=list_head),
    }


def message(code: str, document: Document, sender: str, identity: SigningIdentity) -> bytes:
    transfer = BaseTransfer(cop_code=sender, cop_name="测试企业", dxp_mode="DXP", dxp_id=f"DXPENT{sender}")
    return sign_message(build(code, [document], base_transfer=transfer), identity, "rsa-sha256")


def guid_of(document: Document) -> str:
    return str(head_of(document).guid)
