"""The matching stage (三单对碰): `cebsim.documents.accepted` → receipts and matched lists.

Keyed by order (`declarations.domain.matching.order_key`); the sets under one key, one per
platform when two use the same orderNo, are `declarations.domain.order_sets`. Documents that
take no part in matching (cancellations, returns, warehousing, waybill status,
arrival/departure, summaries) are answered 120 then 399 here until their own stages exist.

The export waybill (CEB505) has no orderNo: it waits under its own number
(`declarations.domain.export_links`). An export list sends a link record to the waybill's key,
and the waybill's key forwards its versions to the list's order key. Both are records on
ACCEPTED_TOPIC, marked with the STATE_KEY header and keyed like the acceptor keys the documents
of that state (`bus_key`), so each state is still read and written by the one consumer that owns
its partition, and they commit with the stage's state like any other output.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_recent
from declarations.domain.documents import Document
from declarations.domain.events import (
    DocumentRefused,
    DocumentStored,
    DocumentWithdrawn,
    ListMatched,
    ListMismatched,
    MatchEvent,
    MatchTimedOut,
)
from declarations.domain.export_links import NOTHING as PARKED_NOTHING
from declarations.domain.export_links import Parked, expire, link, park
from declarations.domain.export_lists import ExportList
from declarations.domain.export_trade import Collection, ExportOrder, ExportWaybill
from declarations.domain.import_lists import InventoryCancel, InventoryList, InventoryReturn
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching import (
    EMPTY,
    KINDS,
    TIMED_OUT,
    MatchDocument,
    MatchState,
    export_waybill_key,
    header,
    order_key,
)
from declarations.domain.matching_rules import MatchPolicy
from declarations.domain.matching_text import missing_text
from declarations.domain.order_sets import OrderSets, SetChange, deadline_of, match_order, tick_order
from declarations.intake import head_of
from declarations.stages.receipt_events import ReceiptEvent, receipt_output
from declarations.stages.shell import Step
from declarations.store.stage_store import Output

ACCEPTED_TOPIC = "cebsim.documents.accepted"
# headers of the records this stage sends itself on ACCEPTED_TOPIC (export waybill linking)
STATE_KEY = "cebsim-state-key"  # the state the record is for
LINK = "cebsim-link"  # the value is the order key an export list gave the waybill key
MATCHED_TOPIC = "cebsim.lists.matched"
MESSAGE_TYPES: dict[type, str] = {
    Order: "CEB311",
    Payment: "CEB411",
    Waybill: "CEB511",
    InventoryList: "CEB621",
    ExportOrder: "CEB303",
    Collection: "CEB403",
    ExportWaybill: "CEB505",
    ExportList: "CEB603",
}


def matchable(document: Document) -> MatchDocument | None:
    """The document as a matching participant, or None for documents matching does not take."""
    if isinstance(document, Order | Payment | Waybill | InventoryList):
        return document
    if isinstance(document, ExportOrder | Collection | ExportWaybill | ExportList):
        return document
    return None


def document_of(record: BusRecord) -> tuple[str, Document]:
    message = parse_recent(record.value)  # once for `key`, `apply` and the recorder (the stored body)
    return message.message_type, message.documents[0]


def buyer_key(document: InventoryList | InventoryCancel | InventoryReturn | ExportList) -> str:
    """Review's partition key: the buyer of an import list (its cancellation, its return), the exporter."""
    if isinstance(document, InventoryCancel):
        return f"buyer:{document.buyer_id_number}"
    if isinstance(document, InventoryList | InventoryReturn):
        return f"buyer:{document.head.buyer_id_number}"
    return f"exporter:{document.head.ebc_code}"


class MatchingLogic:
    name = "matching"
    topics: tuple[str, ...] = (ACCEPTED_TOPIC,)

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        self._policy = policy or MatchPolicy()

    def key(self, record: BusRecord) -> str:
        routed = record.header(STATE_KEY)
        if routed is not None:  # a link or a forwarded waybill this stage sent itself
            return routed.decode()
        message_type, document = document_of(record)
        participant = matchable(document)
        if participant is not None:
            return order_key(participant)
        return f"other:{message_type}:{head_of(document).guid}"

    def apply(self, state: Any | None, record: BusRecord, now: datetime) -> Step:
        if record.header(LINK) is not None:
            return self._linked(state, record.value.decode())
        message_type, document = document_of(record)  # the parse `key` did (parse_recent)
        participant = matchable(document)
        # cancellations and returns go to review, which has the list's outcome and the buyer's quota
        if isinstance(document, InventoryCancel | InventoryReturn):
            return Step(None, (Output(MATCHED_TOPIC, buyer_key(document).encode(), record.value),))
        if participant is None:
            return self._unmatched(message_type, document, now)
        if isinstance(participant, ExportWaybill) and record.header(STATE_KEY) is None:
            return self._parked(state, participant, now)
        before = state if isinstance(state, MatchState | OrderSets) else EMPTY
        whole, changes = match_order(before, participant, now, self._policy)
        after, events = changes[0].after, changes[0].events
        outputs = self._outputs(changes[0], participant, now, received=record.value)
        for change in changes[1:]:  # sets that took a loose waybill: `participant` is theirs or not at all
            ours = change.before.documents[3] is participant
            outputs += self._outputs(change, participant if ours else None, now, received=record.value)
        _, _, waybill, listed = after.documents
        if (
            not events
            and after.matched
            and isinstance(listed, InventoryList | ExportList)
            and listed == participant
        ):
            outputs += (_matched_output(listed, record.value),)  # redelivered: review ignores repeats
        if isinstance(participant, ExportList) and listed == participant and waybill is None:
            outputs += (_link_output(participant),)  # fetch the waybill the list names
        return Step(whole, outputs, deadline_of(whole))

    def tick(self, key: str, state: Any, now: datetime) -> Step:
        if isinstance(state, Parked):
            left, timed_out = expire(state, now)
            info = missing_text((KINDS[0], KINDS[1], KINDS[3]), (None, None, *timed_out[-1:], None))
            outputs = _receipts(list(timed_out), str(TIMED_OUT), info, now) if timed_out else []
            return Step(left, tuple(outputs), left.deadline if left is not None else None)
        after, changes = tick_order(state, now)
        answers = tuple(output for change in changes for output in self._outputs(change, None, now))
        return Step(after, answers, deadline_of(after))

    def _parked(self, state: Any | None, waybill: ExportWaybill, now: datetime) -> Step:
        before = state if isinstance(state, Parked) else PARKED_NOTHING
        after, forward = park(before, waybill, now, self._policy.window)
        return Step(after, _forwarded(after, forward), after.deadline)

    @staticmethod
    def _linked(state: Any | None, target: str) -> Step:
        after, forward = link(state if isinstance(state, Parked) else PARKED_NOTHING, target)
        return Step(after, _forwarded(after, forward))

    def _unmatched(self, message_type: str, document: Document, now: datetime) -> Step:
        guid = head_of(document).guid
        outputs = tuple(
            receipt_output(ReceiptEvent(message_type, guid, status, info, now))
            for status, info in (("120", "海关入库"), ("399", "海关审结"))
        )
        return Step(None, outputs)

    def _outputs(
        self,
        change: SetChange,
        incoming: MatchDocument | None,
        now: datetime,
        *,
        received: bytes | None = None,
    ) -> tuple[Output, ...]:
        """The answers to a set's events; `received`: the bytes `incoming` was parsed from."""
        outputs: list[Output] = []
        for event in change.events:
            outputs.extend(self._answer(change.before, change.after, incoming, event, now, received=received))
        return tuple(outputs)

    def _answer(
        self,
        before: MatchState,
        after: MatchState,
        incoming: MatchDocument | None,
        event: MatchEvent,
        now: datetime,
        *,
        received: bytes | None,
    ) -> list[Output]:
        if isinstance(event, ListMatched):
            return [_matched_output(event.inventory, received if event.inventory is incoming else None)]
        if isinstance(event, DocumentStored):
            return _receipts([after.documents[KINDS.index(event.kind)]], str(event.status), event.info, now)
        if isinstance(event, DocumentRefused | DocumentWithdrawn):
            status = str(event.code) if isinstance(event, DocumentRefused) else "399"
            return _receipts([incoming], status, event.info, now)
        if isinstance(event, ListMismatched):
            target = incoming if isinstance(incoming, InventoryList | ExportList) else before.documents[3]
            return _receipts([target], str(event.code), event.info, now)
        return _timed_out(before, event, now)


def _timed_out(state: MatchState, event: MatchTimedOut, now: datetime) -> list[Output]:
    listed = state.documents[3]
    targets: list[MatchDocument | None] = [listed] if listed is not None else list(state.documents)
    return _receipts(targets, str(event.code), event.info, now)


def _receipts(documents: list[MatchDocument | None], status: str, info: str, now: datetime) -> list[Output]:
    return [
        receipt_output(ReceiptEvent(MESSAGE_TYPES[type(d)], header(d).guid, status, info[:1000], now))
        for d in documents
        if d is not None
    ]


def bus_key(state_key: str) -> bytes:
    """The bus key under which the acceptor publishes the documents of a matching state key.

    The acceptor keys a document by its orderNo, or by its business key when it has none (the
    export waybill: `logisticsCode|logisticsNo`). Records this stage sends itself use the same
    keys, so they land in the partition, and so with the consumer, that owns the state.
    """
    kind, _, rest = state_key.partition(":")
    if kind == "EW":
        code, _, number = rest.partition(":")
        return f"{code}|{number}".encode()
    return rest.encode()


def _link_output(inventory: ExportList) -> Output:
    """Tell the waybill's key which order it belongs to (sent for every list version: idempotent)."""
    waybill_key = export_waybill_key(inventory)
    headers = ((STATE_KEY, waybill_key.encode()), (LINK, b"1"))
    return Output(ACCEPTED_TOPIC, bus_key(waybill_key), order_key(inventory).encode(), headers)


def _forwarded(state: Parked, waybills: tuple[ExportWaybill, ...]) -> tuple[Output, ...]:
    """Waybill versions sent on to the order's state, in arrival order."""
    if not waybills:
        return ()
    assert state.order_key is not None, "only a linked waybill is forwarded"
    headers = ((STATE_KEY, state.order_key.encode()), ("message_type", b"CEB505"))
    key = bus_key(state.order_key)
    return tuple(Output(ACCEPTED_TOPIC, key, build("CEB505", [w]), headers) for w in waybills)


def _matched_output(inventory: InventoryList | ExportList, received: bytes | None = None) -> Output:
    """The matched list for review: the accepted message it was parsed from when at hand (review
    reads only its document), so that review's parse is the one matching did (`parse_recent`)."""
    value = received if received is not None else build(MESSAGE_TYPES[type(inventory)], [inventory])
    return Output(MATCHED_TOPIC, buyer_key(inventory).encode(), value)
