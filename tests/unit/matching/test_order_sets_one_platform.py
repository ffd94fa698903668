"""One platform under an orderNo: `match_order` and `tick_order` are `match` and `tick` (the
behaviour from before `order_sets`), whatever arrives: versions, deletions, redeliveries, timeouts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order
from declarations.domain.matching import EMPTY, MatchDocument, MatchState, match, tick
from declarations.domain.matching_rules import MatchPolicy
from declarations.domain.order_sets import OrderState, deadline_of, match_order, tick_order
from tests.unit.codec.builders import NOW
from tests.unit.matching.sets import A

WINDOW = MatchPolicy().window


def _version(
    document: MatchDocument, tag: str, app_type: str, minutes: int, **changes: object
) -> MatchDocument:
    stamp = {
        "guid": f"{tag}-{type(document).__name__}",
        "app_type": app_type,
        "app_time": NOW + timedelta(minutes=minutes),
    }
    headed: Any = document  # `replace` over the union of document types
    if isinstance(document, Order | InventoryList):
        return replace(headed, head=replace(headed.head, **stamp, **changes))  # type: ignore[no-any-return]
    return replace(headed, **stamp, **changes)  # type: ignore[no-any-return]


def _variants(document: MatchDocument) -> list[MatchDocument]:
    return [
        document,
        _version(document, "mod", "2", 5),
        _version(document, "del", "3", 6),
        _version(document, "stale", "2", -5),
        _version(document, "again", "1", 7),  # a new declaration: a duplicate, or a list after a refused one
    ]


POOL = [variant for document in A for variant in _variants(document)]
POOL.append(_version(A[3], "bad", "1", 8, currency="502"))  # a new list that breaks a rule


@st.composite
def traffic(draw: st.DrawFn) -> list[MatchDocument | timedelta]:
    """Documents of one platform (one waybill number), with the clock moving on and ticks between."""
    steps = st.one_of(st.sampled_from(POOL), st.sampled_from([WINDOW / 2, WINDOW]))
    return draw(st.lists(steps, min_size=1, max_size=25))


@settings(max_examples=300, deadline=None)
@given(traffic())
def test_one_platform_is_matched_as_one_set_as_before(steps: list[MatchDocument | timedelta]) -> None:
    plain: MatchState = EMPTY
    sets: OrderState = EMPTY
    now = NOW
    for step in steps:
        if isinstance(step, timedelta):
            now += step
            plain, events = tick(plain, now)
            sets, changes = tick_order(sets, now)
        else:
            plain, events = match(plain, step, now)
            sets, changes = match_order(sets, step, now)
        assert (sets, tuple(event for change in changes for event in change.events)) == (plain, events)
        assert deadline_of(sets) == (None if plain.matched else plain.deadline)
