"""An import parcel: order (CEB311), payment (CEB411), waybill (CEB511) and list (CEB621) that agree.

Senders: the platform sends the order (ebpCode), the payment firm the payment (payCode), the
logistics firm the waybill (logisticsCode), the customs agent the list (agentCode). Amounts are in
fen: dutiable value = Σ totalPrice + freight (+ insuredFee 0), kept ≤ 4,900 CNY for ordinary parcels.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from benchmarks.traffic.goods import IMPORT_GOODS, INSPECTION, LUXURY, OFF_LIST, Goods
from benchmarks.traffic.parcel import IMPORT_TYPES, Context, Parcel, yuan
from benchmarks.traffic.parties import Party
from benchmarks.traffic.people import Buyer
from benchmarks.traffic.render import Doc
from declarations.identity import Role

ORDINARY_CAP = 490_000  # fen: goods + freight of an ordinary parcel stay under the 5,000 single limit
CUSTOMS_OFFICES = ("2901", "3105", "5300", "5100", "2200")
TAX_RATE_PERMILLE = 91  # 13% VAT x 70%: the usual CBEC import rate, withheld by the platform


@dataclass(frozen=True, slots=True)
class Line:
    goods: Goods
    qty: int
    price: int  # fen

    @property
    def total(self) -> int:
        return self.qty * self.price


def _price(ctx: Context, goods: Goods) -> int:
    low, high = goods.price_cents
    return ctx.rng.randint(low // 10, high // 10) * 10


def ordinary_lines(ctx: Context) -> list[Line]:
    count = 1 + (ctx.rng.random() < 0.35) + (ctx.rng.random() < 0.1)
    lines: list[Line] = []
    for goods in ctx.rng.sample(IMPORT_GOODS, count):
        lines.append(Line(goods, ctx.rng.choice((1, 1, 1, 2, 2, 3)), _price(ctx, goods)))
    while sum(line.total for line in lines) > ORDINARY_CAP - 5_000:
        lines = lines[:-1] if len(lines) > 1 else [Line(lines[0].goods, 1, lines[0].goods.price_cents[0])]
    return lines


def scenario_lines(ctx: Context, scenario: str) -> list[Line]:
    """The goods of the outcome scenarios that are decided by what is bought."""
    if scenario == "over_annual":  # one indivisible item worth more than the whole annual limit
        goods = ctx.rng.choice(LUXURY)
        return [Line(goods, 1, _price(ctx, goods))]
    if scenario == "over_single":  # several items, together above 5,000 CNY
        goods = ctx.rng.choice([g for g in IMPORT_GOODS if g.price_cents[1] >= 150_000])
        return [Line(goods, 3, max(_price(ctx, goods), 180_000))]
    if scenario == "off_list":
        goods = ctx.rng.choice(OFF_LIST)
        return [Line(goods, ctx.rng.randint(1, 3), _price(ctx, goods))]
    if scenario == "inspection":
        goods = ctx.rng.choice(INSPECTION)
        return [Line(goods, ctx.rng.randint(1, 2), _price(ctx, goods))]
    return ordinary_lines(ctx)


def _order_lines(lines: list[Line]) -> list[Doc]:
    return [
        {"gnum": str(n), "itemNo": f"SKU{line.goods.gcode[:6]}{n}", "itemName": line.goods.name,
         "gmodel": line.goods.gmodel, "barCode": "无", "unit": line.goods.unit, "qty": str(line.qty),
         "price": yuan(line.price), "totalPrice": yuan(line.total), "currency": "142",
         "country": line.goods.country}
        for n, line in enumerate(lines, start=1)
    ]  # fmt: skip


def _list_lines(lines: list[Line]) -> list[Doc]:
    return [
        {"gnum": str(n), "itemNo": f"SKU{line.goods.gcode[:6]}{n}", "gcode": line.goods.gcode,
         "gname": line.goods.name, "gmodel": line.goods.gmodel, "barCode": "无",
         "country": line.goods.country, "currency": "142", "qty": str(line.qty), "unit": line.goods.unit,
         "qty1": str(Decimal(line.goods.unit1_per_unit) * line.qty), "unit1": line.goods.unit1,
         "price": yuan(line.price), "totalPrice": yuan(line.total)}
        for n, line in enumerate(lines, start=1)
    ]  # fmt: skip


def _amounts(ctx: Context, lines: list[Line]) -> dict[str, int]:
    goods = sum(line.total for line in lines)
    freight = ctx.rng.choice((0, 0, 1000, 1500, 2000))
    tax = (goods + freight) * TAX_RATE_PERMILLE // 1000
    discount = min(ctx.rng.choice((0, 0, 0, 500, 1000, 2000)), goods // 2)
    grams = sum(line.goods.weight_g * line.qty for line in lines) + 120
    paid = goods + freight + tax - discount
    return {
        "goods": goods,
        "freight": freight,
        "tax": tax,
        "discount": discount,
        "paid": paid,
        "grams": grams,
    }


def _kg(grams: int) -> str:
    return f"{grams // 1000}.{grams % 1000:03d}"


def import_parcel(ctx: Context, index: int, scenario: str) -> Parcel:
    """Parcel `index` of the import flow with the goods its scenario asks for."""
    roles = (Role.PLATFORM, Role.PAYMENT, Role.LOGISTICS, Role.AGENT)
    senders = {code: ctx.party(role) for code, role in zip(IMPORT_TYPES, roles, strict=True)}
    ebc = ctx.party(Role.ECOMMERCE)
    lines = scenario_lines(ctx, scenario)
    money = _amounts(ctx, lines)
    grams = money["grams"]
    buyer = ctx.buyer(index)
    order_no = ctx.number("T", index)
    keys = {"orderNo": order_no, "ebpCode": senders["CEB311"].code, "ebpName": senders["CEB311"].name}
    order = _order(ctx, index, keys | {"ebcCode": ebc.code, "ebcName": ebc.name}, money, buyer)
    pay = senders["CEB411"]
    order |= {"payCode": pay.code, "payName": pay.name, "payTransactionId": ctx.number("P", index)}
    docs = {
        "CEB311": (order, _order_lines(lines)),
        "CEB411": (_payment(ctx, index, order, buyer), []),
        "CEB511": (_waybill(ctx, index, order, carrier=senders["CEB511"], lines=lines, grams=grams), []),
        "CEB621": (
            _inventory(ctx, index, order, senders=senders, lines=lines, grams=grams),
            _list_lines(lines),
        ),
    }
    return Parcel(f"P{index:07d}", index, "import", scenario, order_no, buyer.id_number, senders, docs)


def _head(ctx: Context, index: int, offset_s: int) -> Doc:
    app_time, _ = ctx.times(index, offset_s)
    return {"guid": ctx.guid(), "appType": "1", "appTime": app_time, "appStatus": "2"}


def _order(ctx: Context, index: int, keys: Doc, money: dict[str, int], buyer: Buyer) -> Doc:
    return _head(ctx, index, 0) | {"orderType": "I"} | keys | {
        "goodsValue": yuan(money["goods"]), "freight": yuan(money["freight"]),
        "discount": yuan(money["discount"]), "taxTotal": yuan(money["tax"]),
        "acturalPaid": yuan(money["paid"]),
        "currency": "142", "buyerRegNo": buyer.reg_no, "buyerName": buyer.name,
        "buyerTelephone": buyer.telephone, "buyerIdType": "1", "buyerIdNumber": buyer.id_number,
        "consignee": buyer.name, "consigneeTelephone": buyer.telephone, "consigneeAddress": buyer.address,
        "consigneeDistrict": buyer.district,
    }  # fmt: skip


def _payment(ctx: Context, index: int, order: Doc, buyer: Buyer) -> Doc:
    head = _head(ctx, index, 20)
    return head | {
        "payCode": order["payCode"], "payName": order["payName"],
        "payTransactionId": order["payTransactionId"],
        "orderNo": order["orderNo"], "ebpCode": order["ebpCode"], "ebpName": order["ebpName"],
        "payerIdType": "1", "payerIdNumber": buyer.id_number, "payerName": buyer.name,
        "telephone": buyer.telephone, "amountPaid": order["acturalPaid"], "currency": "142",
        "payTime": head["appTime"],
    }  # fmt: skip


def _waybill(ctx: Context, index: int, order: Doc, *, carrier: Party, lines: list[Line], grams: int) -> Doc:
    info = "，".join(f"{line.goods.name}*{line.qty}" for line in lines)[:200]
    return _head(ctx, index, 60) | {
        "logisticsCode": carrier.code, "logisticsName": carrier.name,
        "logisticsNo": ctx.number("YT", index), "orderNo": order["orderNo"], "freight": order["freight"],
        "insuredFee": "0.00", "currency": "142", "weight": _kg(grams), "packNo": "1",
        "goodsInfo": info, "consignee": order["consignee"], "consigneeAddress": order["consigneeAddress"],
        "consigneeTelephone": order["consigneeTelephone"],
    }  # fmt: skip


def _inventory(ctx: Context, index: int, order: Doc, *, senders: dict[str, Party], lines: list[Line],
               grams: int) -> Doc:  # fmt: skip
    head = _head(ctx, index, 90)
    waybill_no, agent, carrier = ctx.number("YT", index), senders["CEB621"], senders["CEB511"]
    office = CUSTOMS_OFFICES[index % len(CUSTOMS_OFFICES)]
    return head | {
        "orderNo": order["orderNo"], "ebpCode": order["ebpCode"], "ebpName": order["ebpName"],
        "ebcCode": order["ebcCode"], "ebcName": order["ebcName"], "logisticsNo": waybill_no,
        "logisticsCode": carrier.code, "logisticsName": carrier.name,
        "copNo": ctx.number("C", index), "assureCode": order["ebcCode"], "ieFlag": "I",
        "declTime": head["appTime"][:8], "customsCode": office, "portCode": office,
        "buyerIdType": "1", "buyerIdNumber": order["buyerIdNumber"], "buyerName": order["buyerName"],
        "buyerTelephone": order["buyerTelephone"], "consigneeAddress": order["consigneeAddress"],
        "agentCode": agent.code, "agentName": agent.name, "tradeMode": "9610",
        "trafMode": "5", "country": lines[0].goods.country, "freight": order["freight"], "insuredFee": "0.00",
        "currency": "142", "wrapType": "2", "packNo": "1", "grossWeight": _kg(grams),
        "netWeight": _kg(grams * 9 // 10),
    }  # fmt: skip
