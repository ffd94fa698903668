"""三单对碰 over time: any arrival order, redeliveries, timeouts, modifications and deletions."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.domain.events import (
    DocumentRefused,
    DocumentStored,
    DocumentWithdrawn,
    Kind,
    ListMatched,
    ListMismatched,
    MatchTimedOut,
)
from declarations.domain.import_lists import InventoryList
from declarations.domain.matching import EMPTY, MatchDocument, match, order_key, tick
from declarations.domain.matching_rules import MatchPolicy
from tests.unit.codec.builders import (
    NOW,
    make_inventory_list,
    make_order,
    make_order_head,
    make_payment,
    make_waybill,
)
from tests.unit.matching.sets import feed, import_set

LATER = NOW + timedelta(minutes=5)
WINDOW = MatchPolicy().window


def modified_order(**head: object) -> MatchDocument:
    return make_order(head=make_order_head(app_type="2", app_time=LATER, **head))


def outcome(documents: tuple[MatchDocument, ...]) -> tuple[object, Counter[object]]:
    state, events = feed(documents)
    return state, Counter(events)


@st.composite
def deliveries(draw: st.DrawFn, documents: tuple[MatchDocument, ...]) -> tuple[MatchDocument, ...]:
    """Every document at least once, in any order, some of them again (redelivered) anywhere."""
    order = draw(st.permutations(documents))
    extra = draw(st.lists(st.sampled_from(documents), max_size=6))
    positions = draw(
        st.lists(st.integers(0, len(order) + len(extra)), min_size=len(extra), max_size=len(extra))
    )
    sequence = list(order)
    for document, position in zip(extra, positions, strict=True):
        sequence.insert(position, document)
    return tuple(sequence)


CONSISTENT = import_set()
INCONSISTENT = import_set(payment=make_payment(amount_paid=Decimal("100")))


@settings(max_examples=150, deadline=None)
@given(deliveries(CONSISTENT))
def test_any_arrival_order_with_redeliveries_matches_like_in_order_arrival(
    sequence: tuple[MatchDocument, ...],
) -> None:
    assert outcome(sequence) == outcome(CONSISTENT)


@settings(max_examples=150, deadline=None)
@given(deliveries(INCONSISTENT))
def test_any_arrival_order_with_redeliveries_mismatches_like_in_order_arrival(
    sequence: tuple[MatchDocument, ...],
) -> None:
    assert outcome(sequence) == outcome(INCONSISTENT)


def test_all_four_documents_share_one_order_key() -> None:
    assert {order_key(document) for document in CONSISTENT} == {"I:order20240308001"}


def test_a_complete_consistent_set_stores_the_three_documents_and_matches_the_list() -> None:
    _, events = feed(CONSISTENT)
    assert [type(event) for event in events] == [DocumentStored] * 3 + [ListMatched]
    assert [event.kind for event in events if isinstance(event, DocumentStored)] == [
        Kind.ORDER,
        Kind.PAYMENT,
        Kind.WAYBILL,
    ]
    assert all(event.status == 120 for event in events if isinstance(event, DocumentStored))


def test_waybill_arriving_before_the_order_is_held_until_the_set_is_complete() -> None:
    state, held = feed((make_waybill(), make_inventory_list(), make_payment()))
    assert held == []
    _, events = match(state, make_order(), NOW)
    assert isinstance(events[-1], ListMatched)


def test_a_redelivered_document_after_matching_changes_nothing() -> None:
    state, _ = feed(CONSISTENT)
    for document in CONSISTENT:
        assert match(state, document, LATER) == (state, ())


def test_an_incomplete_set_times_out_naming_the_missing_documents() -> None:
    state, _ = feed((make_order(), make_inventory_list()))
    assert tick(state, NOW + WINDOW - timedelta(seconds=1)) == (state, ())
    state, events = tick(state, NOW + WINDOW)
    (event,) = events
    assert isinstance(event, MatchTimedOut)
    assert event.missing == (Kind.PAYMENT, Kind.WAYBILL)
    assert event.code == 100
    assert event.info.startswith(
        "三单不齐：缺少支付单[payCode+payTransactionId]、运单[logisticsCode+logisticsNo]"
    )
    assert state.documents[3] is None  # the list was answered; a corrected one may come


def test_a_timed_out_list_redelivered_is_not_matched_later() -> None:
    state, _ = feed((make_order(), make_inventory_list()))
    state, _ = tick(state, NOW + WINDOW)
    state, events = feed((make_payment(), make_waybill(), make_inventory_list()), state, NOW + WINDOW)
    assert not any(isinstance(event, ListMatched | DocumentStored) for event in events)


def test_a_new_list_after_a_timeout_matches_with_the_documents_kept() -> None:
    state, _ = feed((make_order(), make_inventory_list()))
    state, _ = tick(state, NOW + WINDOW)
    resent = make_inventory_list(head=replace(make_inventory_list().head, guid="NEW-GUID"))
    _, events = feed((make_payment(), make_waybill(), resent), state, NOW + WINDOW)
    assert isinstance(events[-1], ListMatched)


def test_without_a_list_every_document_is_answered_at_the_timeout_and_may_be_declared_again() -> None:
    """The stage answers each document present with 100; they are done, not kept to be matched
    (and answered 120) later. §4.5: after a 100 a new submission is allowed."""
    first = (make_order(), make_payment(), make_waybill())
    state, _ = feed(first)
    state, (event,) = tick(state, NOW + WINDOW)
    assert isinstance(event, MatchTimedOut)
    assert event.missing == (Kind.LIST,)
    assert state.documents == (None, None, None, None)
    assert feed(first, state, NOW + WINDOW) == (state, [])  # the answered versions, redelivered
    again = (
        make_order(head=make_order_head(guid="O-2", app_time=LATER)),
        make_payment(guid="P-2", app_time=LATER),
        make_waybill(guid="W-2", app_time=LATER),
        make_inventory_list(),
    )
    _, events = feed(again, state, LATER)
    assert [type(event) for event in events] == [DocumentStored] * 3 + [ListMatched]


def test_the_window_is_a_policy() -> None:
    state, _ = feed((make_order(),), policy=MatchPolicy(window=timedelta(minutes=1)))
    event = tick(state, NOW + timedelta(minutes=1))[1][0]
    assert isinstance(event, MatchTimedOut)
    assert event.missing == (Kind.PAYMENT, Kind.WAYBILL, Kind.LIST)


def test_a_matched_set_never_times_out() -> None:
    state, _ = feed(CONSISTENT)
    assert tick(state, NOW + 10 * WINDOW) == (state, ())


def test_a_modified_order_replaces_the_stored_one_and_rematches() -> None:
    bad_order = make_order(head=make_order_head(actural_paid=Decimal("1")))
    state, events = feed(import_set(order=bad_order))
    assert any(isinstance(event, ListMismatched) for event in events)
    fixed = modified_order()
    state, events = feed(
        (fixed, make_inventory_list(head=replace(make_inventory_list().head, guid="G2"))), state
    )
    assert isinstance(events[-1], ListMatched)
    assert state.documents[0] is fixed


def test_a_modification_after_matching_is_refused_with_the_list_declared_code() -> None:
    state, _ = feed(CONSISTENT)
    assert match(state, modified_order(), LATER) == (
        state,
        (DocumentRefused(Kind.ORDER, -301011, "订单已被清单申报（三单对碰已通过），不能变更或删除"),),
    )


def test_a_deletion_removes_the_document_and_the_set_waits_again() -> None:
    state, _ = feed((make_order(), make_payment()))
    deleted = make_payment(app_type="3", app_time=LATER)
    state, events = match(state, deleted, LATER)
    assert events == (DocumentWithdrawn(Kind.PAYMENT),)
    state, held = feed((make_waybill(), make_inventory_list()), state)
    assert held == []
    _, events = match(state, make_payment(guid="PAY-2"), LATER)
    assert isinstance(events[-1], ListMatched)


def test_a_modification_without_a_stored_document_is_refused() -> None:
    _, events = match(EMPTY, modified_order(), NOW)
    assert events == (DocumentRefused(Kind.ORDER, -301009, "订单不存在，无法完成变更或删除"),)


def test_an_older_modification_is_ignored_as_a_stale_message() -> None:
    state, _ = match(EMPTY, make_order(head=make_order_head(app_time=LATER)), NOW)
    _, events = match(state, make_order(head=make_order_head(app_type="2", app_time=NOW, note="x")), NOW)
    assert events == (
        DocumentRefused(Kind.ORDER, -301014, "接收报文为旧报文数据，不做处理[appTime=20240308113201]"),
    )


def test_a_second_new_order_with_other_content_is_a_duplicate() -> None:
    state, _ = match(EMPTY, make_order(), NOW)
    _, events = match(state, make_order(head=make_order_head(note="again")), NOW)
    assert events == (DocumentRefused(Kind.ORDER, -301010, "已存在相同编号的订单"),)


def test_no_document_gets_120_twice_whatever_arrives_after_matching() -> None:
    state, events = feed(CONSISTENT)
    for document in (*CONSISTENT, modified_order(), make_payment(app_type="3", app_time=LATER)):
        state, more = match(state, document, LATER)
        events.extend(more)
    stored = Counter(event.kind for event in events if isinstance(event, DocumentStored))
    assert stored == Counter({Kind.ORDER: 1, Kind.PAYMENT: 1, Kind.WAYBILL: 1})


def new_list(guid: str, currency: str = "142") -> InventoryList:
    head = replace(make_inventory_list().head, guid=guid, app_time=LATER, currency=currency)
    return make_inventory_list(head=head)


def test_a_new_list_after_a_matched_one_goes_to_review_alone() -> None:
    """§4.5: after a refused list (review: a limit, the positive list) a new one is allowed and
    replaces it. The gateway lets a new list through only then; the order, payment and waybill
    keep their one 120."""
    state, _ = feed(CONSISTENT)
    again = new_list("LIST-2")
    state, events = match(state, again, LATER)
    assert events == (ListMatched(again, "逻辑校验通过[orderNo=order20240308001,ebcCode=1105910159]"),)
    assert state.matched
    assert state.documents[3] is again
    assert match(state, CONSISTENT[3], LATER) == (state, ())  # the list it replaced, redelivered


def test_a_new_list_after_a_matched_one_is_held_to_the_rules_and_the_set_stays_matched() -> None:
    state, _ = feed(CONSISTENT)
    state, events = match(state, new_list("LIST-2", currency="502"), LATER)
    assert [type(event) for event in events] == [ListMismatched]
    assert state.matched
    assert state.documents[3] is None
    (refused,) = match(state, modified_order(), LATER)[1]
    assert isinstance(refused, DocumentRefused)
    assert refused.code == -301011  # still frozen
    fixed = new_list("LIST-3")
    _, events = match(state, fixed, LATER)
    assert [type(event) for event in events] == [ListMatched]


def test_an_order_is_not_modified_or_deleted_once_its_list_is_declared() -> None:
    """§4.5: "Orders cannot be changed once their list has been declared (-301011)", matched or not."""
    state, _ = feed((make_order(), make_payment(), make_inventory_list()))  # the waybill still to come
    refused = DocumentRefused(Kind.ORDER, -301011, "订单已被清单申报，不能变更或删除")
    assert match(state, modified_order(note="x"), LATER) == (state, (refused,))
    deleted = make_order(head=make_order_head(app_type="3", app_time=LATER))
    assert match(state, deleted, LATER) == (state, (refused,))
    payment_changed = make_payment(app_type="2", app_time=LATER, note="x")
    order, _, waybill, listed = state.documents
    changed = replace(state, documents=(order, payment_changed, waybill, listed))
    assert match(state, payment_changed, LATER) == (changed, ())  # orders only


def test_a_list_version_older_than_the_matched_one_is_not_taken_as_declared_again() -> None:
    """Only a list after the matched one was refused may come in on a matched set (§4.5); the
    version a modification replaced, delivered again, is older than that and is stale (-621055)."""
    first = make_inventory_list()
    modified = make_inventory_list(head=replace(first.head, guid="LIST-2", app_type="2", app_time=LATER))
    state, events = feed((first, modified, make_order(), make_payment(), make_waybill()))
    assert [event.inventory for event in events if isinstance(event, ListMatched)] == [modified]
    (refused,) = match(state, first, LATER)[1]
    assert isinstance(refused, DocumentRefused)
    assert refused.code == -621055
