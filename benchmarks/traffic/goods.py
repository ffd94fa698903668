"""Goods: an HS-code table with realistic unit prices and weights, for import and export parcels.

Every `IMPORT_GOODS` code starts with a prefix of the shipped positive list and rate table
(`declarations/domain/data/`), so the happy path is released. `OFF_LIST` goods are not on that
list (expected 100); `LUXURY` goods are single indivisible items above the annual limit.
`unit1_per_unit` is the first legal quantity per declared unit (kilograms when unit1 is 035).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Goods:
    gcode: str
    name: str
    gmodel: str
    unit: str
    unit1: str
    unit1_per_unit: str  # decimal text, exact
    price_cents: tuple[int, int]  # unit price range, inclusive, in fen
    weight_g: int  # gross weight per unit, grams
    country: str


Row = tuple[str, str, str, str, str, str, int, int, int, str]


def _g(*row: *Row) -> Goods:
    """gcode, name, gmodel, unit, unit1, unit1 per unit, lowest and highest price (yuan), grams, country."""
    gcode, name, gmodel, unit, unit1, per, low, high, weight, country = row
    return Goods(gcode, name, gmodel, unit, unit1, per, (low * 100, high * 100), weight, country)


IMPORT_GOODS: tuple[Goods, ...] = (
    _g("0402290000", "婴幼儿配方奶粉", "900g/罐 1段", "122", "035", "0.9", 180, 420, 1200, "116"),
    _g("0402290000", "全脂成人奶粉", "1kg/袋", "136", "035", "1", 90, 200, 1100, "609"),
    _g("0901210000", "烘焙咖啡豆", "500g/袋 中度烘焙", "136", "035", "0.5", 60, 260, 600, "502"),
    _g("1901101000", "婴幼儿米粉", "250g/盒", "140", "035", "0.25", 40, 120, 350, "304"),
    _g("2204210000", "干红葡萄酒", "750ml/瓶 13.5%vol", "142", "095", "0.75", 120, 980, 1500, "305"),
    _g("3303000000", "女士香水", "50ml/瓶 淡香水", "142", "035", "0.05", 380, 1600, 250, "305"),
    _g("3304990021", "保湿面霜", "50ml/瓶", "142", "035", "0.05", 160, 1500, 180, "116"),
    _g("3304100000", "口红", "3.5g/支", "012", "035", "0.0035", 150, 420, 60, "305"),
    _g("3401110000", "洁面皂", "100g/块", "017", "035", "0.1", 30, 120, 130, "116"),
    _g("4901990000", "英文原版书籍", "精装 1册", "011", "011", "1", 60, 380, 700, "303"),
    _g("6109100021", "棉制针织T恤衫", "纯棉 男式 L码", "011", "011", "1", 80, 520, 250, "312"),
    _g("6403990000", "皮革运动鞋", "牛皮 42码", "025", "025", "1", 400, 1800, 1300, "502"),
    _g("8509400000", "料理机", "1.5L 800W", "001", "001", "1", 300, 2200, 3500, "304"),
    _g("9102110000", "石英手表", "不锈钢表壳 皮表带", "008", "008", "1", 500, 3800, 300, "331"),
    _g("9503008900", "益智积木玩具", "塑料 500粒", "140", "035", "0.8", 80, 900, 1000, "309"),
)

OFF_LIST: tuple[Goods, ...] = (
    _g("3004909099", "复合维生素片", "60片/瓶 处方", "142", "035", "0.1", 90, 400, 200, "601"),
    _g("0306170000", "冻虾仁", "1kg/袋", "136", "035", "1", 80, 300, 1100, "122"),
)

LUXURY: tuple[Goods, ...] = (
    _g("9102110000", "机械腕表", "18K金表壳 自动机芯", "008", "008", "1", 26_500, 38_000, 400, "331"),
    _g("7113111000", "铂金钻石项链", "Pt950 1克拉", "007", "035", "0.012", 27_000, 36_000, 150, "305"),
)

INSPECTION: tuple[Goods, ...] = (
    # declared far below the reference price (a typical risk-rule predicate, domain §5)
    _g("0402290000", "婴幼儿配方奶粉", "900g/罐 1段 临期", "122", "035", "0.9", 20, 40, 1200, "116"),
    _g("2204210000", "干红葡萄酒", "750ml/瓶 散装", "142", "095", "0.75", 8, 15, 1500, "305"),
)

EXPORT_GOODS: tuple[Goods, ...] = (
    _g("6109100021", "棉制针织T恤衫", "纯棉 女式 M码", "011", "011", "1", 25, 90, 220, "502"),
    _g("6403990000", "皮革休闲鞋", "牛皮 39码", "025", "025", "1", 80, 260, 1200, "303"),
    _g("8509400000", "便携榨汁机", "300ml USB充电", "001", "001", "1", 60, 180, 800, "304"),
    _g("9503008900", "拼装积木", "塑料 300粒", "140", "035", "0.6", 30, 150, 700, "601"),
    _g("4202220000", "帆布手提包", "棉帆布 38×30cm", "007", "007", "1", 20, 120, 400, "116"),
    _g("8517622990", "蓝牙耳机", "TWS 入耳式", "006", "006", "1", 50, 300, 120, "110"),
)
