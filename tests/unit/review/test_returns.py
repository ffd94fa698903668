"""退货申请 (CEB625): all or part of a released list returned within 30 days gives its value back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from declarations.domain.cancellation import cancel
from declarations.domain.events import ReceiptDue, TaxVoided
from declarations.domain.returns import return_goods
from declarations.domain.review import CustomsDecision, ReviewState, review
from tests.unit.codec.builders import NOW, make_inventory_cancel, make_inventory_return
from tests.unit.review.test_cancellation import RELEASED_INVT_NO, released
from tests.unit.review.test_review import BUYER, POLICY, statuses

SECOND = "8A2B1C4D-3A2B-4C1D-9E8F-0A1B2C3D4E5F"


def test_a_whole_list_returned_gives_its_amount_back_and_voids_the_tax_bill() -> None:
    state, matched = released("100")
    after, events = return_goods(
        state, make_inventory_return(matched.inventory, invt_no=RELEASED_INVT_NO), NOW
    )
    assert statuses(events) == [120, 399]
    assert isinstance(events[-1], TaxVoided)
    assert events[-1].tax_status.status == "3"
    assert after.ledger.used(BUYER, 2024) == Decimal(0)


def test_part_of_a_line_returned_gives_its_share_back_and_the_rest_may_follow() -> None:
    state, matched = released("301", qty="2")  # 150.50 each
    state, events = return_goods(
        state, make_inventory_return(matched.inventory, ((1, "1"),), invt_no=RELEASED_INVT_NO), NOW
    )
    assert statuses(events) == [120, 399]
    assert not any(isinstance(event, TaxVoided) for event in events)  # goods are still out
    assert state.ledger.used(BUYER, 2024) == Decimal("150.50")

    second = make_inventory_return(
        matched.inventory, ((1, "1"),), guid="8A2B1C4D-3A2B-4C1D-9E8F-0A1B2C3D4E5F", invt_no=RELEASED_INVT_NO
    )
    state, events = return_goods(state, second, NOW + timedelta(days=2))
    assert isinstance(events[-1], TaxVoided)
    assert state.ledger.used(BUYER, 2024) == Decimal(0)

    (refused,) = return_goods(state, second, NOW + timedelta(days=3))[1]
    assert isinstance(refused, ReceiptDue)
    assert refused.status == -625005  # nothing left to return


def test_more_than_was_released_or_a_line_the_list_does_not_have_is_refused() -> None:
    state, matched = released("301", qty="2")
    for returned, code in (((1, "3"),), -625014), (((2, "1"),), -625209):
        request = make_inventory_return(matched.inventory, returned, invt_no=RELEASED_INVT_NO)
        after, (refused,) = return_goods(state, request, NOW)
        assert isinstance(refused, ReceiptDue)
        assert (refused.status, after) == (code, state)


def test_a_return_after_thirty_days_is_refused() -> None:
    state, matched = released()
    request = make_inventory_return(matched.inventory, invt_no=RELEASED_INVT_NO)
    assert statuses(return_goods(state, request, NOW + timedelta(days=30))[1]) == [120, 399]
    (refused,) = return_goods(state, request, NOW + timedelta(days=30, seconds=1))[1]
    assert isinstance(refused, ReceiptDue)
    assert refused.status == -625015


def test_only_a_released_list_not_cancelled_takes_a_return() -> None:
    state, matched = released()
    cancelled, _ = cancel(state, make_inventory_cancel(matched.inventory, invt_no=RELEASED_INVT_NO), NOW)
    detained, _ = review(ReviewState(), matched, NOW, replace(POLICY, decide=lambda _: CustomsDecision(502)))
    request = make_inventory_return(matched.inventory, invt_no=RELEASED_INVT_NO)
    for state_, code in ((cancelled, -625005), (detained, -625005), (ReviewState(), -625003)):
        (refused,) = return_goods(state_, request, NOW)[1]
        assert isinstance(refused, ReceiptDue)
        assert refused.status == code
    (unknown,) = return_goods(
        state, make_inventory_return(matched.inventory, invt_no="51412024I000000099"), NOW
    )[1]
    assert isinstance(unknown, ReceiptDue)
    assert unknown.status == -625003


def test_a_quantity_of_zero_or_below_is_refused_and_changes_nothing() -> None:
    """The XSD's decimal takes a sign: a return of -2 counted twice the list against the buyer."""
    state, matched = released("301", qty="2")
    for quantity in ("0", "-2"):
        request = make_inventory_return(matched.inventory, ((1, quantity),), invt_no=RELEASED_INVT_NO)
        after, (refused,) = return_goods(state, request, NOW)
        assert isinstance(refused, ReceiptDue)
        assert (refused.status, after) == (-625014, state)


def test_a_modification_or_deletion_of_a_return_is_not_another_return() -> None:
    state, matched = released("301", qty="2")
    state, _ = return_goods(state, make_inventory_return(matched.inventory, invt_no=RELEASED_INVT_NO), NOW)
    for app_type in ("2", "3"):
        request = make_inventory_return(matched.inventory, invt_no=RELEASED_INVT_NO, app_type=app_type)
        after, (refused,) = return_goods(state, request, NOW)
        assert isinstance(refused, ReceiptDue)
        assert (refused.status, after) == (-625005, state)
    assert state.ledger.used(BUYER, 2024) == Decimal("150.50")


def test_a_list_returned_whole_cannot_be_cancelled_after() -> None:
    state, matched = released("100")
    state, _ = return_goods(state, make_inventory_return(matched.inventory, invt_no=RELEASED_INVT_NO), NOW)
    after, (refused,) = cancel(state, make_inventory_cancel(matched.inventory, invt_no=RELEASED_INVT_NO), NOW)
    assert isinstance(refused, ReceiptDue)
    assert (refused.status, after) == (-623005, state)
