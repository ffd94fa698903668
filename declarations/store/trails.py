"""Document status trails for the query API: every version of a business key and every receipt, in order.

An enterprise sees a document only if it sent it or is named in it (`document_parties`); for
anyone else the trail does not exist, so the API can answer 404 without leaking existence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from declarations.errors import StoreUnavailableError
from declarations.store.engine import READ_ONLY
from declarations.store.receipt_rows import StoredReceipt, aware, stored_receipt
from declarations.store.tables import document_parties, documents, receipts


@dataclass(frozen=True, slots=True)
class DocumentVersion:
    id: int
    guid: str
    version: int
    current: bool
    sender_code: str
    app_type: str
    app_status: str
    app_time: datetime
    status: str
    accepted_at: datetime
    pre_no: str | None
    invt_no: str | None


@dataclass(frozen=True, slots=True)
class Trail:
    message_type: str
    business_key: str
    versions: list[DocumentVersion]
    receipts: list[tuple[int, StoredReceipt]]  # (document id, receipt), oldest first, each once


def _visible_to(enterprise_code: str) -> sa.ColumnElement[bool]:
    named = sa.select(document_parties.c.document_id).where(
        document_parties.c.enterprise_code == enterprise_code
    )
    return sa.or_(documents.c.sender_code == enterprise_code, documents.c.id.in_(named))


class TrailStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def by_key(self, enterprise_code: str, message_type: str, business_key: str) -> Trail | None:
        try:
            with self._engine.connect().execution_options(**READ_ONLY) as conn:
                return _trail(conn, enterprise_code, message_type, business_key)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read the trail: {type(exc).__name__}") from exc

    def by_guid(self, enterprise_code: str, guid: str) -> Trail | None:
        query = (
            sa.select(documents.c.message_type, documents.c.business_key)
            .where(documents.c.guid == guid, _visible_to(enterprise_code))
            .order_by(documents.c.id.desc())
            .limit(1)
        )
        try:
            with self._engine.connect().execution_options(**READ_ONLY) as conn:
                found = conn.execute(query).first()
                if found is None:
                    return None
                return _trail(conn, enterprise_code, found.message_type, found.business_key)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read the trail: {type(exc).__name__}") from exc


def _trail(conn: sa.Connection, enterprise_code: str, message_type: str, business_key: str) -> Trail | None:
    rows = conn.execute(
        sa.select(documents)
        .where(
            documents.c.message_type == message_type,
            documents.c.business_key == business_key,
            _visible_to(enterprise_code),
        )
        .order_by(documents.c.version)
    ).all()
    if not rows:
        return None
    versions = [_version(row) for row in rows]
    found = conn.execute(
        sa.select(receipts)
        .where(receipts.c.document_id.in_([version.id for version in versions]))
        .order_by(receipts.c.id)
    ).all()
    seen: set[tuple[int, str, str]] = set()
    trail: list[tuple[int, StoredReceipt]] = []
    for row in found:
        once = (int(row.document_id), row.message_type, row.return_status)
        if once not in seen:  # one row per recipient; the trail shows each receipt once
            seen.add(once)
            trail.append((once[0], stored_receipt(row)))
    return Trail(message_type, business_key, versions, trail)


def _version(row: Any) -> DocumentVersion:
    return DocumentVersion(
        id=int(row.id),
        guid=row.guid,
        version=int(row.version),
        current=bool(row.current),
        sender_code=row.sender_code,
        app_type=row.app_type,
        app_status=row.app_status,
        app_time=aware(row.app_time),
        status=row.status,
        accepted_at=aware(row.accepted_at),
        pre_no=row.pre_no,
        invt_no=row.invt_no,
    )
