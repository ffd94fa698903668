"""撤销申请 (CEB623): a released list cancelled gives the buyer's quota back and voids its tax bill."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from declarations.domain.cancellation import cancel
from declarations.domain.events import ReceiptDue, TaxVoided
from declarations.domain.review import CustomsDecision, MatchedList, ReviewState, review
from tests.unit.codec.builders import NOW, make_inventory_cancel, make_inventory_head, make_inventory_list
from tests.unit.review.test_review import BUYER, POLICY, priced_list, statuses

RELEASED_INVT_NO = "51412024I000000007"  # serial 7, as `priced_list` gives it


def released(value: str = "100", order_no: str = "O1", qty: str = "1") -> tuple[ReviewState, MatchedList]:
    matched = priced_list(value, qty=qty, order_no=order_no, guid=f"G-{order_no}")
    state, _ = review(ReviewState(), matched, NOW, POLICY)
    return state, matched


def test_a_released_list_cancelled_gives_the_quota_back_and_voids_its_tax_bill() -> None:
    state, matched = released("100")
    assert state.ledger.used(BUYER, 2024) == Decimal(100)
    request = make_inventory_cancel(matched.inventory, invt_no=RELEASED_INVT_NO)

    after, events = cancel(state, request, NOW)

    assert events[:2] == (
        ReceiptDue(120, "逻辑校验通过"),
        ReceiptDue(399, f"撤销成功[invtNo={RELEASED_INVT_NO}]", RELEASED_INVT_NO),
    )
    (voided,) = events[2:]
    assert isinstance(voided, TaxVoided)
    assert voided.list_guid == "G-O1"
    assert (voided.tax_status.status, voided.tax_status.tax_no) == ("3", f"{RELEASED_INVT_NO}01")
    assert after.ledger.used(BUYER, 2024) == Decimal(0)


def test_a_cancelled_list_frees_the_annual_quota_for_another() -> None:
    state = ReviewState()
    for n in range(5):
        state, _ = review(state, priced_list("5000", guid=f"G{n}", order_no=f"O{n}"), NOW, POLICY)
    over = priced_list("1001", guid="G9", order_no="O9")
    assert [
        event.status for event in review(state, over, NOW, POLICY)[1] if isinstance(event, ReceiptDue)
    ] == [
        120,
        -621018,
    ]
    first = priced_list("5000", guid="G0", order_no="O0").inventory
    state, _ = cancel(state, make_inventory_cancel(first, invt_no=RELEASED_INVT_NO), NOW)
    assert statuses(review(state, over, NOW, POLICY)[1]) == [120, 399, 800, 899]


def test_a_second_cancellation_is_refused_and_changes_nothing() -> None:
    state, matched = released()
    request = make_inventory_cancel(matched.inventory, invt_no=RELEASED_INVT_NO)
    state, _ = cancel(state, request, NOW)
    again = replace(request, guid="6E2B1C4D-3A2B-4C1D-9E8F-0A1B2C3D4E5F")
    assert cancel(state, again, NOW) == (
        state,
        (ReceiptDue(-623009, f"清单已申请撤销，请勿重复申请[invtNo={RELEASED_INVT_NO}]"),),
    )


def test_a_list_never_reviewed_or_with_another_invt_no_is_not_found() -> None:
    state, matched = released()
    for request in (
        make_inventory_cancel(make_inventory_list(head=make_inventory_head(order_no="unknown"))),
        make_inventory_cancel(matched.inventory, invt_no="51412024I000000099"),
    ):
        (refused,) = cancel(state, request, NOW)[1]
        assert isinstance(refused, ReceiptDue)
        assert refused.status == -623003


def test_a_list_customs_did_not_release_cannot_be_cancelled() -> None:
    detained = replace(POLICY, decide=lambda _: CustomsDecision(502, (500,)))
    matched = priced_list("100", guid="G1", order_no="O1")
    state, _ = review(ReviewState(), matched, NOW, detained)
    request = make_inventory_cancel(matched.inventory, invt_no=RELEASED_INVT_NO)
    assert cancel(state, request, NOW) == (
        state,
        (ReceiptDue(-623005, f"清单状态[502]不允许撤销[invtNo={RELEASED_INVT_NO}]"),),
    )
