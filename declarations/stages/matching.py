"""The matching stage (三单对碰): `cebsim.documents.accepted` → receipts and matched lists.

Keyed by order (`declarations.domain.matching.order_key`). Documents that take no part in
matching (cancellations, returns, warehousing, waybill status, arrival/departure, summaries)
are answered 120 then 399 here until their own stages exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_message
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
from declarations.domain.export_lists import ExportList
from declarations.domain.export_trade import Collection, ExportOrder, ExportWaybill
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order, Payment, Waybill
from declarations.domain.matching import (
    EMPTY,
    KINDS,
    MatchDocument,
    MatchState,
    header,
    match,
    order_key,
    tick,
)
from declarations.domain.matching_rules import MatchPolicy
from declarations.intake import head_of
from declarations.stages.receipt_events import ReceiptEvent, receipt_output
from declarations.stages.shell import Step
from declarations.store.stage_store import Output

ACCEPTED_TOPIC = "cebsim.documents.accepted"
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
    message = parse_message(record.value)
    return message.message_type, message.documents[0]


def buyer_key(inventory: InventoryList | ExportList) -> str:
    if isinstance(inventory, InventoryList):
        return f"buyer:{inventory.head.buyer_id_number}"
    return f"exporter:{inventory.head.ebc_code}"


class MatchingLogic:
    name = "matching"
    topics: tuple[str, ...] = (ACCEPTED_TOPIC,)

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        self._policy = policy or MatchPolicy()
        self._parsed: dict[tuple[str, int, int], tuple[str, Document]] = {}

    def key(self, record: BusRecord) -> str:
        message_type, document = document_of(record)
        self._parsed[(record.topic, record.partition, record.offset)] = (message_type, document)
        participant = matchable(document)
        if participant is not None:
            return order_key(participant)
        return f"other:{message_type}:{head_of(document).guid}"

    def apply(self, state: Any | None, record: BusRecord, now: datetime) -> Step:
        parsed = self._parsed.pop((record.topic, record.partition, record.offset), None)
        message_type, document = parsed or document_of(record)
        participant = matchable(document)
        if participant is None:
            return self._unmatched(message_type, document, now)
        before: MatchState = state or EMPTY
        after, events = match(before, participant, now, self._policy)
        outputs = self._outputs(before, after, participant, events, now)
        if not events and isinstance(document, InventoryList | ExportList) and after.matched:
            outputs += (_matched_output(document),)  # a redelivered matched list: review ignores repeats
        return Step(after, outputs, after.deadline if not after.matched else None)

    def tick(self, key: str, state: Any, now: datetime) -> Step:
        after, events = tick(state, now)
        return Step(after, self._outputs(state, after, None, events, now), after.deadline)

    def _unmatched(self, message_type: str, document: Document, now: datetime) -> Step:
        guid = head_of(document).guid
        outputs = tuple(
            receipt_output(ReceiptEvent(message_type, guid, status, info, now))
            for status, info in (("120", "海关入库"), ("399", "海关审结"))
        )
        return Step(None, outputs)

    def _outputs(
        self,
        before: MatchState,
        after: MatchState,
        incoming: MatchDocument | None,
        events: tuple[MatchEvent, ...],
        now: datetime,
    ) -> tuple[Output, ...]:
        outputs: list[Output] = []
        for event in events:
            outputs.extend(self._answer(before, after, incoming, event, now))
        return tuple(outputs)

    def _answer(
        self,
        before: MatchState,
        after: MatchState,
        incoming: MatchDocument | None,
        event: MatchEvent,
        now: datetime,
    ) -> list[Output]:
        if isinstance(event, ListMatched):
            return [_matched_output(event.inventory)]
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


def _matched_output(inventory: InventoryList | ExportList) -> Output:
    code = MESSAGE_TYPES[type(inventory)]
    return Output(MATCHED_TOPIC, buyer_key(inventory).encode(), build(code, [inventory]))
