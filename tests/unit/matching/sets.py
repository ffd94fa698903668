"""A consistent import set from the codec builders, and a way to see which rules a variant breaks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hypothesis import strategies as st

from declarations.domain.events import ListMismatched, MatchEvent
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching import EMPTY, MatchDocument, MatchState, match
from declarations.domain.matching_rules import MatchPolicy
from declarations.domain.order_sets import OrderState, match_order
from tests.unit.codec.builders import (
    NOW,
    make_inventory_head,
    make_inventory_list,
    make_order,
    make_order_head,
    make_payment,
    make_waybill,
)

PLATFORM_B = "2105910159"
Parcel = tuple[Order, Payment, Waybill, InventoryList]


def import_set(
    order: Order | None = None,
    payment: Payment | None = None,
    waybill: Waybill | None = None,
    inventory: InventoryList | None = None,
) -> tuple[MatchDocument, ...]:
    return (
        order or make_order(),
        payment or make_payment(),
        waybill or make_waybill(),
        inventory or make_inventory_list(),
    )


def feed(
    documents: tuple[MatchDocument, ...],
    state: MatchState = EMPTY,
    now: datetime = NOW,
    policy: MatchPolicy | None = None,
) -> tuple[MatchState, list[MatchEvent]]:
    events: list[MatchEvent] = []
    for document in documents:
        state, emitted = match(state, document, now, policy or MatchPolicy())
        events.extend(emitted)
    return state, events


def broken_rules(documents: tuple[MatchDocument, ...], policy: MatchPolicy | None = None) -> dict[str, str]:
    """Rule id → returnInfo of every rule the set breaks."""
    _, events = feed(documents, policy=policy)
    return {event.rule: event.info for event in events if isinstance(event, ListMismatched)}


def parcel(platform: str, tag: str, logistics_no: str, transaction: str) -> Parcel:
    """One platform's consistent import set, with its own guids, payment and waybill."""
    codes = {"ebp_code": platform, "ebc_code": platform}
    return (
        make_order(head=make_order_head(guid=f"{tag}-order", **codes)),
        make_payment(guid=f"{tag}-payment", ebp_code=platform, pay_transaction_id=transaction),
        make_waybill(guid=f"{tag}-waybill", logistics_no=logistics_no),
        make_inventory_list(head=make_inventory_head(guid=f"{tag}-list", logistics_no=logistics_no, **codes)),
    )


# two platforms' parcels under one orderNo (`declarations.domain.order_sets`)
A = parcel("1105910159", "A", "LN20240308001", "20240308000001")
B = parcel(PLATFORM_B, "B", "LN-B", "B-pay-1")


def feed_sets(
    sequence: tuple[MatchDocument, ...], state: OrderState = EMPTY, now: datetime = NOW
) -> tuple[OrderState, list[MatchEvent]]:
    """`match_order` over `sequence`: the state and the events of every set."""
    events: list[MatchEvent] = []
    for document in sequence:
        state, changes = match_order(state, document, now, MatchPolicy())
        events.extend(event for change in changes for event in change.events)
    return state, events


def waybills_after_their_platform(sequence: list[MatchDocument]) -> None:
    """Move each of A's and B's waybills, where it comes first, to just after the first document of
    its own platform: before that nothing says whose it is (`order_sets`' docstring)."""
    for own in (A, B):
        first = min(sequence.index(d) for d in own if d is not own[2])
        if sequence.index(own[2]) < first:
            sequence.remove(own[2])
            sequence.insert(first, own[2])  # just after that document, which moved down one


def redeliver(draw: st.DrawFn, sequence: list[MatchDocument], among: Sequence[MatchDocument]) -> None:
    """Deliver up to four of `among` again, each somewhere after its first delivery."""
    for document in draw(st.lists(st.sampled_from(among), max_size=4)):
        sequence.insert(draw(st.integers(sequence.index(document) + 1, len(sequence))), document)
