"""What the matching and review cores decide, as values (past participles).

The cores never raise for an expected outcome: a mismatch, a timeout, a refused modification, a
rejection by customs are events. The stage shell turns them into receipts and bus messages:

| event | from | the shell answers |
|---|---|---|
| `DocumentStored(kind)` | matching | receipt 120 "逻辑校验通过" to the order, payment or waybill |
| `ListMatched(inventory)` | matching | hands the list to review (review emits the list's 120) |
| `ListMismatched(rule, code, info)` | matching | the list's receipt with `code` and `info` |
| `MatchTimedOut(missing, code, info)` | matching | the list (else the documents present): `code`, `info` |
| `DocumentRefused(kind, code, info)` | matching | the refused document's receipt with `code` and `info` |
| `DocumentWithdrawn(kind)` | matching | the deleted document's receipt 399 "删除成功" |
| `ReceiptDue(status, info, invt_no)` | review | one CEB622 receipt, in the order emitted |
| `ListReviewed(list_id, invt_no)` | review | records the final invtNo (399) |
| `TaxAssessed(tax_bill)` | review | CEB816 with status 1 |
| `ListReleased(list_id, invt_no)` | review | publishes `cebsim.lists.released` |
| `ListRejected(list_id, code, info)` | review | records the rejection (its receipt is a `ReceiptDue`) |
| `TaxVoided(list_guid, tax_status)` | review (cancellation) | CEB818 with status 3, for the released list |
"""

from __future__ import annotations

from enum import StrEnum

from declarations.domain.customs_documents import TaxBill, TaxBillStatus
from declarations.domain.export_lists import ExportList
from declarations.domain.import_lists import InventoryList
from declarations.domain.values import value


class Kind(StrEnum):
    """The four places of a matching set; export's collection (CEB403) takes the payment's place."""

    ORDER = "order"
    PAYMENT = "payment"
    WAYBILL = "waybill"
    LIST = "list"


@value
class DocumentStored:
    """The document passed matching: its receipt is 120 (海关入库, 逻辑校验通过)."""

    kind: Kind
    info: str
    status: int = 120


@value
class ListMatched:
    """All four documents are present and consistent: the list goes on to review."""

    inventory: InventoryList | ExportList
    info: str


@value
class ListMismatched:
    """One consistency rule failed; `info` names the fields that disagree and their values."""

    rule: str
    code: int
    info: str


@value
class MatchTimedOut:
    """The matching window closed before the set was complete; `info` names what is missing."""

    missing: tuple[Kind, ...]
    code: int
    info: str


@value
class DocumentRefused:
    """A submission the set cannot take (duplicate, stale, no target, already matched)."""

    kind: Kind
    code: int
    info: str


@value
class DocumentWithdrawn:
    """A deletion (appType=3) removed the document; the set waits for it again."""

    kind: Kind
    info: str = "删除成功"


MatchEvent = (
    DocumentStored | ListMatched | ListMismatched | MatchTimedOut | DocumentRefused | DocumentWithdrawn
)


@value
class ReceiptDue:
    """One receipt for the list (CEB622), in the order the shell must send them."""

    status: int
    info: str
    invt_no: str | None = None


@value
class ListReviewed:
    """Customs review concluded (399): `invt_no` is final."""

    list_id: str
    invt_no: str


@value
class TaxAssessed:
    """The electronic tax bill (CEB816, status 1) of a released list."""

    tax_bill: TaxBill


@value
class ListReleased:
    """Customs released the goods (800); closing (899) follows."""

    list_id: str
    invt_no: str


@value
class ListRejected:
    """The list ends without release: customs rejection, a limit, the positive list, return, detention."""

    list_id: str
    code: int
    info: str


@value
class TaxVoided:
    """A released list was cancelled: its tax bill is void (CEB818, status 3), sent for the list
    version `list_guid` customs released."""

    list_guid: str
    tax_status: TaxBillStatus


ReviewEvent = ReceiptDue | ListReviewed | TaxAssessed | ListReleased | ListRejected | TaxVoided
