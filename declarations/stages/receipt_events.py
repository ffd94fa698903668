"""What the stages tell the recorder on `cebsim.receipts.issued`: compact JSON, one per receipt.

Stages decide statuses; the recorder, which holds the stored document (its preNo, its keys),
builds the receipt XML. A customs-originated message (a CEB816 tax bill) travels whole, with the
(guid, status, time, info) the recorder files it under, so that it need not parse the XML again.

    {"type": "receipt", "document_type": "CEB621", "document_guid": "...", "status": "399",
     "info": "海关审结", "time": "2026-11-11T00:00:01+08:00", "invt_no": "29012026I000000001"}
    {"type": "message", "document_type": "CEB621", "document_guid": "...", "message_type": "CEB816",
     "xml": "<CEB816Message ...>", "values": ["...", "1", "2026-11-11T00:00:01+08:00", "..."]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from declarations.store.stage_store import Output

RECEIPTS_TOPIC = "cebsim.receipts.issued"


@dataclass(frozen=True, slots=True)
class ReceiptEvent:
    document_type: str
    document_guid: str
    status: str
    info: str
    time: datetime
    invt_no: str | None = None


@dataclass(frozen=True, slots=True)
class MessageEvent:
    document_type: str
    document_guid: str
    message_type: str
    xml: bytes
    values: tuple[str, str, datetime, str] | None = None  # (guid, status, time, info) of the xml's record


def receipt_output(event: ReceiptEvent) -> Output:
    body = {
        "type": "receipt",
        "document_type": event.document_type,
        "document_guid": event.document_guid,
        "status": event.status,
        "info": event.info,
        "time": event.time.isoformat(),
        "invt_no": event.invt_no,
    }
    return Output(RECEIPTS_TOPIC, event.document_guid.encode(), json.dumps(body, ensure_ascii=False).encode())


def message_output(event: MessageEvent) -> Output:
    body: dict[str, object] = {
        "type": "message",
        "document_type": event.document_type,
        "document_guid": event.document_guid,
        "message_type": event.message_type,
        "xml": event.xml.decode(),
    }
    if event.values is not None:
        guid, status, at, info = event.values
        body["values"] = [guid, status, at.isoformat(), info]
    return Output(RECEIPTS_TOPIC, event.document_guid.encode(), json.dumps(body, ensure_ascii=False).encode())


def parse_event(value: bytes) -> ReceiptEvent | MessageEvent:
    body = json.loads(value)
    if body["type"] == "message":
        given = body.get("values")  # absent from events of earlier versions
        values = (given[0], given[1], datetime.fromisoformat(given[2]), given[3]) if given else None
        return MessageEvent(
            body["document_type"], body["document_guid"], body["message_type"], body["xml"].encode(), values
        )
    return ReceiptEvent(
        body["document_type"],
        body["document_guid"],
        str(body["status"]),
        body["info"],
        datetime.fromisoformat(body["time"]),
        body.get("invt_no"),
    )
