"""The recorder: `cebsim.receipts.issued` → receipts in the store, for the receipts API and webhooks.

It builds each receipt from the stored document (its keys, the preNo assigned at acceptance, the
invtNo once customs gave it) and records it idempotently (`declarations.store.receipts`): a
redelivered event stores nothing new, and a document's status never moves backwards.

Order per batch: poll → one transaction (receipts, invtNo updates, dead letters on the embedded
bus; a batch with a bad event is redone event by event) → dead letters to Kafka → commit offsets.

On Kafka the gateway publishes an accepted document (and waits for acks=all) before its database
transaction commits, so the pipeline can answer a document before its row is visible here. A
batch with an event for a document not stored yet is therefore polled again after a moment, for up
to `grace_s`; only then is such an event dead-lettered (a document whose acceptance rolled back
after it was published, which the client is told to send again, or an event that names no
accepted document at all).
A crash before the commit replays the batch, and so does a failure (the consumer rewinds to its
last commit); the unique receipt rows make that harmless, which is also why the consumer commits
at most once a second (`PacedCommits`) and whenever a poll comes back empty.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

import sqlalchemy as sa

from declarations.acceptance import Numbers, receipt_for
from declarations.bus.port import Bus, BusConsumer, BusRecord, TransactionalBus
from declarations.clock import Clock
from declarations.codec import parse_message, parse_recent
from declarations.errors import DependencyError, RequestError, StoreUnavailableError, loggable
from declarations.intake import DocumentFacts, facts
from declarations.stages.offset_commits import PacedCommits
from declarations.stages.receipt_events import RECEIPTS_TOPIC, MessageEvent, ReceiptEvent, parse_event
from declarations.stages.shell import DEAD_LETTER_TOPIC, dead_letter, stage_group
from declarations.store.receipts import ReceiptStore, RecordedReceipt
from declarations.store.stage_store import Output
from declarations.store.tables import documents

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Stored:
    id: int
    body: bytes
    pre_no: str | None
    invt_no: str | None


RETRY_S = 0.05  # between two looks for a document whose acceptance has not committed yet


class _NotStoredYetError(Exception):
    """A batch names a document whose acceptance may not have committed yet: poll it again."""


class Recorder:
    name = "recorder"

    def __init__(
        self,
        engine: sa.Engine,
        bus: Bus,
        clock: Clock,
        *,
        group: str | None = None,
        partitions: int = 6,
        grace_s: float = 10.0,
    ) -> None:
        self._partitions = partitions
        # the embedded bus commits a document with its record: an unknown one is unknown for good
        self._grace_s = 0.0 if isinstance(bus, TransactionalBus) else grace_s
        self._waiting: dict[tuple[str, int, int], float] = {}  # first unknown event → since when
        self._facts = _Facts()
        self._commits = PacedCommits()
        self._engine = engine
        self._bus = bus
        self._clock = clock
        self._group = group or stage_group(self.name)
        self._store = ReceiptStore()
        self._consumer: BusConsumer | None = None

    def start(self) -> None:
        self._bus.create_topics({RECEIPTS_TOPIC: self._partitions, DEAD_LETTER_TOPIC: self._partitions})
        self._consumer = self._bus.consumer(self._group, (RECEIPTS_TOPIC,))

    def close(self) -> None:
        if self._consumer is not None:
            self._commits.close(self._consumer)
            self._consumer.close()
            self._consumer = None

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except DependencyError as exc:
                log.warning("recorder paused: %s", exc)
                stop.wait(min(exc.retry_after_s, 1.0))

    def run_once(self, timeout_s: float = 0.2) -> int:
        assert self._consumer is not None, "start() the recorder first"
        records = self._consumer.poll(max_records=1000, timeout_s=timeout_s)
        if not records:
            self._commits.flush(self._consumer)  # idle: commit, so the lag reads 0
            return 0
        try:
            self._record(records)
            self._commits.processed(self._consumer)
        except _NotStoredYetError:
            self._consumer.rewind()
            time.sleep(RETRY_S)  # the acceptor commits moments after it publishes
            return 0
        except BaseException:
            self._consumer.rewind()  # poll the batch again: recording it twice stores nothing new
            raise
        self._waiting.clear()
        return len(records)

    def _record(self, records: list[BusRecord]) -> None:
        try:
            dead = self._record_batch(records)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot record receipts: {type(exc).__name__}") from exc
        if not isinstance(self._bus, TransactionalBus):
            for output in dead:
                self._bus.publish(output.topic, output.key, output.value, output.headers)
            self._bus.flush()

    def _record_batch(self, records: list[BusRecord]) -> list[Output]:
        """Record the batch in one transaction; its dead letters.

        The fast path reads the batch's documents in one query and records every event without a
        savepoint. An event that cannot be recorded (rare: an unknown document, a bad event)
        rolls the whole attempt back, and the batch is recorded again with a savepoint per
        event, so that the bad one is dead-lettered alone.
        """
        try:
            with self._engine.begin() as conn:
                events = [parse_event(record.value) for record in records]
                batch = _Documents(conn, events, self._facts)
                self._wait_for_documents(records, events, batch)
                recorded = [batch.recorded(event) for event in events]
                batch.save_invt_nos()
                self._store.record(conn, recorded)
            return []
        except (RequestError, KeyError, ValueError) as exc:
            log.info("recorder: batch of %d recorded event by event (%s)", len(records), loggable(exc))
        dead: list[Output] = []
        with self._engine.begin() as conn:
            for record in records:
                self._record_one(conn, record, dead)
            if isinstance(self._bus, TransactionalBus):
                self._bus.publish_in(conn, [self._bus.row(o.topic, o.key, o.value, o.headers) for o in dead])
        return dead

    def _wait_for_documents(
        self, records: list[BusRecord], events: list[ReceiptEvent | MessageEvent], batch: _Documents
    ) -> None:
        """Raise _NotStoredYetError while an event's document is not stored and its grace has not run out."""
        unknown = next((r for r, e in zip(records, events, strict=True) if not batch.has(e)), None)
        if unknown is None:
            return
        since = self._waiting.setdefault((unknown.topic, unknown.partition, unknown.offset), time.monotonic())
        if time.monotonic() - since < self._grace_s:
            raise _NotStoredYetError

    def _record_one(self, conn: sa.Connection, record: BusRecord, dead: list[Output]) -> None:
        try:
            event = parse_event(record.value)
            with conn.begin_nested():  # one bad event rolls back alone
                batch = _Documents(conn, [event], self._facts)
                recorded = batch.recorded(event)
                batch.save_invt_nos()
                self._store.record(conn, [recorded])
        except (RequestError, KeyError, ValueError) as exc:
            log.error("recorder: event %s@%d dead-lettered: %s", record.topic, record.offset, loggable(exc))
            dead.append(dead_letter(self.name, record, exc))


class _Facts:
    """Facts of stored documents by id, for the most recent `size` documents. A stored version
    never changes, and a document's receipts come over many batches: parse its body once."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._facts: OrderedDict[int, DocumentFacts] = OrderedDict()

    def get(self, document_id: int, body: bytes, message_type: str) -> DocumentFacts:
        fact = self._facts.get(document_id)
        if fact is None:
            fact = self._facts[document_id] = facts(message_type, parse_recent(body).documents[0])
            if len(self._facts) > self._size:
                self._facts.popitem(last=False)
        else:
            self._facts.move_to_end(document_id)
        return fact


class _Documents:
    """The stored documents a batch of events answers, read in one query; the invtNos the events
    give them, written in one statement (`save_invt_nos`): one UPDATE per list answered cost the
    recorder a tenth of a `cebsim worker all` profile."""

    def __init__(self, conn: sa.Connection, events: list[ReceiptEvent | MessageEvent], known: _Facts) -> None:
        self._conn = conn
        self._stored = _documents(conn, {(e.document_type, e.document_guid) for e in events})
        self._facts = known
        self._invt_nos: dict[int, str] = {}  # document id -> the invtNo customs gave it in this batch

    def has(self, event: ReceiptEvent | MessageEvent) -> bool:
        return (event.document_type, event.document_guid) in self._stored

    def recorded(self, event: ReceiptEvent | MessageEvent) -> RecordedReceipt:
        stored = self._stored.get((event.document_type, event.document_guid))
        if stored is None:
            raise RequestError(
                f"no stored {event.document_type} document with guid {event.document_guid}",
                rule="receipt-document-unknown",
            )
        if isinstance(event, MessageEvent):
            # filed under the values the stage sent with it: parsing a tax bill again cost the
            # recorder a tenth of its time; an event of an earlier version has none
            record = None if event.values is not None else parse_message(event.xml).documents[0]
            return RecordedReceipt(
                event.message_type, record, document_id=stored.id, body=event.xml, values=event.values
            )
        if event.invt_no and event.invt_no != stored.invt_no:
            self._invt_nos[stored.id] = event.invt_no
            stored = self._stored[(event.document_type, event.document_guid)] = replace(
                stored, invt_no=event.invt_no
            )
        fact = self._facts.get(stored.id, stored.body, event.document_type)
        numbers = Numbers(pre_no=stored.pre_no, invt_no=stored.invt_no)
        receipt = receipt_for(fact, event.status, event.info, event.time, numbers)
        return RecordedReceipt(fact.receipt_type, receipt, document_id=stored.id)

    def save_invt_nos(self) -> None:
        """Store the invtNos `recorded` met, in id order (the order the receipt store locks in)."""
        if self._invt_nos:
            self._conn.execute(
                _SET_INVT_NO,
                [{"document_id": i, "given_invt_no": n} for i, n in sorted(self._invt_nos.items())],
            )
            self._invt_nos.clear()


_DOCUMENTS_BY_GUID = sa.select(  # built once: building it per batch costs more than running it
    documents.c.id,
    documents.c.message_type,
    documents.c.guid,
    documents.c.current,
    documents.c.body,
    documents.c.pre_no,
    documents.c.invt_no,
).where(documents.c.guid.in_(sa.bindparam("guids", expanding=True)))


_SET_INVT_NO = (
    documents.update()
    .where(documents.c.id == sa.bindparam("document_id"))
    .values(invt_no=sa.bindparam("given_invt_no"))
)


def _documents(conn: sa.Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], _Stored]:
    """(message type, guid) → the current version of that document (else the latest one)."""
    if not keys:
        return {}
    rows = conn.execute(_DOCUMENTS_BY_GUID, {"guids": sorted({guid for _, guid in keys})}).all()
    best: dict[tuple[str, str], tuple[tuple[bool, int], _Stored]] = {}
    for row in rows:
        key = (row.message_type, row.guid)
        if key not in keys:
            continue
        rank = (bool(row.current), int(row.id))
        if key not in best or rank > best[key][0]:
            best[key] = (rank, _Stored(int(row.id), bytes(row.body), row.pre_no, row.invt_no))
    return {key: stored for key, (_, stored) in best.items()}
