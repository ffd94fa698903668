"""Opening a database: one engine per process, created at the entry point, never at import time."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import event

from declarations.errors import StoreUnavailableError


def create_engine(url: str) -> sa.Engine:
    """An engine for `url`; SQLite files get WAL and a busy timeout so readers never block the writer."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url)  # a file: nothing to ping
        _serialise_sqlite_writers(engine)
        return engine
    # A pool as large as the threads that use it at once (request threads, acceptor, webhooks,
    # stages): connections past pool_size are closed on return, and a new PostgreSQL connection
    # costs a backend process.
    engine = sa.create_engine(url, pool_size=16, max_overflow=32, **_unparsed_parameters(url))
    _ping_when_idle(engine)
    return engine


def _unparsed_parameters(url: str) -> dict[str, Any]:
    """psycopg: SQL with PostgreSQL's own $1 placeholders, passed to the server as it is.

    With the default pyformat style psycopg rewrites every `%(name)s` into `$n` with a regular
    expression, and caches the result only for statements under 4 KiB and 50 parameters. A
    multi-row INSERT (SQLAlchemy's insertmanyvalues: a recorder or acceptor batch) is larger, so
    each one was re-parsed: 9% of a worker's profile samples and 4% of a gateway's under load (the
    acceptor's CPU for a batch of 40 messages: 21.6 -> 17.7 ms; for one, no change). SQLAlchemy
    renders `$n` itself ("numeric_dollar") and psycopg's RawCursor sends it untouched.
    """
    if sa.make_url(url).get_driver_name() != "psycopg":
        return {}
    return {"paramstyle": "numeric_dollar", "connect_args": {"cursor_factory": psycopg.RawCursor}}


PING_AFTER_IDLE_S = 1.0
_RETURNED_AT = "cebsim_returned_at"


def _ping_when_idle(engine: sa.Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Check a connection that sat in the pool for `idle_s` or more before handing it out.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip and a statement per
    transaction, and the hot paths (acceptor, stages, receipt reads) run hundreds of those a
    second on connections that worked milliseconds ago. A database restart takes longer than
    `idle_s`, so a connection it broke has been idle that long by the time it is checked out
    again, and is found by the ping; the pool then replaces it (DisconnectionError) and the
    caller never sees it. A connection broken while in use fails its statement as before.
    """

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_RETURNED_AT)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"pooled connection is gone: {type(exc).__name__}") from exc

    event.listen(engine.pool, "checkin", returned)
    event.listen(engine.pool, "checkout", checked_out)


def _serialise_sqlite_writers(engine: sa.Engine) -> None:
    """One writer at a time, queued on a Python lock rather than on SQLite's busy handler.

    SQLite has one write lock per database; a blocked writer polls it with sleeps of up to 100 ms,
    which turns a few concurrent writers (acceptor, stages, recorder) into long stalls. Taking a
    process-wide lock before BEGIN IMMEDIATE hands the database over in microseconds instead.
    Readers (READ_ONLY) take neither lock: WAL lets them read while one thread writes.
    """
    lock = threading.RLock()

    def begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("cebsim_read_only"):
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        lock.acquire()
        conn.info[_HOLDS_LOCK] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn.info, lock)
            raise

    def end(conn: sa.Connection) -> None:
        _release(conn.info, lock)

    def checkin(_dbapi: Any, record: Any) -> None:
        _release(record.info, lock)

    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    event.listen(engine.pool, "checkin", checkin)


_HOLDS_LOCK = "cebsim_holds_write_lock"


def _release(info: dict[Any, Any], lock: threading.RLock) -> None:
    if info.pop(_HOLDS_LOCK, False):
        lock.release()


READ_ONLY = {"cebsim_read_only": True}
"""Execution options for a connection that only reads: on SQLite it begins DEFERRED and takes no
write lock. Writers begin IMMEDIATE: a transaction that read first and then wanted to write while
another thread wrote would get SQLITE_BUSY at once (SQLite does not wait on a lock upgrade)."""


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


def shown_url(url: str) -> str:
    """The database URL as it may be printed or logged: the password replaced by ***."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<not a database URL>"
