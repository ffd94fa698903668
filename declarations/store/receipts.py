"""Receipts in the store: recorded once per recipient, read back by cursor.

    ReceiptStore.record(conn_or_engine, [RecordedReceipt, ...]) -> RecordResult
    ReceiptStore.page(engine, enterprise_code, after, limit) -> ReceiptPage

Recording is idempotent: a row is unique per (document, receipt type, returnStatus, recipient),
inserted with INSERT … ON CONFLICT DO NOTHING, so a redelivered stage output stores nothing new.
The document's `status` only moves forward (`declarations.receipt_status`); a receipt whose
status ranks below the document's current one is stale and is not stored, so a trail never
reads 120 after 399. Tax bills (CEB816/818) and summary results (CEB792) are stored in the
trail of the document they concern but never move its clearance status.

Receipt writers are serialised on the `receipts:cursor` counter row (a row lock on PostgreSQL,
the single writer on SQLite), so receipt ids become visible in id order and a reader that
resumes after cursor N never skips a row committed later with a smaller id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from declarations import receipt_status
from declarations.codec import build
from declarations.domain.matching_text import NOT_TAKEN
from declarations.errors import RequestError, StoreUnavailableError
from declarations.intake import receipt_type
from declarations.store.counters import insert_for, lock_counter
from declarations.store.engine import READ_ONLY
from declarations.store.receipt_rows import (
    DocumentRef,
    ReceiptPage,
    StoredDocument,
    StoredReceipt,
    documents_by_id,
    find_document,
    receipt_values,
    stored_receipt,
)
from declarations.store.tables import documents, receipts

WRITER_LOCK = "receipts:cursor"
MAX_PAGE = 1000

__all__ = ["MAX_PAGE", "ReceiptPage", "ReceiptStore", "RecordResult", "RecordedReceipt", "StoredReceipt"]


@dataclass(frozen=True, slots=True)
class RecordedReceipt:
    """One receipt a stage produced, for the enterprises it goes to.

    `record` is a `Receipt`, `TaxBill`, `TaxBillStatus`, `SummaryResult` or `FormatReceipt`.
    The document is named by `document_id`, or by `document_type` plus `document_guid` or
    `business_key` (the current version). `recipients` empty means the document's sender.
    `body` is the one-receipt CEB message; built with the codec when left None. `values`, the
    record's (guid, status, time, info), when its sender had them: with them and `body`, `record`
    may be None (a customs message recorded as it came, without parsing it again).
    """

    message_type: str
    record: object
    recipients: tuple[str, ...] = ()
    document_id: int | None = None
    document_type: str | None = None
    document_guid: str | None = None
    business_key: str | None = None
    body: bytes | None = None
    values: tuple[str, str, datetime, str] | None = None

    def ref(self) -> DocumentRef:
        return DocumentRef(self.document_id, self.document_type, self.document_guid, self.business_key)

    def receipt_values(self) -> tuple[str, str, datetime, str]:
        """(guid, status, time, info) of the receipt."""
        return self.values if self.values is not None else receipt_values(self.record)


@dataclass
class RecordResult:
    """What `record` did: new receipt ids (cursors), duplicates skipped, stale receipts dropped."""

    inserted: list[int] = field(default_factory=list)
    duplicates: int = 0
    stale: int = 0


class ReceiptStore:
    """Receipt recording and the cursor feed; stateless, so one instance serves every thread."""

    def record(self, target: sa.Engine | sa.Connection, items: list[RecordedReceipt]) -> RecordResult:
        """Store `items` in the caller's transaction (a Connection) or in a new one (an Engine)."""
        try:
            if isinstance(target, sa.Engine):
                with target.begin() as conn:
                    return self._record(conn, items)
            return self._record(target, items)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot record receipts: {type(exc).__name__}") from exc

    def page(self, engine: sa.Engine, enterprise_code: str, after: int, limit: int) -> ReceiptPage:
        """The enterprise's receipts with id > `after`, oldest first, at most `limit` (≤ MAX_PAGE)."""
        if after < 0:
            raise RequestError("after must be a cursor ≥ 0", rule="receipts-cursor")
        if not 1 <= limit <= MAX_PAGE:
            raise RequestError(f"limit must be between 1 and {MAX_PAGE}", rule="receipts-limit")
        query = (
            sa.select(receipts)
            .where(receipts.c.enterprise_code == enterprise_code, receipts.c.id > after)
            .order_by(receipts.c.id)
            .limit(limit)
        )
        try:
            with engine.connect().execution_options(**READ_ONLY) as conn:
                rows = [stored_receipt(row) for row in conn.execute(query)]
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read receipts: {type(exc).__name__}") from exc
        return ReceiptPage(rows, rows[-1].cursor if rows else after)

    @staticmethod
    def newer(engine: sa.Engine, after: int | None) -> tuple[int, frozenset[str]]:
        """The highest receipt id, and the enterprises with receipts past `after` (None: just the id).

        Receipt ids are taken under the writers' lock and commit in id order, so a reader that
        moves past the highest id never skips a receipt that commits later.
        """
        try:
            with engine.connect().execution_options(**READ_ONLY) as conn:
                if after is None:
                    return int(
                        conn.execute(sa.select(sa.func.coalesce(sa.func.max(receipts.c.id), 0))).scalar_one()
                    ), frozenset()
                rows = conn.execute(
                    sa.select(receipts.c.enterprise_code, sa.func.max(receipts.c.id))
                    .where(receipts.c.id > after)
                    .group_by(receipts.c.enterprise_code)
                ).all()
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read receipts: {type(exc).__name__}") from exc
        return max((int(row[1]) for row in rows), default=after), frozenset(row[0] for row in rows)

    def _record(self, conn: sa.Connection, items: list[RecordedReceipt]) -> RecordResult:
        """Statuses first, receipts last: the writers' lock is held for one INSERT and the commit.

        The documents are read and locked first (in id order), each receipt is judged against the
        status the earlier receipts of the batch left, and the surviving rows are inserted at once.
        """
        result = RecordResult()
        if not items:
            return result
        found = documents_by_id(conn, {i.document_id for i in items if i.document_id is not None})
        statuses: dict[int, str] = {}
        moved: dict[int, str] = {}
        rows: dict[tuple[int, str, str, str], dict[str, object]] = {}
        for item in items:
            document = self._document(conn, item, found)
            status = item.receipt_values()[1]
            current = statuses.get(document.id, document.status)
            tracks_status = item.message_type == receipt_type(document.message_type)
            if tracks_status and _stale(current, status):
                result.stale += 1
                continue
            row = _row(document, item)
            for code in sorted(set(item.recipients or (document.sender_code,))):
                key = (document.id, item.message_type, status, code)
                if key in rows:
                    result.duplicates += 1
                else:
                    rows[key] = {**row, "enterprise_code": code}
            if tracks_status and receipt_status.advances(current, status):
                statuses[document.id] = moved[document.id] = status
        if moved:
            conn.execute(
                documents.update().where(documents.c.id == sa.bindparam("document_id")),
                [{"document_id": i, "status": s} for i, s in moved.items()],
            )
            _reinstate(conn, sorted(i for i, s in moved.items() if s in NOT_TAKEN))
        if rows:
            lock_receipt_writers(conn)
            result.inserted = _insert_new(conn, list(rows.values()))
            result.duplicates += len(rows) - len(result.inserted)
        return result

    @staticmethod
    def _document(
        conn: sa.Connection, item: RecordedReceipt, found: dict[int, StoredDocument]
    ) -> StoredDocument:
        if item.document_id is None:
            document = find_document(conn, item.ref())  # by guid or business key: one at a time
        else:
            document = found.get(item.document_id)
        if document is None:
            raise RequestError(
                f"no stored document for this {item.message_type} receipt ({item.ref()})",
                rule="receipt-document-unknown",
            )
        return document


def _reinstate(conn: sa.Connection, refused: list[int]) -> None:
    """Versions a stage refused (`NOT_TAKEN`: a modification after the list was declared, a stale
    or duplicate one) stop being current, and the version they would have replaced is current
    again: the query API shows the version in effect, and the gateway judges the next version
    against it (a new order after a refused modification is a duplicate, as matching says)."""
    c = documents.c
    for document_id in refused:
        row = conn.execute(
            sa.select(c.message_type, c.business_key).where(c.id == document_id, c.current.is_(True))
        ).first()
        if row is None:
            continue
        earlier = conn.execute(
            sa.select(c.id)
            .where(
                c.message_type == row.message_type,
                c.business_key == row.business_key,
                c.id < document_id,
                c.status.not_in(sorted(NOT_TAKEN)),
            )
            .order_by(c.id.desc())
            .limit(1)
        ).scalar()
        if earlier is not None:
            conn.execute(documents.update().where(c.id == document_id).values(current=False))
            conn.execute(documents.update().where(c.id == earlier).values(current=True))


def _row(document: StoredDocument, item: RecordedReceipt) -> dict[str, object]:
    _, status, at, info = item.receipt_values()
    return {
        "document_id": document.id,
        "message_type": item.message_type,
        "document_guid": document.guid,  # the receipt's own guid is in its body
        "business_key": document.business_key,
        "return_status": status,
        "return_time": _utc(at),
        "return_info": info[:1000],
        "body": item.body if item.body is not None else build(item.message_type, [item.record]),
        "created_at": _utc(at),
    }


def _stale(current: str, new: str) -> bool:
    try:
        return receipt_status.is_stale(current, new)
    except ValueError as exc:
        raise RequestError(str(exc), rule="receipt-status") from exc


def _utc(at: datetime) -> datetime:
    """Aware datetimes in UTC: SQLite keeps no offset, so every stored time is UTC."""
    if at.tzinfo is None:
        raise RequestError("receipt times must be timezone-aware", rule="receipt-time")
    return at.astimezone(UTC)


def _insert_new(conn: sa.Connection, rows: list[dict[str, object]]) -> list[int]:
    """Insert the receipt rows not stored yet, in one statement; the new ids, ascending."""
    return sorted(int(i) for i in conn.execute(_insert_new_statement(conn.dialect.name), rows).scalars())


@functools.cache
def _insert_new_statement(dialect: str) -> sa.Insert:
    """Built once per dialect: constructing an INSERT ... ON CONFLICT costs more than running it."""
    return (
        insert_for(dialect, receipts)
        .on_conflict_do_nothing(
            index_elements=["document_id", "message_type", "return_status", "enterprise_code"]
        )
        .returning(receipts.c.id)
    )


def lock_receipt_writers(conn: sa.Connection) -> None:
    """Serialise receipt writers until commit, so ids become visible in order.

    Every transaction that inserts receipts (the recorder, the acceptor) takes it just before it
    inserts them and holds it to its commit: the cursor feed (`page`) relies on no lower id ever
    committing after a higher one.
    """
    lock_counter(conn, WRITER_LOCK)
