"""Rows the receipt store reads and writes, as values: documents, stored receipts, pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from declarations.domain.customs_documents import (
    FormatReceipt,
    Receipt,
    SummaryResult,
    TaxBill,
    TaxBillStatus,
)
from declarations.domain.messages import CHINA_STANDARD_TIME
from declarations.errors import RequestError
from declarations.store.tables import documents

TAX_BILL_STATUS = {"1": "已生成", "2": "已汇总", "3": "作废"}


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """How a stage names the document a receipt answers."""

    document_id: int | None = None
    document_type: str | None = None
    document_guid: str | None = None
    business_key: str | None = None


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    guid: str
    message_type: str
    business_key: str
    sender_code: str
    status: str


@dataclass(frozen=True, slots=True)
class StoredReceipt:
    """One row of the receipts feed; `cursor` is its id."""

    cursor: int
    enterprise_code: str
    message_type: str
    document_guid: str
    business_key: str
    return_status: str
    return_time: datetime  # aware, UTC
    return_info: str
    body: bytes

    @property
    def return_time_text(self) -> str:
        """`returnTime` as the spec writes it: YYYYMMDDhhmmssSSS in China Standard Time."""
        return cst_text(self.return_time)


@dataclass(frozen=True, slots=True)
class ReceiptPage:
    receipts: list[StoredReceipt]
    next_cursor: int


def cst_text(at: datetime) -> str:
    local = at.astimezone(CHINA_STANDARD_TIME)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def aware(at: datetime) -> datetime:
    """Times come back naive from SQLite; every stored time is UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def stored_receipt(row: Any) -> StoredReceipt:
    return StoredReceipt(
        cursor=int(row.id),
        enterprise_code=str(row.enterprise_code),
        message_type=str(row.message_type),
        document_guid=str(row.document_guid),
        business_key=str(row.business_key),
        return_status=str(row.return_status),
        return_time=aware(row.return_time),
        return_info=str(row.return_info),
        body=bytes(row.body),
    )


def receipt_values(record: object) -> tuple[str, str, datetime, str]:
    """(guid, status, time, info) of any customs answer record."""
    if isinstance(record, Receipt | FormatReceipt):
        return record.guid, record.return_status, record.return_time, record.return_info
    if isinstance(record, TaxBill):
        bill = record.head
        info = f"电子税单{TAX_BILL_STATUS.get(bill.status, bill.status)}[{bill.tax_no}]"
        return bill.guid, bill.status, bill.return_time, info
    if isinstance(record, TaxBillStatus):
        info = f"电子税单{TAX_BILL_STATUS.get(record.status, record.status)}[{record.tax_no}]"
        return record.guid, record.status, record.return_time, info
    if isinstance(record, SummaryResult):
        head = record.head
        return head.guid, head.dec_state, head.op_date, f"汇总申报结果[{head.sum_no}]"
    raise RequestError(f"not a customs answer record: {type(record).__name__}", rule="receipt-record")


_DOCUMENT_COLUMNS = (
    documents.c.id,
    documents.c.guid,
    documents.c.message_type,
    documents.c.business_key,
    documents.c.sender_code,
    documents.c.status,
)


def find_document(conn: sa.Connection, ref: DocumentRef) -> StoredDocument | None:
    """The document a receipt answers: by id, or its type and guid, or its type and business key."""
    query = sa.select(*_DOCUMENT_COLUMNS).order_by(documents.c.current.desc(), documents.c.id.desc()).limit(1)
    if ref.document_id is not None:
        query = query.where(documents.c.id == ref.document_id)
    elif ref.document_type and ref.document_guid:
        query = query.where(
            documents.c.message_type == ref.document_type, documents.c.guid == ref.document_guid
        )
    elif ref.document_type and ref.business_key:
        query = query.where(
            documents.c.message_type == ref.document_type, documents.c.business_key == ref.business_key
        )
    else:
        raise RequestError("a receipt must name its document", rule="receipt-document")
    row = conn.execute(query.with_for_update()).first()
    return _stored_document(row) if row is not None else None


_DOCUMENTS_BY_ID = (  # built once: building it per batch costs more than running it
    sa.select(*_DOCUMENT_COLUMNS)
    .where(documents.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(documents.c.id)
    .with_for_update()
)


def documents_by_id(conn: sa.Connection, ids: set[int]) -> dict[int, StoredDocument]:
    """The documents with these ids, locked for update in id order (so two writers never deadlock)."""
    if not ids:
        return {}
    rows = conn.execute(_DOCUMENTS_BY_ID, {"ids": sorted(ids)})
    return {int(row.id): _stored_document(row) for row in rows}


def _stored_document(row: Any) -> StoredDocument:
    return StoredDocument(
        int(row.id), row.guid, row.message_type, row.business_key, row.sender_code, row.status
    )
