"""Export 三单对碰: export order + collection + export waybill + export list."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from declarations.domain.events import ListMatched, ListMismatched
from declarations.domain.matching import export_waybill_key, order_key
from tests.unit.matching.export_builders import (
    make_collection,
    make_export_list,
    make_export_order,
    make_export_waybill,
)
from tests.unit.matching.sets import feed


def test_a_consistent_export_set_matches_in_any_order() -> None:
    documents = (make_export_list(), make_export_waybill(), make_collection(), make_export_order())
    _, events = feed(documents)
    assert isinstance(events[-1], ListMatched)


def test_export_waybill_is_parked_by_its_number_and_the_list_names_where() -> None:
    waybill, inventory = make_export_waybill(), make_export_list()
    assert order_key(waybill) == export_waybill_key(inventory) == "EW:3301980101:EW001"
    assert (
        order_key(inventory)
        == order_key(make_export_order())
        == order_key(make_collection())
        == "E:EXP20240308001"
    )


def test_export_collection_must_name_the_orders_enterprise() -> None:
    _, events = feed(
        (make_export_order(), make_collection(ebc_code="OTHER"), make_export_waybill(), make_export_list())
    )
    (event,) = events
    assert isinstance(event, ListMismatched)
    assert (event.rule, event.code) == ("collection_order_key", -603103)
    assert event.info == "收款单电商企业代码[ebcCode=OTHER]与订单电商企业代码[ebcCode=3301964J31]不一致"


def test_export_list_waybill_number_must_be_the_waybills() -> None:
    _, events = feed(
        (
            make_export_order(),
            make_collection(),
            make_export_waybill(logistics_no="EW999"),
            make_export_list(),
        )
    )
    assert [(e.rule, e.code) for e in events if isinstance(e, ListMismatched)] == [
        ("waybill_list_key", -603102)
    ]


def test_export_list_weights_and_line_totals_are_checked() -> None:
    inventory = make_export_list()
    inventory = replace(
        inventory,
        head=replace(inventory.head, net_weight=Decimal("1")),
        lines=(replace(inventory.lines[0], total_price=Decimal("99")),),
    )
    _, events = feed((make_export_order(), make_collection(), make_export_waybill(), inventory))
    assert {e.rule for e in events if isinstance(e, ListMismatched)} == {"weights", "line_total_price"}
