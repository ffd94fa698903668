"""Named counters in the `counters` table, and the dialect's INSERT that upserts need.

    insert_for(conn, table)          PostgreSQL's or SQLite's INSERT (they have on_conflict_do_*)
    lock_counter(conn, name) -> int  the counter's value, its row locked until the transaction ends
    set_counter(conn, name, value)
    advisory_lock_id(name) -> int    a PostgreSQL advisory lock id for a name (a business key, the migrations)

A counter's row is created at 0 on first use with INSERT … ON CONFLICT DO NOTHING and then locked
like any other, so two processes that start the same counter at once both end up waiting on one
row instead of one of them failing on the primary key. The counters: the numbers intake hands out
(preNo, invtNo), the receipts feed's writer lock, the webhooks' scan cursor.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from declarations.store.tables import counters


def insert_for(target: sa.Connection | str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """The INSERT of `target`'s dialect (a connection, or a dialect name)."""
    dialect = target if isinstance(target, str) else target.dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


# built once: building a statement per call costs more than running it
_LOCK = sa.select(counters.c.value).where(counters.c.name == sa.bindparam("counter")).with_for_update()
_SET = (
    counters.update()
    .where(counters.c.name == sa.bindparam("counter"))
    .values(value=sa.bindparam("new_value"))
)


def lock_counter(conn: sa.Connection, name: str) -> int:
    row = conn.execute(_LOCK, {"counter": name}).first()
    if row is None:
        conn.execute(insert_for(conn, counters).values(name=name, value=0).on_conflict_do_nothing())
        row = conn.execute(_LOCK, {"counter": name}).one()
    return int(row.value)


def set_counter(conn: sa.Connection, name: str, value: int) -> None:
    conn.execute(_SET, {"counter": name, "new_value": value})


def advisory_lock_id(name: str) -> int:
    """A signed 64-bit PostgreSQL advisory lock id for `name` (a collision only serialises more)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
