"""The acceptor: one writer that stores and publishes accepted documents in batches.

Requests hand their checked submissions to `Acceptor.submit` and wait on the future. A single
writer thread takes whatever submissions are waiting, and for the whole batch, in one database
transaction:

    1. decide per document: replay, accept as the next version, or refuse (declarations.versions);
    2. hand every declared document to the bus (Kafka: sent at once; SqlBus: in the transaction);
    3. insert the accepted documents, who is named in them, assigned numbers;
    4. wait until the bus has the documents (Kafka: acks=all);
    5. take the receipt writers' lock and insert the acceptance receipts (see `write_receipts`);
    6. commit.

Sending before the inserts lets the broker's acknowledgement travel while they run. A failure in
2–6 rolls the transaction back and every submission of the batch gets the
dependency error (503 + Retry-After): nothing is half-written. Records already handed to Kafka
before a failed commit may exist there; every stage is idempotent by document guid, and the
client's retry is accepted again. Within a process, one writer means duplicate checks never race;
between gateway processes (`cebsim serve --workers N`) an advisory lock per business key, taken
before the checks, serialises them (`IntakeTx.lock_keys`).
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from declarations.acceptance import (
    Numbers,
    acceptance_receipt,
    needs_invt_no,
    needs_pre_no,
    receipt_for,
    with_numbers,
)
from declarations.bus.port import Bus, TransactionalBus
from declarations.clock import Clock
from declarations.codec import build
from declarations.domain.customs_documents import Receipt
from declarations.domain.documents import Document
from declarations.domain.messages import CHINA_STANDARD_TIME, CebMessage
from declarations.errors import CebsimError, DependencyError, StoreUnavailableError
from declarations.identity import Enterprise
from declarations.intake import DocumentFacts, facts
from declarations.store.intake import FirstAnswer, IntakeTx
from declarations.store.receipts import lock_receipt_writers
from declarations.versions import Accept, Decision, Incoming, Refuse, Replay, Stored, decide

log = logging.getLogger(__name__)

ACCEPTED_TOPIC = "cebsim.documents.accepted"
NO_NUMBERS = Numbers(pre_no=None, invt_no=None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document: its receipt, and whether it was newly accepted."""

    facts: DocumentFacts
    receipt: Receipt
    accepted: bool
    replayed: bool = False
    # the receipt message as stored for GET /ceb/receipts (accepted or replayed documents), so a
    # one-document answer is those very bytes, and a retry's the same bytes again
    xml: bytes | None = None


@dataclass
class _Pending:
    enterprise: Enterprise
    message: CebMessage
    raw: bytes | None = None  # the received bytes of a one-document message, stored as they came
    future: Future[list[Outcome]] = field(default_factory=Future)


@dataclass(frozen=True, slots=True)
class _Item:
    """One document of a submission, with what intake computed about it."""

    enterprise: Enterprise
    message: CebMessage
    document: Document
    raw: bytes | None
    fact: DocumentFacts
    digest: str


@dataclass
class _Accepted:
    """A document accepted in this batch, waiting for the batch's multi-row inserts."""

    row: dict[str, object]
    parties: frozenset[str]
    enterprise: Enterprise
    fact: DocumentFacts
    receipt: Receipt
    xml: bytes  # the receipt message, stored as it is answered


def _item(pending: _Pending, document: Document) -> _Item:
    """One document of a submission with its facts and content hash, each computed once."""
    message_type = pending.message.message_type
    return _Item(
        pending.enterprise,
        pending.message,
        document,
        pending.raw,
        facts(message_type, document),
        content_hash(message_type, document),
    )


def content_hash(message_type: str, document: object) -> str:
    return hashlib.sha256(f"{message_type}:{document!r}".encode()).hexdigest()


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
        pending = _Pending(enterprise, message, raw)
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
                self._write(running)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self._engine.begin() as conn:
                work = _Batch(IntakeTx(conn), self._bus, self._clock.now())
                results = work.run(batch)
                work.send(conn)
                work.write()
                work.flush()
                work.write_receipts()  # last: the receipts feed's lock is held only until the commit
        except sa.exc.SQLAlchemyError as exc:
            log.warning("intake batch of %d rolled back: database error %s", len(batch), type(exc).__name__)
            _fail(batch, StoreUnavailableError(f"database error: {type(exc).__name__}"))
            return
        except (DependencyError, CebsimError) as exc:
            log.warning("intake batch of %d rolled back: %s", len(batch), exc)
            _fail(batch, exc)
            return
        except Exception as exc:  # a bug: answer this batch with it, and keep the one writer alive
            log.exception("intake batch of %d rolled back: unexpected error", len(batch))
            _fail(batch, exc)
            return
        if isinstance(self._bus, TransactionalBus):
            self._bus.notify()
        for pending, outcomes in zip(batch, results, strict=True):
            pending.future.set_result(outcomes)


def _fail(batch: list[_Pending], error: Exception) -> None:
    for pending in batch:
        pending.future.set_exception(error)


class _Batch:
    """One transaction's worth of submissions; later documents see the versions earlier ones stored."""

    def __init__(self, tx: IntakeTx, bus: Bus, now: datetime) -> None:
        self._tx = tx
        self._bus = bus
        self._now = now
        self._current: dict[tuple[str, str], Stored | None] = {}
        self._seen: set[tuple[str, str]] = set()
        self._accepted: list[_Accepted] = []
        self._retired: set[tuple[str, str]] = set()
        self._receipt_rows: list[dict[str, object]] = []
        # (guid, content hash) accepted in this batch: its receipt and receipt message
        self._answered: dict[tuple[str, str], tuple[Receipt, bytes]] = {}
        self._stored: dict[tuple[str, str], FirstAnswer] = {}  # stored before this batch: for replays

    def send(self, conn: sa.Connection) -> None:
        """Hand the declared documents to the bus: Kafka sends them now (`flush` waits for acks=all
        before the commit); the embedded SqlBus writes them in this transaction."""
        outgoing = [
            (ACCEPTED_TOPIC, a.fact.routing_key.encode(), _body(a), _headers(a.fact, a.enterprise))
            for a in self._accepted
            if a.receipt.return_status != "1"  # drafts are stored, not declared
        ]
        if isinstance(self._bus, TransactionalBus):
            self._bus.publish_in(conn, [self._bus.row(*record) for record in outgoing])
            return
        for record in outgoing:
            self._bus.publish(*record)

    def flush(self) -> None:
        if not isinstance(self._bus, TransactionalBus):
            self._bus.flush()

    def run(self, batch: list[_Pending]) -> list[list[Outcome]]:
        items = [[_item(pending, document) for document in pending.message.documents] for pending in batch]
        self._preload([item for submission in items for item in submission])
        return [[self._judged(item) for item in submission] for submission in items]

    def _preload(self, items: list[_Item]) -> None:
        keys = {(item.fact.message_type, item.fact.business_key) for item in items}
        self._tx.lock_keys(keys)  # first: another gateway process may be judging the same keys
        found, self._seen = self._tx.lookup(keys, {item.fact.guid for item in items})
        self._current = {key: found.get(key) for key in keys}
        self._stored = self._tx.replays(
            (item.fact.guid, item.digest) for item in items if (item.fact.guid, item.digest) in self._seen
        )

    def _judged(self, item: _Item) -> Outcome:
        fact = item.fact
        stored = self._current[(fact.message_type, fact.business_key)]
        incoming = Incoming(fact.kind, fact.guid, item.digest, fact.app_type, fact.app_time)
        return self._apply(item, decide(incoming, stored, (fact.guid, item.digest) in self._seen))

    def _apply(self, item: _Item, decision: Decision) -> Outcome:
        if isinstance(decision, Replay):
            receipt, xml = self._replayed(item.fact, item.digest)
            return Outcome(item.fact, receipt, accepted=False, replayed=True, xml=xml)
        if isinstance(decision, Refuse):
            receipt = receipt_for(item.fact, decision.code, decision.info, self._now)
            return Outcome(item.fact, receipt, accepted=False)
        return self._store(item, decision)

    def _store(self, item: _Item, decision: Accept) -> Outcome:
        enterprise, message, fact, digest = item.enterprise, item.message, item.fact, item.digest
        numbers = self._numbers(fact)
        receipt = acceptance_receipt(fact, self._now, numbers)
        if item.raw is not None and numbers == NO_NUMBERS:
            body = item.raw  # as received: nothing to add, and re-serialising costs more than the rest
        else:
            body = build(
                message.message_type,
                [with_numbers(item.document, numbers)],
                guid=message.guid,
                base_transfer=message.base_transfer,
            )
        key = (fact.message_type, fact.business_key)
        if self._current[key] is not None:
            self._retired.add(key)  # a version stored before this batch stops being current
        row = {
            "guid": fact.guid,
            "message_type": fact.message_type,
            "kind": fact.kind,
            "business_key": fact.business_key,
            "version": decision.version,
            "current": True,
            "sender_code": enterprise.code,
            "app_type": fact.app_type,
            "app_status": fact.app_status,
            "app_time": fact.app_time,
            "content_hash": digest,
            "routing_key": fact.routing_key,
            "pre_no": numbers.pre_no,
            "invt_no": numbers.invt_no,
            "status": receipt.return_status,
            "body": body,
            "accepted_at": self._now,
        }
        xml = build(fact.receipt_type, [receipt])
        self._accepted.append(
            _Accepted(row, fact.parties | {enterprise.code}, enterprise, fact, receipt, xml)
        )
        self._current[key] = Stored(
            fact.guid, digest, fact.app_type, fact.app_time, receipt.return_status, decision.version
        )
        self._seen.add((fact.guid, digest))
        self._answered[(fact.guid, digest)] = (receipt, xml)
        return Outcome(fact, receipt, accepted=True, xml=xml)

    def write(self) -> None:
        """Store the batch's accepted documents with a few multi-row statements, in input order."""
        last_of_key = {(a.fact.message_type, a.fact.business_key): i for i, a in enumerate(self._accepted)}
        for index, accepted in enumerate(self._accepted):  # only a key's last version stays current
            accepted.row["current"] = (
                last_of_key[(accepted.fact.message_type, accepted.fact.business_key)] == index
            )
        self._tx.retire(sorted(self._retired))
        ids = self._tx.insert_documents([a.row for a in self._accepted])
        self._tx.insert_parties(
            [
                {"document_id": i, "enterprise_code": code}
                for i, a in zip(ids, self._accepted, strict=True)
                for code in sorted(a.parties)
            ]
        )
        self._receipt_rows = [
            _receipt_row(a.enterprise.code, i, a) for i, a in zip(ids, self._accepted, strict=True)
        ]
        self._tx.save_numbers()

    def write_receipts(self) -> None:
        """The acceptance receipts, under the receipt writers' lock like every receipt.

        Receipt ids come from a sequence: without the lock, a recorder's receipt could take a
        lower id and commit after ours, and a reader of the cursor feed who had already moved
        past our id would never see it.
        """
        if self._receipt_rows:
            lock_receipt_writers(self._tx.conn)
            self._tx.insert_receipts(self._receipt_rows)

    def _numbers(self, fact: DocumentFacts) -> Numbers:
        day = self._now.astimezone(CHINA_STANDARD_TIME).strftime("%Y%m%d")
        pre_no = f"B{day}{self._tx.next_number(f'preNo:{day}'):09d}" if needs_pre_no(fact) else None
        invt_no = None
        if needs_invt_no(fact) and not getattr(fact.head, "invt_no", None):
            customs = str(getattr(fact.head, "customs_code", None) or "0000")[:4]
            invt_no = f"{customs}{day[:4]}E{self._tx.next_number(f'invtNo:E:{day[:4]}'):09d}"
        return Numbers(pre_no=pre_no, invt_no=invt_no)

    def _replayed(self, fact: DocumentFacts, digest: str) -> tuple[Receipt, bytes]:
        """The first answer again: its receipt, and its receipt message byte for byte."""
        earlier = self._answered.get((fact.guid, digest))
        if earlier is not None:  # accepted earlier in this very batch
            return earlier
        first = self._stored.get((fact.guid, digest))
        if first is None:
            raise RuntimeError(f"document {fact.guid} was seen but is neither stored nor in this batch")
        # the same content hash: the stored document is this one (plus the numbers it was given),
        # so its facts are `fact`, and the stored body need not be parsed again
        numbers = Numbers(pre_no=first.pre_no, invt_no=first.invt_no)
        receipt = receipt_for(fact, first.return_status, first.return_info, first.return_time, numbers)
        return receipt, first.body


def _receipt_row(code: str, document_id: int, accepted: _Accepted) -> dict[str, object]:
    fact, receipt = accepted.fact, accepted.receipt
    return {
        "enterprise_code": code,
        "document_id": document_id,
        "message_type": fact.receipt_type,
        "document_guid": fact.guid,
        "business_key": fact.business_key,
        "return_status": receipt.return_status,
        "return_time": receipt.return_time,
        "return_info": receipt.return_info,
        "body": accepted.xml,
        "created_at": receipt.return_time,
    }


def _body(accepted: _Accepted) -> bytes:
    body = accepted.row["body"]
    assert isinstance(body, bytes)
    return body


def _headers(fact: DocumentFacts, enterprise: Enterprise) -> tuple[tuple[str, bytes], ...]:
    return (
        ("message_type", fact.message_type.encode()),
        ("guid", fact.guid.encode()),
        ("sender", enterprise.code.encode()),
    )
