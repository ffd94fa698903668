"""The intake side of the store: the live version of each business key, accepted documents, receipts.

All of it runs inside one transaction opened by the acceptor (`declarations.store.intake.IntakeTx`),
so a batch of submissions is stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from declarations.store.tables import counters, document_parties, documents, receipts
from declarations.versions import Stored


class IntakeTx:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def current(self, message_type: str, keys: Iterable[str]) -> dict[str, Stored]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = self.conn.execute(
            sa.select(documents).where(
                documents.c.message_type == message_type,
                documents.c.business_key.in_(wanted),
                documents.c.current.is_(True),
            )
        ).all()
        return {
            row.business_key: Stored(
                row.guid, row.content_hash, row.app_type, row.app_time, row.status, row.version
            )
            for row in rows
        }

    def seen(self, guids: Iterable[str]) -> set[tuple[str, str]]:
        """(guid, content hash) of every accepted version among these guids."""
        wanted = sorted(set(guids))
        if not wanted:
            return set()
        rows = self.conn.execute(
            sa.select(documents.c.guid, documents.c.content_hash).where(documents.c.guid.in_(wanted))
        ).all()
        return {(row.guid, row.content_hash) for row in rows}

    def replay(self, guid: str, content_hash: str) -> sa.Row[tuple[object, ...]] | None:
        """The stored document and its first receipt, for answering a retry the same way."""
        query = (
            sa.select(documents, receipts.c.return_status, receipts.c.return_time, receipts.c.return_info)
            .join(receipts, receipts.c.document_id == documents.c.id)
            .where(documents.c.guid == guid, documents.c.content_hash == content_hash)
            .order_by(receipts.c.id)
            .limit(1)
        )
        return self.conn.execute(query).first()

    def next_number(self, name: str) -> int:
        row = self.conn.execute(
            sa.select(counters.c.value).where(counters.c.name == name).with_for_update()
        ).first()
        if row is None:
            self.conn.execute(counters.insert().values(name=name, value=1))
            return 1
        value = int(row.value) + 1
        self.conn.execute(counters.update().where(counters.c.name == name).values(value=value))
        return value

    def insert_document(self, values: dict[str, object], parties: Iterable[str]) -> int:
        self.conn.execute(
            documents.update()
            .where(
                documents.c.message_type == values["message_type"],
                documents.c.business_key == values["business_key"],
                documents.c.current.is_(True),
            )
            .values(current=False)
        )
        result = self.conn.execute(documents.insert().values(current=True, **values))
        document_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        rows = [{"document_id": document_id, "enterprise_code": code} for code in sorted(set(parties))]
        if rows:
            self.conn.execute(document_parties.insert(), rows)
        return document_id

    def insert_receipt(self, values: dict[str, object]) -> int:
        result = self.conn.execute(receipts.insert().values(**values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def accepted_at_key(at: datetime) -> str:
    return at.strftime("%Y%m%d")
