"""Builders for receipt tests: a migrated SQLite store, stored documents, receipts to record."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from declarations.domain.customs_documents import Receipt, TaxBill, TaxBillHead, TaxBillLine
from declarations.store.receipts import RecordedReceipt
from declarations.store.tables import document_parties, documents

NOW = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
_serial = itertools.count(1)


def add_document(
    engine: sa.Engine,
    *,
    sender: str = "3301960001",
    parties: Iterable[str] = (),
    message_type: str = "CEB311",
    business_key: str | None = None,
    status: str = "2",
    guid: str | None = None,
    version: int = 1,
    body: bytes = b"<CEB311Message/>",
) -> int:
    """A stored document, as intake leaves it; returns its id."""
    key = business_key or f"{sender}|order{next(_serial):06d}"
    values = {
        "guid": guid or str(uuid.uuid4()).upper(),
        "message_type": message_type,
        "kind": "order",
        "business_key": key,
        "version": version,
        "current": True,
        "sender_code": sender,
        "app_type": "1",
        "app_status": "2",
        "app_time": NOW,
        "content_hash": uuid.uuid4().hex,
        "routing_key": key,
        "status": status,
        "body": body,
        "accepted_at": NOW,
    }
    with engine.begin() as conn:
        conn.execute(
            documents.update()
            .where(documents.c.message_type == message_type, documents.c.business_key == key)
            .values(current=False)
        )
        document_id = int(conn.execute(documents.insert().values(**values)).inserted_primary_key[0])  # type: ignore[index]
        for code in sorted(set(parties) | {sender}):
            conn.execute(document_parties.insert().values(document_id=document_id, enterprise_code=code))
    return document_id


def order_receipt(status: str, at: datetime = NOW, info: str = "", guid: str | None = None) -> Receipt:
    return Receipt(
        guid=guid or str(uuid.uuid4()).upper(),
        return_status=status,
        return_time=at,
        return_info=info or f"状态{status}",
        ebp_code="3301960001",
        ebc_code="3301960001",
        order_no="order000001",
    )


def recorded(
    document_id: int, status: str, *recipients: str, at: datetime = NOW, message_type: str = "CEB312"
) -> RecordedReceipt:
    return RecordedReceipt(
        message_type=message_type,
        record=order_receipt(status, at),
        recipients=recipients,
        document_id=document_id,
    )


def tax_bill(status: str = "1", at: datetime = NOW) -> TaxBill:
    head = TaxBillHead(
        guid=str(uuid.uuid4()).upper(),
        return_time=at,
        invt_no="31002026I000000001",
        tax_no="31002026I000000001",
        customs_tax=Decimal("0"),
        value_added_tax=Decimal("25.52"),
        consumption_tax=Decimal("0"),
        status=status,
    )
    line = TaxBillLine(
        gnum=1,
        gcode="3304990099",
        tax_price=Decimal("196"),
        customs_tax=Decimal("0"),
        value_added_tax=Decimal("25.52"),
        consumption_tax=Decimal("0"),
    )
    return TaxBill(head=head, lines=(line,))


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)
