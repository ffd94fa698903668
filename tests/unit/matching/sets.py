"""A consistent import set from the codec builders, and a way to see which rules a variant breaks."""

from __future__ import annotations

from datetime import datetime

from declarations.domain.events import ListMismatched, MatchEvent
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching import EMPTY, MatchDocument, MatchState, match
from declarations.domain.matching_rules import MatchPolicy
from tests.unit.codec.builders import NOW, make_inventory_list, make_order, make_payment, make_waybill


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
