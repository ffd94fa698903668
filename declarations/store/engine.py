"""Opening a database: one engine per process, created at the entry point, never at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from declarations.errors import StoreUnavailableError


def create_engine(url: str) -> sa.Engine:
    """An engine for `url`; SQLite files get WAL and a busy timeout so readers never block the writer."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


READ_ONLY = {"cebsim_read_only": True}
"""Execution options for a connection that only reads: on SQLite it begins DEFERRED, not IMMEDIATE."""


def _sqlite_begin(conn: sa.Connection) -> None:
    # Writers take the write lock when they begin (IMMEDIATE): a transaction that read first and
    # then wanted to write while another thread wrote would get SQLITE_BUSY at once, because
    # SQLite does not wait on a lock upgrade that could deadlock. Marked readers stay DEFERRED.
    mode = "DEFERRED" if conn.get_execution_options().get("cebsim_read_only") else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver issues no BEGIN of its own: _sqlite_begin does
    cursor = dbapi_connection.cursor()
    # WAL + NORMAL: a committed transaction survives a killed process (not a power cut, which
    # the simulator does not promise); readers do not block the writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def check_reachable(engine: sa.Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        raise StoreUnavailableError(f"database unavailable: {type(exc).__name__}") from exc
