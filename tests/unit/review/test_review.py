"""清单审核: receipts 120 → 399 → decision, the positive list, the limits, the tax bill, monotone statuses."""

from __future__ import annotations

import pickle
from dataclasses import replace
from decimal import Decimal

import pytest

from declarations.domain.events import ListRejected, ListReleased, ListReviewed, ReceiptDue, TaxAssessed
from declarations.domain.ledger import Ledger
from declarations.domain.rates import (
    DEFAULT_POSITIVE_LIST_FILE,
    DEFAULT_RATES_FILE,
    load_positive_list,
    load_rates,
)
from declarations.domain.review import (
    RANK,
    CustomsDecision,
    MatchedList,
    Progress,
    ReviewPolicy,
    ReviewState,
    invt_number,
    review,
)
from declarations.domain.tax import assess
from tests.unit.codec.builders import NOW, make_inventory_head, make_inventory_line, make_inventory_list

POLICY = ReviewPolicy(
    rates=load_rates(DEFAULT_RATES_FILE.read_text("utf-8")),
    positive_list=load_positive_list(DEFAULT_POSITIVE_LIST_FILE.read_text("utf-8")),
)
BUYER = "130681199001010011"


def statuses(events: tuple[object, ...]) -> list[int]:
    return [event.status for event in events if isinstance(event, ReceiptDue)]


def decided(decision: CustomsDecision) -> ReviewPolicy:
    return replace(POLICY, decide=lambda _: decision)


def priced_list(value: str, qty: str = "1", guid: str = "G1", order_no: str = "O1") -> MatchedList:
    line = make_inventory_line(
        qty=Decimal(qty), price=Decimal(value) / Decimal(qty), total_price=Decimal(value)
    )
    head = make_inventory_head(guid=guid, order_no=order_no)
    return MatchedList(make_inventory_list(head=head, lines=(line,)), serial=7)


def test_a_list_within_the_rules_is_released_and_closed() -> None:
    state, events = review(ReviewState(), MatchedList(make_inventory_list(), serial=42), NOW, POLICY)
    assert statuses(events) == [120, 399, 800, 899]
    assert ListReviewed("1105910159:order20240308001", "51412024I000000042") in events
    assert ListReleased("1105910159:order20240308001", "51412024I000000042") in events
    assert state.ledger.used(BUYER, 2024) == Decimal(301)


def test_the_final_invt_no_is_customs_year_i_and_a_nine_digit_serial() -> None:
    assert invt_number("5141", NOW, 123) == "51412024I000000123"
    with pytest.raises(ValueError, match="9 digits"):
        invt_number("5141", NOW, 1_000_000_000)


def test_the_released_list_gets_a_tax_bill_with_status_1() -> None:
    _, events = review(ReviewState(), MatchedList(make_inventory_list(), serial=1), NOW, POLICY)
    (bill,) = [event.tax_bill for event in events if isinstance(event, TaxAssessed)]
    assert bill.head.status == "1"
    assert bill.head.invt_no == "51412024I000000001"
    assert bill.head.value_added_tax == Decimal("27.39")  # 301 × 13% × 70%
    assert bill.lines[0].tax_price == Decimal(301)


def test_a_redelivered_list_changes_nothing() -> None:
    matched = MatchedList(make_inventory_list(), serial=1)
    state, _ = review(ReviewState(), matched, NOW, POLICY)
    assert review(state, matched, NOW, POLICY) == (state, ())


def test_goods_off_the_positive_list_are_rejected_with_100() -> None:
    inventory = make_inventory_list(lines=(make_inventory_line(gcode="9301000000"),))
    state, events = review(ReviewState(), MatchedList(inventory, serial=1), NOW, POLICY)
    assert statuses(events) == [120, 100]
    assert events[1] == ReceiptDue(100, "商品[gnum=1,gcode=9301000000]不在《跨境电子商务零售进口商品清单》内")
    assert state.ledger == Ledger()


def test_a_list_above_the_single_limit_is_rejected_with_621005() -> None:
    _, events = review(ReviewState(), priced_list("6000", qty="2"), NOW, POLICY)
    assert statuses(events) == [120, -621005]
    assert isinstance(events[-1], ListRejected)


def test_a_single_item_above_the_single_limit_is_released_at_full_rates() -> None:
    matched = priced_list("6000")
    _, events = review(ReviewState(), matched, NOW, POLICY)
    (bill,) = [event.tax_bill for event in events if isinstance(event, TaxAssessed)]
    full = assess(matched.inventory, POLICY.rates, full_rate=True)
    assert (bill.head.customs_tax, bill.head.value_added_tax) == (full.customs_tax, full.value_added_tax)
    assert bill.head.customs_tax == Decimal("600.00")  # milk powder duty 10% in the default table


def test_the_single_item_rule_can_be_switched_off() -> None:
    _, events = review(ReviewState(), priced_list("6000"), NOW, replace(POLICY, full_rate_single_item=False))
    assert statuses(events) == [120, -621005]


def test_the_annual_limit_is_kept_per_buyer_across_lists() -> None:
    state = ReviewState()
    for n in range(5):
        state, events = review(state, priced_list("5000", guid=f"G{n}", order_no=f"O{n}"), NOW, POLICY)
        assert statuses(events)[-1] == 899
    _, events = review(state, priced_list("1001", guid="G9", order_no="O9"), NOW, POLICY)
    assert statuses(events) == [120, -621018]


def test_a_list_rejected_before_399_may_come_back_corrected() -> None:
    state, _ = review(ReviewState(), priced_list("6000", qty="2"), NOW, POLICY)
    _, events = review(state, priced_list("4000", qty="2", guid="G2"), NOW, POLICY)
    assert statuses(events) == [120, 399, 800, 899]


def test_another_list_after_one_customs_concluded_is_refused_as_declared_already() -> None:
    """Matching passes a new list on to review only after a refused one; were that list concluded
    after all (399 and on), the new one is answered -621004, and nothing else changes."""
    state, _ = review(ReviewState(), priced_list("100"), NOW, POLICY)
    after, events = review(state, priced_list("200", guid="G2"), NOW, POLICY)
    assert events == (ReceiptDue(-621004, "清单已经申报过，请勿重复申报[invtNo=51412024I000000007]"),)
    assert after == state


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (CustomsDecision(800, (300,)), [120, 399, 300, 800, 899]),
        (CustomsDecision(800, (300, 500)), [120, 399, 300, 500, 800, 899]),
        (CustomsDecision(502, (500,)), [120, 399, 500, 502]),
        (CustomsDecision(599), [120, 399, 599]),
        (CustomsDecision(700, (500,)), [120, 399, 500, 700]),
        (CustomsDecision(100, (300,), "申报要素不符"), [120, 399, 300, 100]),
    ],
)
def test_customs_decisions_give_their_receipts_in_a_strictly_monotone_order(
    decision: CustomsDecision, expected: list[int]
) -> None:
    _, events = review(ReviewState(), MatchedList(make_inventory_list(), serial=1), NOW, decided(decision))
    assert statuses(events) == expected
    ranks = [RANK[status] for status in expected]
    assert ranks == sorted(set(ranks))


def test_return_shipment_and_rejection_give_the_quota_back_detention_keeps_it() -> None:
    matched = MatchedList(make_inventory_list(), serial=1)
    returned, _ = review(ReviewState(), matched, NOW, decided(CustomsDecision(700)))
    detained, events = review(ReviewState(), matched, NOW, decided(CustomsDecision(501)))
    assert returned.ledger.used(BUYER, 2024) == 0
    assert detained.ledger.used(BUYER, 2024) == Decimal(301)
    assert ListRejected("1105910159:order20240308001", 501, "扣留移送通关") in events


def test_an_impossible_decision_is_refused() -> None:
    with pytest.raises(ValueError, match="not a customs decision"):
        CustomsDecision(899, (500, 300))


def test_a_progress_pickled_before_its_later_fields_were_added_reads_with_their_defaults() -> None:
    """Stages store their states pickled: one written by an older cebsim still loads."""
    older = Progress.__new__(Progress)
    older.__setstate__(("G1", 899, "51412024I000000001"))
    assert older == Progress("G1", 899, "51412024I000000001", cancelled=False, released=None)
    now = Progress("G1", 899, "51412024I000000001", True, (NOW, (), ()))
    assert pickle.loads(pickle.dumps(now)) == now  # noqa: S301 (our own bytes)
