"""One acceptor batch: its submissions judged and stored in one transaction, in the order
`gateway.intake.acceptor` describes (`write_batch`).

Every document is judged against what is stored and what this batch accepted before it
(`declarations.versions.decide`): the live version of its business key, whether its guid and
content were accepted before (a replay), and which business keys of its message type already
carry its guid. What is stored before the batch comes from one lookup query for the whole batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
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
from declarations.codec import build
from declarations.domain.customs_documents import Receipt
from declarations.domain.documents import Document
from declarations.domain.messages import CHINA_STANDARD_TIME, CebMessage
from declarations.identity import Enterprise
from declarations.intake import DocumentFacts, facts
from declarations.store.intake import FirstAnswer, IntakeTx
from declarations.store.receipts import lock_receipt_writers
from declarations.versions import Accept, Decision, Incoming, Refuse, Replay, Stored, decide
from gateway.intake.accepted import Accepted, document_row

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


@dataclass(frozen=True, slots=True)
class Submission:
    """A checked message from one enterprise, as a request hands it to the acceptor."""

    enterprise: Enterprise
    message: CebMessage
    raw: bytes | None = None  # the received bytes of a one-document message, stored as they came


@dataclass(frozen=True, slots=True)
class _Item:
    """One document of a submission, with what intake computed about it."""

    enterprise: Enterprise
    message: CebMessage
    document: Document
    raw: bytes | None
    fact: DocumentFacts
    digest: str


def _item(submission: Submission, document: Document) -> _Item:
    """One document of a submission with its facts and content hash, each computed once."""
    message_type = submission.message.message_type
    return _Item(
        submission.enterprise,
        submission.message,
        document,
        submission.raw,
        facts(message_type, document),
        content_hash(message_type, document),
    )


def content_hash(message_type: str, document: object) -> str:
    return hashlib.sha256(f"{message_type}:{document!r}".encode()).hexdigest()


def write_batch(
    engine: sa.Engine, bus: Bus, now: datetime, submissions: list[Submission]
) -> list[list[Outcome]]:
    """Judge and store `submissions` in one transaction: their outcomes, once it has committed;
    any exception means the transaction rolled back."""
    with engine.begin() as conn:
        batch = Batch(IntakeTx(conn), bus, now)
        results = batch.run(submissions)
        batch.write()  # before the send: a document the database refuses never reaches Kafka
        batch.send(conn)
        batch.flush()
        batch.write_receipts()  # last: the receipts feed's lock is held only until the commit
    return results


class Batch:
    """One transaction's worth of submissions; later documents see the versions earlier ones stored."""

    def __init__(self, tx: IntakeTx, bus: Bus, now: datetime) -> None:
        self._tx = tx
        self._bus = bus
        self._now = now
        self._current: dict[tuple[str, str], Stored | None] = {}
        self._seen: set[tuple[str, str]] = set()
        # (message type, guid) -> the business keys whose versions carry it, stored or accepted here
        self._guid_keys: dict[tuple[str, str], set[str]] = {}
        self._accepted: list[Accepted] = []
        self._retired: set[tuple[str, str]] = set()
        self._receipt_rows: list[dict[str, object]] = []
        # (guid, content hash) accepted in this batch: its receipt and receipt message
        self._answered: dict[tuple[str, str], tuple[Receipt, bytes]] = {}
        self._stored: dict[tuple[str, str], FirstAnswer] = {}  # stored before this batch: for replays

    def send(self, conn: sa.Connection) -> None:
        """Hand the declared documents, already inserted, to the bus: Kafka sends them now (`flush`
        waits for acks=all before the commit); the embedded SqlBus writes them in this transaction."""
        outgoing = [a.record() for a in self._accepted if a.declared]
        if isinstance(self._bus, TransactionalBus):
            self._bus.publish_in(conn, [self._bus.row(*record) for record in outgoing])
            return
        for record in outgoing:
            self._bus.publish(*record)

    def flush(self) -> None:
        if not isinstance(self._bus, TransactionalBus):
            self._bus.flush()

    def run(self, submissions: list[Submission]) -> list[list[Outcome]]:
        items = [[_item(s, document) for document in s.message.documents] for s in submissions]
        self._preload([item for submission in items for item in submission])
        return [[self._judged(item) for item in submission] for submission in items]

    def _preload(self, items: list[_Item]) -> None:
        keys = {(item.fact.message_type, item.fact.business_key) for item in items}
        guids = {(item.fact.message_type, item.fact.guid) for item in items}
        self._tx.lock_keys(keys, guids)  # first: another gateway process may be judging them too
        known = self._tx.lookup(keys, {guid for _, guid in guids})
        self._current = {key: known.current.get(key) for key in keys}
        self._seen, self._guid_keys = known.seen, known.guid_keys
        self._stored = self._tx.replays(
            (item.fact.guid, item.digest) for item in items if (item.fact.guid, item.digest) in self._seen
        )

    def _judged(self, item: _Item) -> Outcome:
        fact = item.fact
        stored = self._current[(fact.message_type, fact.business_key)]
        incoming = Incoming(fact.kind, fact.guid, item.digest, fact.app_type, fact.app_time)
        holders = self._guid_keys.get((fact.message_type, fact.guid), set())
        seen = (fact.guid, item.digest) in self._seen
        return self._apply(
            item, decide(incoming, stored, seen, guid_taken=bool(holders - {fact.business_key}))
        )

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
        status = receipt.return_status
        row = document_row(
            fact,
            sender=enterprise,
            version=decision.version,
            digest=digest,
            numbers=numbers,
            status=status,
            body=body,
            now=self._now,
        )
        xml = build(fact.receipt_type, [receipt])
        self._accepted.append(Accepted(row, body, enterprise, fact, receipt, xml))
        self._current[key] = Stored(fact.guid, digest, fact.app_type, fact.app_time, status, decision.version)
        self._seen.add((fact.guid, digest))
        self._guid_keys.setdefault((fact.message_type, fact.guid), set()).add(fact.business_key)
        self._answered[(fact.guid, digest)] = (receipt, xml)
        return Outcome(fact, receipt, accepted=True, xml=xml)

    def write(self) -> None:
        """Store the batch's accepted documents with a few multi-row statements, in input order."""
        last_of_key = {a.key: i for i, a in enumerate(self._accepted)}
        for index, accepted in enumerate(self._accepted):  # only a key's last version stays current
            accepted.row["current"] = last_of_key[accepted.key] == index
        self._tx.retire(sorted(self._retired))
        ids = self._tx.insert_documents([a.row for a in self._accepted])
        written = list(zip(ids, self._accepted, strict=True))
        self._tx.insert_parties([row for i, a in written for row in a.party_rows(i)])
        self._receipt_rows = [a.receipt_row(i) for i, a in written]
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
