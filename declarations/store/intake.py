"""The intake side of the store: the live version of each business key, the keys each document guid
is stored under, accepted documents, receipts.

All of it runs inside one transaction opened by the acceptor (`declarations.store.intake.IntakeTx`),
so a batch of submissions is stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from declarations.store.counters import advisory_lock_id, lock_counter, set_counter
from declarations.store.tables import document_parties, documents, receipts
from declarations.versions import Stored

# Built once: constructing a statement and its cache key cost several times more than running it
# (an IntakeTx.lookup built per call took 400 us on SQLite, this one 64 us).
_LOCK_KEYS = sa.text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:ids AS bigint[])) AS k")
_VERSIONS = documents.alias("versions")
# the key's highest version number: a version a stage refused is not current but keeps its number
# (`store.receipts._reinstate`), so the next one is numbered after it, not after the current one
_LATEST = (
    sa.select(sa.func.max(_VERSIONS.c.version))
    .where(
        _VERSIONS.c.message_type == documents.c.message_type,
        _VERSIONS.c.business_key == documents.c.business_key,
    )
    .correlate(documents)
    .scalar_subquery()
)
_LOOKUP = sa.select(
    documents.c.message_type,
    documents.c.business_key,
    documents.c.guid,
    documents.c.content_hash,
    documents.c.current,
    documents.c.app_type,
    documents.c.app_time,
    documents.c.status,
    _LATEST.label("latest_version"),
).where(
    sa.or_(
        sa.and_(  # two INs use the (type, key, current) index, on SQLite too, which a row IN does not
            documents.c.message_type.in_(sa.bindparam("types", expanding=True)),
            documents.c.business_key.in_(sa.bindparam("keys", expanding=True)),
            documents.c.current.is_(True),
        ),
        documents.c.guid.in_(sa.bindparam("guids", expanding=True)),
    )
)
_EARLIER = receipts.alias("earlier")
_FIRST_RECEIPT = (
    sa.select(sa.func.min(_EARLIER.c.id))
    .where(_EARLIER.c.document_id == documents.c.id)
    .correlate(documents)
    .scalar_subquery()
)
_REPLAYS = (
    sa.select(
        documents.c.guid,
        documents.c.content_hash,
        documents.c.pre_no,
        documents.c.invt_no,
        receipts.c.return_status,
        receipts.c.return_time,
        receipts.c.return_info,
        receipts.c.body,
    )
    .select_from(documents)
    .join(receipts, receipts.c.id == _FIRST_RECEIPT)
    .where(documents.c.guid.in_(sa.bindparam("guids", expanding=True)))
)
_INSERT_DOCUMENTS = documents.insert().returning(
    documents.c.id, documents.c.message_type, documents.c.business_key, documents.c.version
)


@dataclass(frozen=True, slots=True)
class FirstAnswer:
    """How a stored document was first answered: what a retry of it is answered again."""

    pre_no: str | None
    invt_no: str | None
    return_status: str
    return_time: datetime
    return_info: str
    body: bytes  # the receipt message as stored and answered


@dataclass(frozen=True, slots=True)
class Known:
    """What the store holds about a batch's documents (`IntakeTx.lookup`)."""

    current: dict[tuple[str, str], Stored]  # (message type, business key) -> its live version
    seen: set[tuple[str, str]]  # (guid, content hash) of every stored version of the guids asked for
    # (message type, guid) -> the business keys whose versions carry that guid (one, unless stored
    # before guids were checked against other keys)
    guid_keys: dict[tuple[str, str], set[str]]


class IntakeTx:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._counters: dict[str, int] = {}  # name -> last value handed out (its row locked)

    def lock_keys(self, keys: Iterable[tuple[str, str]], guids: Iterable[tuple[str, str]]) -> None:
        """Hold these (message type, business key)s and (message type, document guid)s until
        commit, so that two gateway processes never judge versions of one key, nor give one guid
        to two keys, at the same time (PostgreSQL transaction-level advisory locks, taken in one
        order; SQLite has a single writer already)."""
        if self.conn.dialect.name != "postgresql":
            return
        names = {f"{message_type}|{key}" for message_type, key in keys}
        # "guid:" keeps a guid's lock apart from any key's: message types start with "CEB"
        names |= {f"guid:{message_type}|{guid}" for message_type, guid in guids}
        ids = sorted({advisory_lock_id(name) for name in names})
        if ids:
            self.conn.execute(_LOCK_KEYS, {"ids": ids})

    def lookup(self, keys: Iterable[tuple[str, str]], guids: Iterable[str]) -> Known:
        """In one query: the current version of each (message type, business key), and the guid,
        content hash, message type and business key of every stored version among `guids`."""
        wanted, guid_list = sorted(set(keys)), sorted(set(guids))
        if not wanted and not guid_list:
            return Known({}, set(), {})
        types, business_keys = sorted({t for t, _ in wanted}), sorted({k for _, k in wanted})
        rows = self.conn.execute(_LOOKUP, {"types": types, "keys": business_keys, "guids": guid_list}).all()
        found = {
            (row.message_type, row.business_key): Stored(
                row.guid, row.content_hash, row.app_type, row.app_time, row.status, row.latest_version
            )
            for row in rows
            if row.current
        }
        asked = set(guid_list)
        named = [row for row in rows if row.guid in asked]
        holders: dict[tuple[str, str], set[str]] = {}
        for row in named:
            holders.setdefault((row.message_type, row.guid), set()).add(row.business_key)
        return Known(
            {key: found[key] for key in wanted if key in found},
            {(row.guid, row.content_hash) for row in named},
            holders,
        )

    def replays(self, stored: Iterable[tuple[str, str]]) -> dict[tuple[str, str], FirstAnswer]:
        """For each stored (guid, content hash): the numbers it was given and its first receipt, to
        answer a retry the same way; one query for the whole batch (a retried message may carry 100)."""
        wanted = set(stored)
        if not wanted:
            return {}
        rows = self.conn.execute(_REPLAYS, {"guids": sorted({guid for guid, _ in wanted})}).all()
        return {
            (row.guid, row.content_hash): FirstAnswer(
                row.pre_no, row.invt_no, row.return_status, row.return_time, row.return_info, row.body
            )
            for row in rows
            if (row.guid, row.content_hash) in wanted
        }

    def next_number(self, name: str) -> int:
        """The next value of a counter; its row is locked once per transaction and written back by
        `save_numbers` (`declarations.store.counters`: a new day's counter is created safely)."""
        if name not in self._counters:
            self._counters[name] = lock_counter(self.conn, name)
        self._counters[name] += 1
        return self._counters[name]

    def save_numbers(self) -> None:
        for name, value in self._counters.items():
            set_counter(self.conn, name, value)

    def retire(self, keys: list[tuple[str, str]]) -> None:
        """The stored current versions of these (message type, business key) stop being current."""
        if not keys:
            return
        c = documents.c
        for message_type in sorted({t for t, _ in keys}):
            self.conn.execute(
                documents.update()
                .where(
                    c.message_type == message_type,
                    c.business_key.in_(sorted(k for t, k in keys if t == message_type)),
                    c.current.is_(True),
                )
                .values(current=False)
            )

    def insert_documents(self, rows: list[dict[str, object]]) -> list[int]:
        """Insert the rows with one multi-row statement; their ids, in the rows' order.

        The ids are matched back by (message type, business key, version), unique among the rows:
        asking for them in parameter order instead makes SQLAlchemy insert row by row on SQLite.
        """
        if not rows:
            return []
        result = self.conn.execute(_INSERT_DOCUMENTS, rows)
        ids = {(r.message_type, r.business_key, r.version): int(r.id) for r in result}
        return [ids[(row["message_type"], row["business_key"], row["version"])] for row in rows]

    def insert_parties(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.conn.execute(document_parties.insert(), rows)

    def insert_receipts(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.conn.execute(receipts.insert(), rows)
