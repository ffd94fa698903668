"""Two platforms under one orderNo (`declarations.domain.order_sets`): each platform's documents
match among themselves, whatever the interleaving; one platform behaves as one `MatchState`."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_message
from declarations.domain.events import (
    DocumentRefused,
    Kind,
    ListMatched,
    ListMismatched,
    MatchEvent,
    MatchTimedOut,
)
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order
from declarations.domain.matching import MatchDocument, MatchState
from declarations.domain.matching_rules import MatchPolicy
from declarations.domain.order_sets import OTHER_PLATFORM, OrderSets, tick_order
from declarations.intake import facts
from declarations.stages.matching import ACCEPTED_TOPIC, MATCHED_TOPIC, MatchingLogic
from declarations.stages.receipt_events import RECEIPTS_TOPIC
from declarations.store.stage_store import Output
from tests.unit.codec.builders import NOW, make_base_transfer
from tests.unit.matching.sets import PLATFORM_B, A, B, feed_sets, redeliver, waybills_after_their_platform

TYPES = ("CEB311", "CEB411", "CEB511", "CEB621")
A_DOCUMENTS: tuple[MatchDocument, ...] = A
B_DOCUMENTS: tuple[MatchDocument, ...] = B


def _guid(document: MatchDocument) -> str:
    return document.head.guid if isinstance(document, InventoryList | Order) else document.guid  # type: ignore[union-attr]


def _outcome(events: list[MatchEvent]) -> Counter[object]:
    return Counter(
        ("matched", event.inventory.head.guid) if isinstance(event, ListMatched) else type(event).__name__
        for event in events
    )


@st.composite
def interleavings(draw: st.DrawFn) -> tuple[MatchDocument, ...]:
    """Both platforms' documents in any order, some delivered twice, each waybill after some
    document of its own platform (before that nothing says whose it is: the module docstring)."""
    both: tuple[MatchDocument, ...] = A + B
    sequence: list[MatchDocument] = list(draw(st.permutations(both)))
    waybills_after_their_platform(sequence)
    redeliver(draw, sequence, both)
    return tuple(sequence)


@settings(max_examples=300, deadline=None)
@given(interleavings())
def test_two_platforms_with_one_order_number_each_match_whatever_the_interleaving(
    sequence: tuple[MatchDocument, ...],
) -> None:
    _, events = feed_sets(sequence)
    assert _outcome(events) == Counter(
        {"DocumentStored": 6, ("matched", "B-list"): 1, ("matched", "A-list"): 1}
    )


def test_the_second_platforms_order_is_not_refused_as_a_duplicate_of_the_first() -> None:
    state, events = feed_sets(A)
    assert isinstance(state, MatchState)
    assert any(isinstance(e, ListMatched) for e in events)
    state, events = feed_sets(B[:1], state)
    assert events == []  # one set answered -301010
    assert isinstance(state, OrderSets)
    state, events = feed_sets(B[1:], state)
    assert _outcome(events) == Counter({"DocumentStored": 3, ("matched", "B-list"): 1})


def test_one_platform_stays_one_set_and_a_second_order_is_still_a_duplicate() -> None:
    state, _ = feed_sets(A[:3])
    other = replace(A[0], head=replace(A[0].head, guid="again", buyer_name="另一人"))
    state, events = feed_sets((other,), state)
    assert isinstance(state, MatchState)
    assert [e.code for e in events if isinstance(e, DocumentRefused)] == [-301010]


def test_a_waybill_placed_with_the_wrong_platform_goes_to_the_list_that_names_it() -> None:
    # B's waybill joins A's set while A is alone; B's order splits the sets and takes nothing of A's
    _, events = feed_sets((A[0], A[1], B[2], B[0], B[1], A[2], A[3], B[3]))
    assert _outcome(events) == Counter(
        {"DocumentStored": 6, ("matched", "B-list"): 1, ("matched", "A-list"): 1}
    )
    assert not any(isinstance(e, ListMismatched) for e in events)


def test_a_list_with_another_platform_code_naming_the_sets_waybill_is_answered_at_once() -> None:
    typo = replace(A[3], head=replace(A[3].head, ebp_code=PLATFORM_B))
    state, events = feed_sets((*A[:3], typo))
    assert isinstance(state, MatchState)
    assert [e.rule for e in events if isinstance(e, ListMismatched)] == ["order_list_key"]


def test_a_payment_with_another_platform_code_leaves_the_list_to_time_out_saying_so() -> None:
    typo = replace(A[1], ebp_code=PLATFORM_B)
    state, events = feed_sets((A[0], typo, A[2], A[3]))
    assert isinstance(state, OrderSets)
    assert events == []
    after, changes = tick_order(state, NOW + MatchPolicy().window)
    (timed_out,) = [
        e for c in changes for e in c.events if isinstance(e, MatchTimedOut) and c.before.documents[3]
    ]
    assert timed_out.missing == (Kind.PAYMENT,)
    assert timed_out.info.endswith(OTHER_PLATFORM)
    assert PLATFORM_B not in timed_out.info
    assert after == pickle.loads(pickle.dumps(after))  # noqa: S301 - our own state, as the stage store keeps it


def test_the_stage_answers_each_platforms_documents_once() -> None:
    logic, states, outputs = MatchingLogic(), dict[str, Any](), list[Output]()
    arrivals: list[tuple[str, MatchDocument]] = [
        *zip(TYPES[:2], B_DOCUMENTS[:2], strict=True),
        *zip(TYPES, A_DOCUMENTS, strict=True),
        *zip(TYPES[2:], B_DOCUMENTS[2:], strict=True),
    ]
    for offset, (message_type, document) in enumerate(arrivals):
        value = build(message_type, [document], base_transfer=make_base_transfer())
        key = facts(message_type, document).routing_key.encode()
        record = BusRecord(ACCEPTED_TOPIC, 0, offset, key, value, ())
        state_key = logic.key(record)
        step = logic.apply(states.get(state_key), record, NOW)
        states[state_key] = pickle.loads(pickle.dumps(step.state))  # noqa: S301 - as the stage store keeps it
        outputs.extend(step.outputs)
    assert len(states) == 1  # one orderNo, one state
    bodies = [json.loads(o.value) for o in outputs if o.topic == RECEIPTS_TOPIC]
    receipts = Counter((body["document_type"], body["document_guid"], body["status"]) for body in bodies)
    # the order, payment and waybill of each: 120 once; the lists go on to review, which answers them
    assert receipts == Counter(
        {
            (t, _guid(d), "120"): 1
            for t, d in (
                *zip(TYPES[:3], A_DOCUMENTS, strict=False),
                *zip(TYPES[:3], B_DOCUMENTS, strict=False),
            )
        }
    )
    matched = [parse_message(o.value).documents[0] for o in outputs if o.topic == MATCHED_TOPIC]
    assert sorted(m.head.guid for m in matched if isinstance(m, InventoryList)) == ["A-list", "B-list"]
