"""The acceptor: one writer that stores and publishes accepted documents in batches.

Requests hand their checked submissions to `Acceptor.submit` and wait on the future. A single
writer thread takes whatever submissions are waiting, and for the whole batch, in one database
transaction (`gateway.intake.batch.write_batch`):

    1. decide per document: replay, accept as the next version, or refuse (declarations.versions);
    2. insert the accepted documents, who is named in them, assigned numbers;
    3. hand every declared document to the bus (Kafka: sent at once; SqlBus: in the transaction);
    4. wait until the bus has the documents (Kafka: acks=all);
    5. take the receipt writers' lock and insert the acceptance receipts (see `write_receipts`);
    6. commit.

Inserting before sending means a document the database refuses never reaches Kafka. (Sending
first let the broker's acknowledgement travel while the inserts ran, but a batch that then failed
on its data left its documents on Kafka, the culprit's included: the pipeline answered documents
that were never accepted, and the others were sent again with other numbers when rewritten.)

A failure in 1–6 rolls the transaction back: nothing is half-written. When a dependency is
unreachable (the database's connection or the bus: `DependencyError`, SQLAlchemy's
`OperationalError` and its kin), every submission of the batch gets the dependency error (503 +
Retry-After): each written again would only wait for the same timeout. Any other failure (a
constraint, a value the database refuses, a bug) may come from one submission: the writer then
writes each submission of the batch again on its own, each in its own transaction, so only the
culprit gets the error and the others are accepted as if they had come alone. A submission the
database refuses on its own gets `StoreRefusedError` (500, no Retry-After): sending it again would
be refused again.

After the send, only the receipts' insert and the commit can fail, in practice when the database
went away: the batch's records may then be on Kafka though nothing was stored. Every stage is
idempotent by document guid, and the client's retry (it was answered 503) is accepted again.

Within a process, one writer means duplicate checks never race; between gateway processes
(`cebsim serve --workers N`) an advisory lock per business key and per document guid, taken
before the checks, serialises them (`IntakeTx.lock_keys`).
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

import sqlalchemy as sa

from declarations.bus.port import Bus, TransactionalBus
from declarations.clock import Clock
from declarations.domain.messages import CebMessage
from declarations.errors import (
    CebsimError,
    DependencyError,
    StoreRefusedError,
    StoreUnavailableError,
    loggable,
)
from declarations.identity import Enterprise
from gateway.intake.accepted import ACCEPTED_TOPIC
from gateway.intake.batch import Outcome, Submission, write_batch

__all__ = ["ACCEPTED_TOPIC", "Acceptor", "Outcome"]

log = logging.getLogger(__name__)

# a dependency that cannot be reached (not a statement the database refuses): every submission
# written on its own would fail the same way, after the same timeout
UNREACHABLE = (
    DependencyError,
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)


@dataclass
class _Pending:
    submission: Submission
    future: Future[list[Outcome]] = field(default_factory=Future)


class Acceptor:
    def __init__(self, engine: sa.Engine, bus: Bus, clock: Clock, *, max_batch: int = 256) -> None:
        self._engine = engine
        self._bus = bus
        self._clock = clock
        self._max_batch = max_batch
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="cebsim-acceptor", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=30)

    def submit(
        self, enterprise: Enterprise, message: CebMessage, raw: bytes | None = None
    ) -> Future[list[Outcome]]:
        """Queue a checked message for the writer; the future is done when its batch has committed."""
        pending = _Pending(Submission(enterprise, message, raw))
        self._queue.put(pending)
        return pending.future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            # a submission whose caller cancelled its future is not written (nobody would be answered)
            running = [p for p in batch if p.future.set_running_or_notify_cancel()]
            if running:
                self._write_guarded(running)

    def _write_guarded(self, batch: list[_Pending]) -> None:
        """`_write`, and whatever escapes it (answering a failure, notifying the bus) answers the
        submissions not yet answered instead of ending the one writer thread."""
        try:
            self._write(batch)
        except Exception as exc:
            log.error("intake writer: unexpected error after a batch of %d", len(batch), exc_info=exc)
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            results = write_batch(self._engine, self._bus, self._clock.now(), [p.submission for p in batch])
        except Exception as exc:  # answered below, whatever it is: the one writer stays alive
            if len(batch) > 1 and not _unreachable(exc):
                log.warning(
                    "intake batch of %d rolled back (%s): writing each submission on its own",
                    len(batch),
                    loggable(exc),
                )
                for pending in batch:
                    self._write([pending])
                return
            _fail(batch, _answer(exc, len(batch)))
            return
        if isinstance(self._bus, TransactionalBus):
            self._bus.notify()
        for pending, outcomes in zip(batch, results, strict=True):
            pending.future.set_result(outcomes)


def _unreachable(error: Exception) -> bool:
    """Whether `error` says a dependency is down (each submission alone would fail the same way)."""
    if isinstance(error, UNREACHABLE):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def _answer(error: Exception, size: int) -> Exception:
    """What the submissions of a failed batch of `size` are answered with, logged once."""
    if isinstance(error, sa.exc.SQLAlchemyError) and size == 1 and not _unreachable(error):
        log.error("intake: the database refused a checked document: %s", type(error).__name__)
        return StoreRefusedError(
            f"the database refused this document ({type(error).__name__}) though it passed every "
            "check: a cebsim defect, logged; sending it again will not help"
        )
    if isinstance(error, sa.exc.SQLAlchemyError):  # its text would quote the documents' values
        log.warning("intake batch of %d rolled back: database error %s", size, type(error).__name__)
        return StoreUnavailableError(f"database error: {type(error).__name__}")
    if isinstance(error, CebsimError):
        log.warning("intake batch of %d rolled back: %s", size, error)
    else:  # a bug: answer this batch with it, and keep the one writer alive
        log.error("intake batch of %d rolled back: unexpected error", size, exc_info=error)
    return error


def _fail(batch: list[_Pending], error: Exception) -> None:
    for pending in batch:
        pending.future.set_exception(error)
