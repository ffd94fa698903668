"""The review stage (清单审核): `cebsim.lists.matched` → the list's receipts, tax bill, release.

Keyed by the buyer's id, so one buyer's purchase-limit ledger lives in one partition. Matching
also sends it the cancellations (CEB623, `declarations.domain.cancellation`) and returns (CEB625,
`declarations.domain.returns`) of import lists, which need the list's outcome and give the
buyer's quota back. Import
lists go through `declarations.domain.review`; export lists, which have no buyer or tax, follow
the export lifecycle 120 → 399 → 800 → 899 here until the customs adapter decides them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_recent
from declarations.domain.cancellation import cancel
from declarations.domain.events import ListReleased, ReceiptDue, ReviewEvent, TaxAssessed, TaxVoided
from declarations.domain.export_lists import ExportList
from declarations.domain.import_lists import InventoryCancel, InventoryList, InventoryReturn
from declarations.domain.rates import (
    DEFAULT_POSITIVE_LIST_FILE,
    DEFAULT_RATES_FILE,
    load_positive_list,
    load_rates,
)
from declarations.domain.returns import return_goods
from declarations.domain.review import MatchedList, ReviewPolicy, ReviewState, review
from declarations.stages.matching import MATCHED_TOPIC, buyer_key
from declarations.stages.receipt_events import MessageEvent, ReceiptEvent, message_output, receipt_output
from declarations.stages.shell import Step
from declarations.store.receipt_rows import receipt_values
from declarations.store.stage_store import Output

RELEASED_TOPIC = "cebsim.lists.released"
EXPORT_STATUSES = (("120", "海关入库"), ("399", "海关审结"), ("800", "放行"), ("899", "结关"))


def default_policy(rates_file: Path | None = None, positive_list_file: Path | None = None) -> ReviewPolicy:
    """The operator's tables (or the examples shipped in declarations/domain/data)."""
    rates = load_rates((rates_file or DEFAULT_RATES_FILE).read_text(encoding="utf-8"))
    positive = load_positive_list(
        (positive_list_file or DEFAULT_POSITIVE_LIST_FILE).read_text(encoding="utf-8")
    )
    return ReviewPolicy(rates=rates, positive_list=positive)


def serial_of(inventory: InventoryList) -> int:
    """The customs serial of the invtNo: the 9 digits of the preNo the e-port assigned at acceptance,
    so that the same traffic gets the same invtNo in the embedded and the Kafka modes."""
    pre_no = inventory.head.pre_no or ""
    return int(pre_no[-9:]) if pre_no[-9:].isdigit() else 0


class ReviewLogic:
    name = "review"
    topics: tuple[str, ...] = (MATCHED_TOPIC,)

    def __init__(self, policy: ReviewPolicy) -> None:
        self._policy = policy

    def key(self, record: BusRecord) -> str:
        return record.key.decode()

    def apply(self, state: Any | None, record: BusRecord, now: datetime) -> Step:
        document = parse_recent(record.value).documents[0]
        if isinstance(document, ExportList):
            seen, outputs = _export(state or frozenset(), document, now, record.value)
            return Step(seen, outputs)
        if not isinstance(document, InventoryList | InventoryCancel | InventoryReturn):
            raise TypeError(f"review takes lists, cancellations and returns, not {type(document).__name__}")
        if buyer_key(document) != self.key(record):
            raise ValueError(f"a {type(document).__name__} routed to another buyer's partition")
        if isinstance(document, InventoryCancel):
            after, events = cancel(state or ReviewState(), document, now)
            return Step(after, tuple(_outputs("CEB623", document.guid, events, now)))
        if isinstance(document, InventoryReturn):
            after, events = return_goods(state or ReviewState(), document, now)
            return Step(after, tuple(_outputs("CEB625", document.head.guid, events, now)))
        matched = MatchedList(document, serial_of(document))
        after, events = review(state or ReviewState(), matched, now, self._policy)
        return Step(after, tuple(_outputs("CEB621", document.head.guid, events, now, record.value)))

    def tick(self, key: str, state: Any, now: datetime) -> Step:
        return Step(state)


def _outputs(
    document_type: str,
    guid: str,
    events: tuple[ReviewEvent, ...],
    now: datetime,
    released: bytes | None = None,
) -> list[Output]:
    """The receipts of the document reviewed (`document_type`, `guid`), and what else follows;
    `released`: the list's message as review received it, sent on as it is once the list is
    released (its consumers read the document: building it again cost a CEB621 build a list)."""
    outputs = []
    for event in events:
        if isinstance(event, ReceiptDue):
            receipt = ReceiptEvent(document_type, guid, str(event.status), event.info, now, event.invt_no)
            outputs.append(receipt_output(receipt))
        elif isinstance(event, TaxAssessed):
            xml = build("CEB816", [event.tax_bill])
            values = receipt_values(event.tax_bill)
            outputs.append(message_output(MessageEvent("CEB621", guid, "CEB816", xml, values)))
        elif isinstance(event, TaxVoided):  # for the released list, not the cancellation
            xml = build("CEB818", [event.tax_status])
            values = receipt_values(event.tax_status)
            outputs.append(message_output(MessageEvent("CEB621", event.list_guid, "CEB818", xml, values)))
        elif isinstance(event, ListReleased) and released is not None:
            outputs.append(Output(RELEASED_TOPIC, event.invt_no.encode(), released))
    return outputs


def _export(
    seen: frozenset[str], inventory: ExportList, now: datetime, received: bytes
) -> tuple[Any, tuple[Output, ...]]:
    guid = inventory.head.guid
    if guid in seen:
        return seen, ()
    invt_no = inventory.head.invt_no
    outputs = tuple(
        receipt_output(ReceiptEvent("CEB603", guid, status, info, now, invt_no))
        for status, info in EXPORT_STATUSES
    )
    released = Output(RELEASED_TOPIC, (invt_no or guid).encode(), received)  # as received: see `_outputs`
    return seen | {guid}, (*outputs, released)
