"""Several matching sets under one order number: platforms whose orderNos collide.

An orderNo is unique per platform, not across platforms (§4.5: an order's business key is
ebcCode + orderNo), and the gateway accepts two platforms' orders with the same number as two
documents. Matching's partition key is the orderNo alone (`matching.order_key`: the waybill
carries no platform code), so both platforms' documents reach one state.

**One platform, one waybill number** (the common case): the state is one `MatchState` and
`matching.match` decides, as before: a waybill joins the set whatever it names, so a list naming
another waybill is answered at once by the rule it breaks, and so is a list with another ebpCode
than its order's that names the set's waybill (waybill numbers are unique: it is the same parcel).

**A second platform** (an order, payment or list whose ebpCode is not the set's), **or a second
waybill number** (another business key, not a duplicate: it waits instead of being refused
-504015), splits the state into `OrderSets`: one set per platform, and waybills on their own
("loose") until a list names them. A waybill carries no platform code, so only a list can say whose it is:
- an order, payment or list goes to its platform's set (a new one for a new platform);
- a waybill goes to the set that holds a version of it, else to the set whose list names it
  (logisticsCode + logisticsNo), else it waits loose;
- a redelivery goes to the set that holds it, or that answered it;
- a list (new or modified) naming another waybill than its open set holds lets that one go loose
  (with the set's deadline) instead of being answered `waybill_list_key`; then every set whose
  list names a loose waybill takes it, whichever set changed (one list's correction may free the
  waybill another platform's list waits for).
On the split, a waybill the set's list does not name is taken out and waits loose, for whichever
platform's list names it; a matched set keeps its waybill (frozen: -504011), even when its list was
refused and dropped. Each set matches, times out (a loose waybill as a lone waybill does) and is
answered on its own; a set left empty (also by deletions) is dropped with its deadline, and one
set left is a `MatchState` again, with the one-set rules above.

**What is left to arrival order.** A waybill that arrives before any document of its own
platform, while the other platform is alone under the number, joins that platform's set (nothing
yet says it is foreign); if that set's list is there and names another waybill, the list is
answered `waybill_list_key`. Every other interleaving of two platforms' documents matches both.
An order or payment with a wrong ebpCode (a typo), or such a list naming a waybill the set does
not hold, now starts a set of its own: the list is answered at the window's end as incomplete,
and the text says that another platform's documents share the number (`OTHER_PLATFORM`). A list
naming a waybill another platform's set holds does not take it: it waits and times out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from declarations.domain.events import Kind, MatchEvent, MatchTimedOut
from declarations.domain.export_lists import ExportList
from declarations.domain.export_trade import Collection, ExportOrder, ExportWaybill
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching import (
    DEFAULT_POLICY,
    EMPTY,
    MatchDocument,
    MatchState,
    adopt_waybill,
    match,
    tick,
)
from declarations.domain.matching_rules import MatchPolicy
from declarations.domain.values import value

WAYBILL = 2
OTHER_PLATFORM = "；同一订单编号下有其他电商平台(ebpCode)的单证，请核对ebpCode"


@value
class OrderSets:
    """The sets of one orderNo once two platforms used it: platform sets and loose waybills."""

    sets: tuple[MatchState, ...]


OrderState = MatchState | OrderSets


class SetChange(NamedTuple):  # not a dataclass: one per document, and a tuple is built ~3x faster
    """What one set went through: the stage answers `events` from `before` and `after`."""

    before: MatchState
    after: MatchState
    events: tuple[MatchEvent, ...]


def match_order(
    state: OrderState, document: MatchDocument, now: datetime, policy: MatchPolicy = DEFAULT_POLICY
) -> tuple[OrderState, tuple[SetChange, ...]]:
    """`matching.match` on the set `document` belongs to; the first change is that set's."""
    if state is EMPTY or (isinstance(state, MatchState) and not _splits(state, document)):
        after, events = match(state, document, now, policy)
        return after, (SetChange(state, after, events),)
    sets = state.sets if isinstance(state, OrderSets) else _split(state)
    index = _route(sets, document)
    before = sets[index] if index < len(sets) else EMPTY
    after, events, released = _placed(before, document, now, policy)
    sets = (*sets[:index], after, *sets[index + 1 :], *released)
    sets, claimed = _claim(sets, now, policy)
    return _joined(sets), (SetChange(before, after, events), *claimed)


def tick_order(state: OrderState, now: datetime) -> tuple[OrderState, tuple[SetChange, ...]]:
    """`matching.tick` on every set: the ones whose window has passed time out."""
    if isinstance(state, MatchState):
        after, events = tick(state, now)
        return after, (SetChange(state, after, events),)
    changes = tuple(_hinted(state, SetChange(s, *tick(s, now))) for s in state.sets)
    return _joined(tuple(change.after for change in changes)), changes


def deadline_of(state: OrderState) -> datetime | None:
    """When the earliest open set times out (None: nothing is waiting)."""
    sets = state.sets if isinstance(state, OrderSets) else (state,)
    deadlines = [s.deadline for s in sets if not s.matched and s.deadline is not None]
    return min(deadlines, default=None)


def _hinted(state: OrderSets, change: SetChange) -> SetChange:
    """A list timed out without its order or payment while another platform's documents share
    the orderNo: say so (a wrong ebpCode is the likely cause), without naming that platform."""
    platform = _set_platform(change.before)
    if not any(_set_platform(other) not in (None, platform) for other in state.sets):
        return change
    events = tuple(
        replace(event, info=event.info + OTHER_PLATFORM)
        if isinstance(event, MatchTimedOut)
        and change.before.documents[3] is not None
        and {Kind.ORDER, Kind.PAYMENT} & set(event.missing)
        else event
        for event in change.events
    )
    return SetChange(change.before, change.after, events)


def _splits(state: MatchState, document: MatchDocument) -> bool:
    """A second platform, or a second waybill (another number: another business key)."""
    platform, documents = _PLATFORM[type(document)](document), state.documents
    if platform is None:  # a waybill
        return (
            documents[WAYBILL] is not None
            and not _holds_number(state, document)
            and document not in state.closed
        )
    first = documents[0] or documents[1] or documents[3]
    if first is None or _PLATFORM[type(first)](first) == platform:
        return False
    return not _names_waybill(document, state)  # a list naming the set's waybill: the same parcel


def _split(state: MatchState) -> tuple[MatchState, ...]:
    """One platform's set as `OrderSets`: a waybill its list does not name waits loose."""
    waybill = state.documents[WAYBILL]
    if waybill is None or state.matched or _names(state, waybill):
        return (state,)  # a matched set's waybill is frozen with it, even when its list was refused
    return _without_waybill(state), _loose(waybill, state.deadline)


def _route(sets: tuple[MatchState, ...], document: MatchDocument) -> int:
    """The index of the set `document` belongs to; `len(sets)` for a new one."""
    for index, s in enumerate(sets):
        if document in s.documents or document in s.closed:
            return index
    platform = _platform(document)
    if platform is not None:
        return next((i for i, s in enumerate(sets) if _set_platform(s) == platform), len(sets))
    # a waybill: to the set that holds a version of it before one whose list only names it
    holder = next((i for i, s in enumerate(sets) if _holds_number(s, document)), None)
    return (
        holder
        if holder is not None
        else next((i for i, s in enumerate(sets) if _names(s, document)), len(sets))
    )


def _placed(
    s: MatchState, document: MatchDocument, now: datetime, policy: MatchPolicy
) -> tuple[MatchState, tuple[MatchEvent, ...], tuple[MatchState, ...]]:
    """`match`, except that a list (new or modified) naming another waybill than the one its open
    set holds lets that one go loose first, as sets of their own, for the list that names it."""
    held = s.documents[WAYBILL]
    if (
        held is None
        or s.matched
        or not isinstance(document, InventoryList | ExportList)
        or document.head.app_type == "3"
        or _names_in(document, held)
    ):
        after, events = match(s, document, now, policy)
        return after, events, ()
    taken = _without_waybill(s)
    after, events = match(taken, document, now, policy)
    if after is taken:  # refused or redelivered: nothing moves
        return s, events, ()
    return after, events, (_loose(held, after.deadline),)


def _without_waybill(s: MatchState) -> MatchState:
    """An open set with its waybill taken out (to wait loose)."""
    order, payment, _, listed = s.documents
    return MatchState((order, payment, None, listed), False, s.deadline, s.closed)


def _loose(waybill: MatchDocument, deadline: datetime | None) -> MatchState:
    """A waybill waiting on its own for the list that names it."""
    return MatchState((None, None, waybill, None), False, deadline)


def _claim(
    sets: tuple[MatchState, ...], now: datetime, policy: MatchPolicy
) -> tuple[tuple[MatchState, ...], tuple[SetChange, ...]]:
    """Every set whose list names a loose waybill takes it (not only the set that just changed:
    a waybill let go by one list may be the one another platform's list waits for)."""
    changes: tuple[SetChange, ...] = ()
    for index in range(len(sets)):
        s = sets[index]
        found = _loose_named(sets, s) if s.documents[3] and s.documents[WAYBILL] is None else None
        if found is None:
            continue
        loose_index, waybill = found
        after, events = adopt_waybill(s, waybill, now, policy)
        placed = [*sets]
        placed[index], placed[loose_index] = after, MatchState(closed=sets[loose_index].closed)
        sets, changes = tuple(placed), (*changes, SetChange(s, after, events))
    return sets, changes


def _loose_named(sets: tuple[MatchState, ...], s: MatchState) -> tuple[int, Waybill | ExportWaybill] | None:
    """The loose waybill (a set of a waybill alone) that the list of `s` names, and its index."""
    for index, loose in enumerate(sets):
        waybill = loose.documents[WAYBILL]
        if (
            _set_platform(loose) is None
            and isinstance(waybill, Waybill | ExportWaybill)
            and _names(s, waybill)
        ):
            return index, waybill
    return None


def _names_waybill(document: MatchDocument, s: MatchState) -> bool:
    """`document` is a list that names the waybill `s` holds."""
    held = s.documents[WAYBILL]
    return isinstance(document, InventoryList | ExportList) and held is not None and _names_in(document, held)


def _names(s: MatchState, waybill: MatchDocument) -> bool:
    listed = s.documents[3]
    return isinstance(listed, InventoryList | ExportList) and _names_in(listed, waybill)


def _names_in(listed: InventoryList | ExportList, waybill: MatchDocument) -> bool:
    return isinstance(waybill, Waybill | ExportWaybill) and (
        listed.head.logistics_code,
        listed.head.logistics_no,
    ) == (waybill.logistics_code, waybill.logistics_no)


def _holds_number(s: MatchState, waybill: MatchDocument) -> bool:
    held = s.documents[WAYBILL]
    return (
        isinstance(held, Waybill | ExportWaybill)
        and isinstance(waybill, Waybill | ExportWaybill)
        and (held.logistics_code, held.logistics_no) == (waybill.logistics_code, waybill.logistics_no)
    )


def _headed(document: Order | InventoryList | ExportOrder | ExportList) -> str:
    return document.head.ebp_code


def _own(document: Payment | Collection) -> str:
    return document.ebp_code


def _none(_: Waybill | ExportWaybill) -> None:
    return None  # a waybill names no platform


# looked up by type: this runs for every document the stage matches
_PLATFORM: dict[type, Callable[[Any], str | None]] = {
    Order: _headed, InventoryList: _headed, ExportOrder: _headed, ExportList: _headed,
    Payment: _own, Collection: _own, Waybill: _none, ExportWaybill: _none,
}  # fmt: skip


def _platform(document: MatchDocument) -> str | None:
    return _PLATFORM[type(document)](document)


def _set_platform(s: MatchState) -> str | None:
    order, payment, _, listed = s.documents
    document = order or payment or listed
    return None if document is None else _PLATFORM[type(document)](document)


def _joined(sets: tuple[MatchState, ...]) -> OrderState:
    """Sets left empty are dropped, with their deadline (a set that answered documents keeps them,
    for redeliveries)."""
    kept = tuple(s for s in sets if s.closed or any(s.documents))  # not EMPTY, nor emptied by deletions
    if len(kept) <= 1:
        return kept[0] if kept else EMPTY
    return OrderSets(kept)
