"""Line-level consistency checks shared by import (CEB311/CEB621) and export (CEB303/CEB603).

Each check returns None when the lines agree, or the Chinese text naming the lines and fields that
do not. Amounts are compared in cents (0.01 CNY, ROUND_HALF_UP): the fields are N19,5 but real
systems send two decimals, and a unit price of 33.333 × 3 is accepted as 100.00.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from declarations.domain.matching_text import side

CENT = Decimal("0.01")


class PricedLine(Protocol):
    @property
    def gnum(self) -> int: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def total_price(self) -> Decimal: ...


class OrderLineLike(PricedLine, Protocol):
    @property
    def item_name(self) -> str: ...


class ListLineLike(PricedLine, Protocol):
    @property
    def gname(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def unit1(self) -> str: ...
    @property
    def qty1(self) -> Decimal: ...
    @property
    def unit2(self) -> str | None: ...
    @property
    def qty2(self) -> Decimal | None: ...


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def duplicate_gnum(lines: Sequence[PricedLine], document: str) -> str | None:
    """`gnum` must not repeat within one document."""
    if len(lines) == 1:
        return None
    gnums = [line.gnum for line in lines]
    if len(set(gnums)) == len(gnums):
        return None
    repeated = [gnum for gnum, count in Counter(gnums).items() if count > 1]
    return "；".join(f"{document}商品序号[gnum={gnum}]重复" for gnum in repeated)


def one_to_one(list_lines: Sequence[ListLineLike], order_lines: Sequence[OrderLineLike]) -> str | None:
    """Every list gnum has an order line of the same gnum, and the reverse."""
    if len(list_lines) == len(order_lines) and all(
        i.gnum == o.gnum for i, o in zip(list_lines, order_lines, strict=True)
    ):
        return None
    listed = [line.gnum for line in list_lines]
    ordered = [line.gnum for line in order_lines]
    only_list = [g for g in dict.fromkeys(listed) if g not in ordered]
    only_order = [g for g in dict.fromkeys(ordered) if g not in listed]
    texts = [f"清单商品序号[gnum={g}]在订单中不存在" for g in only_list]
    texts += [f"订单商品序号[gnum={g}]在清单中不存在" for g in only_order]
    return "；".join(texts) or None


def names_agree(list_lines: Sequence[ListLineLike], order_lines: Sequence[OrderLineLike]) -> str | None:
    """List `gname` equals the order line's `itemName` ("与电子订单一致"), line by line on gnum."""
    if len(list_lines) == len(order_lines) and all(
        i.gnum == o.gnum and i.gname == o.item_name for i, o in zip(list_lines, order_lines, strict=True)
    ):
        return None
    names = {line.gnum: line.item_name for line in order_lines}
    texts = [
        f"清单第{line.gnum}项{side('', 'gname', line.gname)}"
        f"与订单{side('', 'itemName', names[line.gnum])}不一致"
        for line in list_lines
        if line.gnum in names and line.gname != names[line.gnum]
    ]
    return "；".join(texts) or None


def totals_agree(lines: Sequence[PricedLine], document: str) -> str | None:
    """Line `totalPrice` = `qty` × `price`."""
    if all(line.total_price == line.qty * line.price for line in lines):
        return None  # exact: the common case, no rounding needed
    texts = [
        f"{document}第{line.gnum}项{side('', 'totalPrice', line.total_price)}"
        f"与{side('', 'qty*price', cents(line.qty * line.price))}不一致"
        for line in lines
        if cents(line.total_price) != cents(line.qty * line.price)
    ]
    return "；".join(texts) or None


def first_legal_quantity(lines: Sequence[ListLineLike]) -> str | None:
    """When the declared unit is the first legal unit, the two quantities are one and the same."""
    texts = [
        f"清单第{line.gnum}项申报计量单位与法定计量单位[unit=unit1={line.unit}]相同，"
        f"{side('', 'qty', line.qty)}与{side('', 'qty1', line.qty1)}不一致"
        for line in lines
        if line.unit == line.unit1 and line.qty != line.qty1
    ]
    return "；".join(texts) or None


def second_legal_quantity(lines: Sequence[ListLineLike]) -> str | None:
    """With `unit2` filled, `qty2` > 0; without `unit2`, no `qty2` (the rule of error -625009)."""
    texts: list[str] = []
    for line in lines:
        if line.unit2 and (line.qty2 is None or line.qty2 <= 0):
            texts.append(
                f"清单第{line.gnum}项已填{side('', 'unit2', line.unit2)}，"
                f"{side('', 'qty2', line.qty2)}必须大于0"
            )
        elif not line.unit2 and line.qty2 is not None:
            text = f"清单第{line.gnum}项未填第二法定计量单位[unit2]，不应填写{side('', 'qty2', line.qty2)}"
            texts.append(text)
    return "；".join(texts) or None
