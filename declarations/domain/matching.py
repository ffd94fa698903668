"""三单对碰: the matching core, one `MatchState` per order key, `match` and `tick` pure functions.

The shell keeps one state per `order_key(document)` and feeds each document through
`match(state, document, now)`; a timer calls `tick(state, now)`. Both return the new state and the
events (`declarations.domain.events`). Rules and codes are in `matching_rules` (import) and
`export_rules` (export).

**Keys.** Import: `I:<orderNo>`, the one key all four documents carry (the waybill has no ebpCode,
so ebpCode cannot be part of the partition key; its agreement is rule `order_list_key`; two
platforms using one orderNo get a set each under the key: `order_sets`). Export:
`E:<orderNo>` for order, collection and list. The export waybill (CEB505) carries no orderNo: it
is keyed `EW:<logisticsCode>:<logisticsNo>` and parked (`export_links`); when a list arrives, the
stage sends a link to `export_waybill_key(list)`, which hands the parked waybill to the order's
state and sends later versions there too (`declarations.stages.matching`).

**Life of a set.** Documents wait until all four are present, then every rule runs:
- all hold → `DocumentStored` (120) for order, payment, waybill and `ListMatched`; the set is
  matched and frozen: modifications and deletions are refused (-301011 style), identical
  redeliveries are ignored, so no 120 is ever sent twice or after a terminal status. One thing
  still enters: a new list (appType 1), which the gateway lets through only when the list before
  it failed (§4.5: "if the previous attempt was rejected, a new submission is allowed and replaces
  it"), e.g. refused by review for a purchase limit (one older by appTime than the matched list,
  such as the version a modification replaced, delivered again, is stale: -621055). It is
  matched against the three, and goes on
  to review alone (`ListMatched`), or is answered by the rule it breaks; review refuses it
  (-621004) if the list before it was concluded after all;
- some fail → one `ListMismatched` per rule; that list version is answered (terminal) and dropped,
  the other three stay and wait for a corrected list (or a modification of theirs).
A window (`MatchPolicy.window`, simulated time) starts with the first document of an open set;
`tick` after the deadline emits `MatchTimedOut` naming what is missing. The shell answers the
list with it (100), which is dropped and the others wait for a new list; without a list, every
document present is answered, and all are dropped: after a 100 each may be declared again (§4.5).

**appType** (§4.5): 1 new (refused while a different version is stored), 2 modify (needs a stored
version, not older by appTime), 3 delete (same conditions; the set waits again). An order is not
modified or deleted once its list is declared (-301011, "declared"), matched or not.

| kind | duplicate | no target | after matching | older appTime |
|---|---|---|---|---|
| order | -301010 | -301009 | -301011 | -301014 |
| payment | -401007 | -401009 | -401011 | -401012 |
| waybill | -504015 | -504009 | -504011 | -505016 |
| list | -621004 | -621042 | -621011 | -621055 |

Spec codes where §4.5/§4.7 name them; -401009/-401011/-504009/-504011 follow "the same
pattern" within the documented ranges. Export documents use the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from declarations.domain.events import (
    DocumentRefused,
    DocumentStored,
    DocumentWithdrawn,
    Kind,
    ListMatched,
    ListMismatched,
    MatchEvent,
    MatchTimedOut,
)
from declarations.domain.export_lists import ExportList, ExportListHead
from declarations.domain.export_rules import EXPORT_RULES, ExportSet
from declarations.domain.export_trade import Collection, ExportOrder, ExportOrderHead, ExportWaybill
from declarations.domain.import_lists import InventoryList, InventoryListHead
from declarations.domain.import_trade import Order, OrderHead, Payment, Waybill
from declarations.domain.matching_rules import IMPORT_RULES, ImportSet, MatchPolicy
from declarations.domain.matching_text import REFUSALS, missing_text, refusal_text
from declarations.domain.values import value

MatchDocument = (
    Order | Payment | Waybill | InventoryList | ExportOrder | Collection | ExportWaybill | ExportList
)
AnyList = InventoryList | ExportList
Slots = tuple[MatchDocument | None, MatchDocument | None, MatchDocument | None, MatchDocument | None]
Header = (
    OrderHead
    | InventoryListHead
    | ExportOrderHead
    | ExportListHead
    | Payment
    | Waybill
    | Collection
    | ExportWaybill
)

KINDS = ORDER, PAYMENT, WAYBILL, LIST = (Kind.ORDER, Kind.PAYMENT, Kind.WAYBILL, Kind.LIST)
_SLOT: dict[type, int] = {Order: 0, Payment: 1, Waybill: 2, InventoryList: 3}
_SLOT |= {ExportOrder: 0, Collection: 1, ExportWaybill: 2, ExportList: 3}
TIMED_OUT = 100  # 海关退单: the list is returned with the reason (三单不齐)


@value
class MatchState:
    """The documents seen for one order key (order, payment, waybill, list), and where the set is."""

    documents: Slots = (None, None, None, None)
    matched: bool = False
    deadline: datetime | None = None
    closed: frozenset[MatchDocument] = frozenset()  # versions answered with a rejection, dropped


EMPTY = MatchState()
DEFAULT_POLICY = MatchPolicy()


def order_key(document: MatchDocument) -> str:
    """The partition key of a document (see the module docstring)."""
    if isinstance(document, Order | InventoryList):
        return f"I:{document.head.order_no}"
    if isinstance(document, Payment | Waybill):
        return f"I:{document.order_no}"
    if isinstance(document, ExportOrder | ExportList):
        return f"E:{document.head.order_no}"
    if isinstance(document, Collection):
        return f"E:{document.order_no}"
    return f"EW:{document.logistics_code}:{document.logistics_no}"


def export_waybill_key(inventory: ExportList) -> str:
    """Where the export list's waybill is parked until the list links it to the order key."""
    return f"EW:{inventory.head.logistics_code}:{inventory.head.logistics_no}"


_HEADED = (Order, InventoryList, ExportOrder, ExportList)  # a tuple: `A | B` is rebuilt on every call


def header(document: MatchDocument) -> Header:
    """The record that carries appType and appTime."""
    if isinstance(document, _HEADED):
        return document.head
    return document


def match(
    state: MatchState, document: MatchDocument, now: datetime, policy: MatchPolicy = DEFAULT_POLICY
) -> tuple[MatchState, tuple[MatchEvent, ...]]:
    """Take one document (new, modified, deleted or redelivered) and match when the set is complete."""
    slot = _SLOT[type(document)]
    current = state.documents[slot]
    if current is document or current == document or (state.closed and document in state.closed):
        return state, ()  # a redelivery changes nothing
    head = header(document)
    refusal = _refusal(state, slot, current, head)
    if refusal is not None:
        return state, (refusal,)
    if head.app_type == "3":
        return _put(state, slot, None, state.deadline), (DocumentWithdrawn(KINDS[slot]),)
    if state.matched:  # a list declared again after review refused it: the set is matched already
        closed = state.closed | {current} if isinstance(current, InventoryList | ExportList) else state.closed
        return _evaluate(_put(MatchState(state.documents, True, None, closed), slot, document, None), policy)
    deadline = state.deadline or now + policy.window
    return _evaluate(_put(state, slot, document, deadline), policy)


def adopt_waybill(
    state: MatchState, waybill: Waybill | ExportWaybill, now: datetime, policy: MatchPolicy = DEFAULT_POLICY
) -> tuple[MatchState, tuple[MatchEvent, ...]]:
    """Give the set the waybill its list names, which waited elsewhere (`order_sets`), and match.
    Not `match`: the waybill may be a modification of the version that waited."""
    return _evaluate(_put(state, 2, waybill, state.deadline or now + policy.window), policy)


def tick(state: MatchState, now: datetime) -> tuple[MatchState, tuple[MatchEvent, ...]]:
    """Close an open set whose window has passed: `MatchTimedOut` naming what is missing."""
    if state.matched or state.deadline is None or now < state.deadline:
        return state, ()
    documents = state.documents
    missing = tuple(kind for kind, document in zip(KINDS, documents, strict=True) if document is None)
    event = MatchTimedOut(missing, TIMED_OUT, missing_text(missing, documents))
    if documents[3] is None:  # no list to answer: the documents present are answered 100, and done
        answered = frozenset(document for document in documents if document is not None)
        return MatchState(closed=state.closed | answered), (event,)
    return _drop_list(state, deadline=None), (event,)


def _refusal(
    state: MatchState, slot: int, current: MatchDocument | None, head: Header
) -> DocumentRefused | None:
    kind = KINDS[slot]
    reason = _reason(state, kind, current, head)
    return None if reason is None else _refused(kind, reason, current)


def _reason(state: MatchState, kind: Kind, current: MatchDocument | None, head: Header) -> str | None:
    """Why the set cannot take this version (a reason of `REFUSALS`), or None when it can."""
    if head.app_type == "1":
        return None if current is None else _declared_again(state, kind, current, head)
    if state.matched:
        return "matched"
    if kind is ORDER and state.documents[3] is not None:
        return "declared"  # §4.5: an order is not changed once its list is declared (-301011)
    if current is None:
        return "no_target"
    if head.app_time < header(current).app_time:
        return "stale"
    return None


def _declared_again(state: MatchState, kind: Kind, current: MatchDocument, head: Header) -> str | None:
    """A new version (appType 1) where one is stored: a duplicate, except a list after a matched
    one, which the gateway lets in only if review refused that one; not one older than it (§4.5)."""
    if not (state.matched and kind is LIST):
        return "duplicate"
    return "stale" if head.app_time < header(current).app_time else None


def _refused(kind: Kind, reason: str, current: MatchDocument | None) -> DocumentRefused:
    return DocumentRefused(kind, REFUSALS[kind][reason], refusal_text(kind, reason, current))


def _put(
    state: MatchState, slot: int, document: MatchDocument | None, deadline: datetime | None
) -> MatchState:
    documents = state.documents
    placed: Slots = (*documents[:slot], document, *documents[slot + 1 :])  # type: ignore[assignment]
    return MatchState(placed, state.matched, deadline, state.closed)


def _drop_list(state: MatchState, deadline: datetime | None) -> MatchState:
    order, payment, waybill, inventory = state.documents
    closed = state.closed | {inventory} if isinstance(inventory, InventoryList | ExportList) else state.closed
    return MatchState((order, payment, waybill, None), state.matched, deadline, closed)


def _evaluate(state: MatchState, policy: MatchPolicy) -> tuple[MatchState, tuple[MatchEvent, ...]]:
    if None in state.documents:  # most documents arrive at a set that is not complete yet
        return state, ()
    complete = _complete(state.documents)
    if complete is None:
        return state, ()
    rules = IMPORT_RULES if isinstance(complete, ImportSet) else EXPORT_RULES
    failures: list[MatchEvent] = []
    for rule in rules:
        info = rule.check(complete, policy)  # type: ignore[arg-type]
        if info is not None:
            failures.append(ListMismatched(rule.id, rule.code, info))
    if failures:
        return _drop_list(state, state.deadline), tuple(failures)
    matched = MatchState(state.documents, True, None, state.closed)
    if state.matched:  # the order, payment and waybill have had their 120: only the new list goes on
        return matched, _matched(state.documents)[3:]
    return matched, _matched(state.documents)


def _complete(documents: Slots) -> ImportSet | ExportSet | None:
    order, payment, waybill, inventory = documents
    if isinstance(order, Order):
        if (
            isinstance(payment, Payment)
            and isinstance(waybill, Waybill)
            and isinstance(inventory, InventoryList)
        ):
            return ImportSet(order, payment, waybill, inventory)
        return None
    if (
        isinstance(order, ExportOrder)
        and isinstance(payment, Collection)
        and isinstance(waybill, ExportWaybill)
        and isinstance(inventory, ExportList)
    ):
        return ExportSet(order, payment, waybill, inventory)
    return None


def _matched(documents: Slots) -> tuple[MatchEvent, ...]:
    order, payment, waybill, inventory = documents
    assert isinstance(inventory, InventoryList | ExportList)  # `_complete` checked it
    return (
        DocumentStored(ORDER, _STORED[type(order)](order)),
        DocumentStored(PAYMENT, _STORED[type(payment)](payment)),
        DocumentStored(WAYBILL, _STORED[type(waybill)](waybill)),
        ListMatched(inventory, _STORED[type(inventory)](inventory)),
    )


def _order_passed(document: Order | InventoryList | ExportOrder | ExportList) -> str:
    return f"逻辑校验通过[orderNo={document.head.order_no},ebcCode={document.head.ebc_code}]"


def _payment_passed(payment: Payment) -> str:
    return f"逻辑校验通过[payCode={payment.pay_code},payTransactionId={payment.pay_transaction_id}]"


def _collection_passed(collection: Collection) -> str:
    return f"逻辑校验通过[orderNo={collection.order_no},ebcCode={collection.ebc_code}]"


def _waybill_passed(waybill: Waybill | ExportWaybill) -> str:
    return f"逻辑校验通过[logisticsCode={waybill.logistics_code},logisticsNo={waybill.logistics_no}]"


# Each document's own business key (§4.5), looked up by type: this runs once per matched set.
_STORED: dict[type, Callable[[Any], str]] = {
    Order: _order_passed, InventoryList: _order_passed, ExportOrder: _order_passed, ExportList: _order_passed,
    Payment: _payment_passed, Collection: _collection_passed,
    Waybill: _waybill_passed, ExportWaybill: _waybill_passed,
}  # fmt: skip
