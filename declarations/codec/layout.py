"""How each CEB message's documents map onto the record classes of `declarations.domain`.

The definition in `schemas.definition` says which elements exist and in which order; this table
adds the one thing it cannot know: what the records are called and how an element tree is folded
into them. It is read by the record generator (which writes the record classes) and by the codec
(which binds elements to those classes), so the two can never disagree.

A document has one of three shapes:

* flat: the document element holds only fields (`LogisticsStatus` → `WaybillStatus`);
* inline head: the document element wraps a single head whose fields belong to the document
  itself (`Payment/PaymentHead` → `Payment`), so callers never write `payment.head.x`;
* head and lines: a head record and a tuple of line records (`Order` → `Order(head, lines)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEAD_ATTRIBUTE = "head"
LINES_ATTRIBUTE = "lines"


@dataclass(frozen=True)
class Layout:
    """The record names of one message's document (`head`/`line` set only for head-and-lines)."""

    code: str
    module: str
    document: str
    head: str | None = None
    line: str | None = None
    inline_head: bool = False


_IMPORT_TRADE = "import_trade"
_IMPORT_LISTS = "import_lists"
_EXPORT_TRADE = "export_trade"
_EXPORT_LISTS = "export_lists"
_CUSTOMS = "customs_documents"

LAYOUTS: tuple[Layout, ...] = (
    Layout("CEB311", _IMPORT_TRADE, "Order", "OrderHead", "OrderLine"),
    Layout("CEB411", _IMPORT_TRADE, "Payment", inline_head=True),
    Layout("CEB511", _IMPORT_TRADE, "Waybill", inline_head=True),
    Layout("CEB513", _IMPORT_TRADE, "WaybillStatus"),
    Layout("CEB621", _IMPORT_LISTS, "InventoryList", "InventoryListHead", "InventoryListLine"),
    Layout("CEB623", _IMPORT_LISTS, "InventoryCancel"),
    Layout("CEB625", _IMPORT_LISTS, "InventoryReturn", "InventoryReturnHead", "InventoryReturnLine"),
    Layout("CEB711", _IMPORT_LISTS, "DeliveryNote", "DeliveryNoteHead", "DeliveryNoteLine"),
    Layout("CEB303", _EXPORT_TRADE, "ExportOrder", "ExportOrderHead", "ExportOrderLine"),
    Layout("CEB403", _EXPORT_TRADE, "Collection"),
    Layout("CEB505", _EXPORT_TRADE, "ExportWaybill"),
    Layout("CEB507", _EXPORT_TRADE, "ArrivalReport", "ArrivalReportHead", "ArrivalReportLine"),
    Layout("CEB509", _EXPORT_TRADE, "DepartureReport", "DepartureReportHead", "DepartureReportLine"),
    Layout("CEB603", _EXPORT_LISTS, "ExportList", "ExportListHead", "ExportListLine"),
    Layout("CEB605", _EXPORT_LISTS, "ExportListCancel"),
    Layout("CEB607", _EXPORT_LISTS, "WaybillBinding", "WaybillBindingHead", "WaybillBindingLine"),
    Layout("CEB701", _EXPORT_LISTS, "SummaryApplication", "SummaryApplicationHead", "SummaryApplicationLine"),
    Layout(
        "CEB213",
        _EXPORT_LISTS,
        "ExportReturnApplication",
        "ExportReturnApplicationHead",
        "ExportReturnApplicationLine",
    ),
    Layout("CEB215", _EXPORT_LISTS, "ExportReturnTally"),
    Layout("CEB816", _CUSTOMS, "TaxBill", "TaxBillHead", "TaxBillLine"),
    Layout("CEB818", _CUSTOMS, "TaxBillStatus", inline_head=True),
    Layout("CEB900", _CUSTOMS, "FormatReceipt"),
    Layout("CEB792", _CUSTOMS, "SummaryResult", "SummaryResultHead", "SummaryResultLine"),
)

# Every other customs-sent message is a plain receipt (`XxxReturn`): one shared `Receipt` record
# carries the union of their business keys, so a stage can answer any document the same way.
RECEIPT_RECORD = "Receipt"
RECEIPT_MODULE = _CUSTOMS

BY_CODE: dict[str, Layout] = {layout.code: layout for layout in LAYOUTS}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def attribute_name(element: str) -> str:
    """An element's record attribute: snake_case, spec spelling kept (`acturalPaid` → `actural_paid`)."""
    return _CAMEL_BOUNDARY.sub("_", element).lower()
