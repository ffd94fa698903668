"""An export parcel: order (CEB303), collection (CEB403), waybill (CEB505) and list (CEB603) that agree.

Senders: the platform sends the order, the payment firm the collection (payCode), the logistics
firm the waybill, the customs agent the list. Arrival (CEB507) and departure (CEB509) reports are
per carrier and per block of parcels (`stream`), listing the block's waybills.
"""

from __future__ import annotations

from decimal import Decimal

from benchmarks.traffic.goods import EXPORT_GOODS
from benchmarks.traffic.import_parcels import CUSTOMS_OFFICES, Line
from benchmarks.traffic.parcel import EXPORT_TYPES, Context, Parcel, yuan
from benchmarks.traffic.parties import Party
from benchmarks.traffic.render import Doc
from declarations.identity import Role

DESTINATIONS = (("502", "LAX"), ("303", "LHR"), ("304", "FRA"), ("116", "NRT"), ("601", "SYD"))


def _lines(ctx: Context) -> list[Line]:
    count = 1 + (ctx.rng.random() < 0.3)
    return [
        Line(
            goods,
            ctx.rng.randint(1, 3),
            ctx.rng.randint(goods.price_cents[0] // 10, goods.price_cents[1] // 10) * 10,
        )
        for goods in ctx.rng.sample(EXPORT_GOODS, count)
    ]


def export_parcel(ctx: Context, index: int, scenario: str) -> Parcel:
    roles = (Role.PLATFORM, Role.PAYMENT, Role.LOGISTICS, Role.AGENT)
    senders = {code: ctx.party(role) for code, role in zip(EXPORT_TYPES, roles, strict=True)}
    ebc = ctx.party(Role.ECOMMERCE)
    lines = _lines(ctx)
    country, pod = DESTINATIONS[index % len(DESTINATIONS)]
    goods = sum(line.total for line in lines)
    freight = ctx.rng.choice((2000, 3500, 5000, 8000))
    grams = sum(line.goods.weight_g * line.qty for line in lines) + 150
    platform = senders["CEB303"]
    keys = {"orderNo": ctx.number("E", index), "ebpCode": platform.code, "ebpName": platform.name}
    keys |= {"ebcCode": ebc.code, "ebcName": ebc.name}
    order = _head(ctx, index, 0) | {"orderType": "E"} | keys
    order |= {"goodsValue": yuan(goods), "freight": yuan(freight), "currency": "142"}
    docs = {
        "CEB303": (order, _order_lines(lines)),
        "CEB403": (_collection(ctx, index, keys, senders["CEB403"], goods + freight), []),
        "CEB505": (_waybill(ctx, index, keys, senders["CEB505"], (freight, grams, lines)), []),
        "CEB603": (
            _inventory(ctx, index, keys, senders, (country, pod, freight, grams)),
            _list_lines(lines, country),
        ),
    }
    return Parcel(f"P{index:07d}", index, "export", scenario, keys["orderNo"], "", senders, docs)


def _head(ctx: Context, index: int, offset_s: int) -> Doc:
    app_time, _ = ctx.times(index, offset_s)
    return {"guid": ctx.guid(), "appType": "1", "appTime": app_time, "appStatus": "2"}


def _order_lines(lines: list[Line]) -> list[Doc]:
    return [
        {"gnum": str(n), "itemNo": f"SKU{line.goods.gcode[:6]}{n}", "itemName": line.goods.name,
         "barCode": "无", "unit": line.goods.unit, "currency": "142", "qty": str(line.qty),
         "price": yuan(line.price), "totalPrice": yuan(line.total)}
        for n, line in enumerate(lines, start=1)
    ]  # fmt: skip


def _list_lines(lines: list[Line], country: str) -> list[Doc]:
    return [
        {"gnum": str(n), "itemNo": f"SKU{line.goods.gcode[:6]}{n}", "gcode": line.goods.gcode,
         "gname": line.goods.name, "gmodel": line.goods.gmodel, "barCode": "无", "country": country,
         "currency": "142", "qty": str(line.qty), "qty1": str(Decimal(line.goods.unit1_per_unit) * line.qty),
         "unit": line.goods.unit, "unit1": line.goods.unit1, "price": yuan(line.price),
         "totalPrice": yuan(line.total)}
        for n, line in enumerate(lines, start=1)
    ]  # fmt: skip


def _collection(ctx: Context, index: int, keys: Doc, payer: Party, charge: int) -> Doc:
    head = _head(ctx, index, 30)
    return head | keys | {
        "payCode": payer.code, "payName": payer.name, "payNo": ctx.number("R", index), "charge": yuan(charge),
        "currency": "142", "accountingDate": head["appTime"],
    }  # fmt: skip


def _waybill(ctx: Context, index: int, keys: Doc, carrier: Party, load: tuple[int, int, list[Line]]) -> Doc:
    freight, grams, lines = load
    info = "，".join(f"{line.goods.name}*{line.qty}" for line in lines)[:200]
    return _head(ctx, index, 60) | {
        "logisticsCode": carrier.code, "logisticsName": carrier.name, "logisticsNo": ctx.number("EX", index),
        "freight": yuan(freight), "insuredFee": "0.00", "currency": "142",
        "grossWeight": f"{grams / 1000:.3f}", "packNo": "1", "goodsInfo": info, "ebcCode": keys["ebcCode"],
        "ebcName": keys["ebcName"],
    }  # fmt: skip


def _inventory(ctx: Context, index: int, keys: Doc, senders: dict[str, Party],
               shipment: tuple[str, str, int, int]) -> Doc:  # fmt: skip
    country, pod, freight, grams = shipment
    head = _head(ctx, index, 90)
    carrier, agent = senders["CEB505"], senders["CEB603"]
    office = CUSTOMS_OFFICES[index % len(CUSTOMS_OFFICES)]
    return head | {
        "customsCode": office, "ebpCode": keys["ebpCode"], "ebpName": keys["ebpName"],
        "orderNo": keys["orderNo"], "logisticsCode": carrier.code, "logisticsName": carrier.name,
        "logisticsNo": ctx.number("EX", index), "copNo": ctx.number("C", index), "ieFlag": "E",
        "portCode": office, "ieDate": head["appTime"][:8], "statisticsFlag": "B", "agentCode": agent.code,
        "agentName": agent.name, "ebcCode": keys["ebcCode"], "ebcName": keys["ebcName"],
        "ownerCode": keys["ebcCode"], "ownerName": keys["ebcName"], "tradeMode": "9610", "trafMode": "5",
        "country": country, "POD": pod, "freight": yuan(freight), "fCurrency": "142", "fFlag": "3",
        "insuredFee": "0.00", "iCurrency": "142", "iFlag": "3", "wrapType": "2", "packNo": "1",
        "grossWeight": f"{grams / 1000:.3f}", "netWeight": f"{grams * 0.9 / 1000:.3f}",
    }  # fmt: skip
