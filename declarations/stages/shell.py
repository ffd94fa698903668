"""The stage shell: reads the bus, runs a pure core per record, persists, publishes, commits.

The commit order (house style rule 8), per batch of polled records:

    1. poll a batch;
    2. drop records at or below the offsets this stage already processed (stored with its state:
       a redelivered batch changes nothing);
    3. run the core on each record, with the state of its key;
    4. in ONE database transaction: the new states, the processed offsets, and the outputs as
       outbox rows;
    5. publish the outputs and flush (Kafka: acks=all);
    6. commit the consumer offsets, at most once a second (and at every tick): `PacedCommits`,
       in declarations.stages.offset_commits.

A crash after 4 leaves outbox rows that the next start publishes first, so an effect that was
persisted is always published, and at least once; consumers downstream are idempotent. A crash
before 4 changes nothing: the consumer rewinds and the records are polled again (a batch that
fails after 4 is polled again too, and its stored offsets skip it). A failed publish (5) leaves
the rows too, and the shell publishes the whole outbox before its next batch.

What is done once a second, not per batch, because the stored offsets make it safe to be late:
deleting the outbox rows already published (in the tick's transaction) and committing the
consumer's position (a crash replays at most that second's records, which the offsets skip). At
low rates a batch holds a record or two, and each of these cost a round trip per batch. A record
the core cannot decode or process goes to the dead-letter topic with the reason, and the stream
goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from declarations.bus.port import Bus, BusConsumer, BusRecord, TransactionalBus
from declarations.clock import Clock
from declarations.errors import DependencyError, StoreUnavailableError, loggable
from declarations.stages.offset_commits import PacedCommits
from declarations.store.stage_store import Output, StageStore

log = logging.getLogger(__name__)

DEAD_LETTER_TOPIC = "cebsim.deadletter"


@dataclass(frozen=True, slots=True)
class Step:
    """What the core made of one record: the key's new state (None: forget it), outputs, next deadline."""

    state: Any | None
    outputs: tuple[Output, ...] = ()
    deadline: datetime | None = None


class StageLogic(Protocol):
    name: str
    topics: tuple[str, ...]

    def key(self, record: BusRecord) -> str: ...

    def apply(self, state: Any | None, record: BusRecord, now: datetime) -> Step: ...

    def tick(self, key: str, state: Any, now: datetime) -> Step: ...


@dataclass(frozen=True, slots=True)
class _Outbox:
    """A committed batch's outputs, in order, and their outbox row ids (none on a transactional bus)."""

    ids: list[int]
    outputs: list[Output]


@dataclass
class _Work:
    states: dict[str, Any]
    touched: dict[str, Step] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)


class StageShell:
    def __init__(
        self,
        logic: StageLogic,
        engine: sa.Engine,
        bus: Bus,
        clock: Clock,
        *,
        group: str | None = None,
        max_records: int = 500,
        partitions: int = 6,
    ) -> None:
        self.logic = logic
        self._engine = engine
        self._bus = bus
        self._clock = clock
        self._group = group or stage_group(logic.name)
        self._max_records = max_records
        self._partitions = partitions
        self._consumer: BusConsumer | None = None
        self._sent: list[int] = []  # outbox rows published and flushed, deleted at the next tick
        self._unsent = False  # a publish failed: the outbox holds rows nobody is about to send
        self._commits = PacedCommits()

    def start(self) -> None:
        self._bus.create_topics(
            {topic: self._partitions for topic in (*self.logic.topics, DEAD_LETTER_TOPIC)}
        )
        self._consumer = self._bus.consumer(self._group, self.logic.topics)
        self.publish_outbox()

    def close(self) -> None:
        if self._consumer is not None:
            self._commits.close(self._consumer)
            self._consumer.close()
            self._consumer = None

    def run(self, stop: threading.Event, tick_every_s: float = 1.0) -> None:
        """Process until `stop` is set; dependency failures are retried after a pause."""
        last_tick = 0.0
        while not stop.is_set():
            try:
                self.run_once()
                now = self._clock.now().timestamp()
                if now - last_tick >= tick_every_s:
                    self.tick_once()
                    last_tick = now
            except DependencyError as exc:
                log.warning("stage %s paused: %s", self.logic.name, exc, exc_info=True)
                stop.wait(min(exc.retry_after_s, 1.0))
            except Exception:  # a bug in persisting: the batch was not committed, so retry it later
                log.exception("stage %s failed on a batch; retrying", self.logic.name)
                stop.wait(1.0)

    def run_once(self, timeout_s: float = 0.2) -> int:
        assert self._consumer is not None, "start() the shell first"
        if self._unsent:
            self.publish_outbox()
        records = self._consumer.poll(max_records=self._max_records, timeout_s=timeout_s)
        if not records:
            return 0
        try:
            self._publish(self._process(records))
            self._commits.processed(self._consumer)
        except BaseException:
            # poll again from the last commit: a batch that was persisted is then skipped by its
            # stored offsets, one that was not is processed again; either way none is lost
            self._consumer.rewind()
            raise
        return len(records)

    def tick_once(self) -> int:
        """Give every key whose deadline passed to the core's `tick` (timeouts in simulated time)."""
        now = self._clock.now()
        with self._transaction() as conn:
            store = StageStore(conn, self.logic.name)
            keys = store.due(now)
            work = _Work(store.load(keys))
            for key in keys:
                self._record_step(work, key, self.logic.tick(key, work.states[key], now))
            store.sent(self._sent)
            outbox = self._persist(store, work, {}, now)
        self._sent = []
        self._publish(outbox)
        if self._consumer is not None:
            self._commits.flush(self._consumer)
        return len(keys)

    def publish_outbox(self) -> None:
        """Publish every outbox row of this stage (left by a crash or a failed publish), then delete them."""
        if isinstance(self._bus, TransactionalBus):
            return  # its records commit with the batch: the outbox stays empty, skip a write transaction
        with self._transaction() as conn:
            store = StageStore(conn, self.logic.name)
            pending = store.pending()
            for item in pending:
                self._bus.publish(item.output.topic, item.output.key, item.output.value, item.output.headers)
            self._bus.flush()
            store.sent(sorted({item.id for item in pending}))  # a batch's outputs share a row
        self._sent = []
        self._unsent = False

    def _process(self, records: Sequence[BusRecord]) -> _Outbox:
        now = self._clock.now()
        with self._transaction() as conn:
            store = StageStore(conn, self.logic.name)
            known = store.offsets(self._bus.epoch)
            fresh = [r for r in records if r.offset > known.get((r.topic, r.partition), -1)]
            keys = [self._key(r) for r in fresh]  # once per record: a key can cost a parse (matching)
            work = _Work(store.load(keys))
            for record, key in zip(fresh, keys, strict=True):
                self._apply(work, record, key, now)
            return self._persist(store, work, {(r.topic, r.partition): r.offset for r in records}, now)

    def _publish(self, outbox: _Outbox) -> None:
        """Send a committed batch's outputs (Kafka); their outbox rows are deleted at the next tick."""
        if isinstance(self._bus, TransactionalBus):
            self._bus.notify()  # the records were committed with the batch
            return
        if not outbox.outputs:
            return
        try:
            for output in outbox.outputs:
                self._bus.publish(output.topic, output.key, output.value, output.headers)
            self._bus.flush()
        except DependencyError:
            self._unsent = True
            raise
        self._sent.extend(outbox.ids)

    def _apply(self, work: _Work, record: BusRecord, key: str, now: datetime) -> None:
        try:
            step = self.logic.apply(work.states.get(key), record, now)
        except DependencyError:
            raise
        except Exception as exc:
            log.error(
                "stage %s: record %s/%d@%d dead-lettered: %s",
                self.logic.name,
                record.topic,
                record.partition,
                record.offset,
                loggable(exc),
            )
            work.outputs.append(dead_letter(self.logic.name, record, exc))
            return
        self._record_step(work, key, step)

    def _key(self, record: BusRecord) -> str:
        try:
            return self.logic.key(record)
        except Exception:
            return f"undecodable:{record.topic}:{record.partition}:{record.offset}"

    @staticmethod
    def _record_step(work: _Work, key: str, step: Step) -> None:
        work.states[key] = step.state
        work.touched[key] = step
        work.outputs.extend(step.outputs)

    def _persist(
        self,
        store: StageStore,
        work: _Work,
        reached: dict[tuple[str, int], int],
        now: datetime,
    ) -> _Outbox:
        touched = work.touched.items()
        store.delete(key for key, step in touched if step.state is None)
        store.save({key: (step.state, step.deadline) for key, step in touched if step.state is not None}, now)
        store.save_offsets(self._bus.epoch, reached)
        if isinstance(self._bus, TransactionalBus):  # embedded: the records commit with the state
            self._bus.publish_in(
                store.connection, [self._bus.row(o.topic, o.key, o.value, o.headers) for o in work.outputs]
            )
            return _Outbox([], work.outputs)
        return _Outbox(store.add_outputs(work.outputs), work.outputs)

    def _transaction(self) -> Any:
        return _Transaction(self._engine)


class _Transaction:
    """`engine.begin()` with database errors turned into StoreUnavailableError (retry later)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._context: Any = None

    def __enter__(self) -> sa.Connection:
        try:
            self._context = self._engine.begin()
            return self._context.__enter__()  # type: ignore[no-any-return]
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"database unavailable: {exc}") from exc

    def __exit__(self, *exc_info: Any) -> None:
        try:
            self._context.__exit__(*exc_info)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"database error: {type(exc).__name__}") from exc


def stage_group(stage: str) -> str:
    """The consumer group of a stage, shared by every process that runs it."""
    return f"cebsim.{stage}"


def dead_letter(stage: str, record: BusRecord, reason: Exception) -> Output:
    headers = (
        *record.headers,
        ("dead_letter_stage", stage.encode()),
        ("dead_letter_reason", f"{type(reason).__name__}: {reason}"[:1000].encode()),
        ("dead_letter_source", f"{record.topic}/{record.partition}@{record.offset}".encode()),
    )
    return Output(DEAD_LETTER_TOPIC, record.key, record.value, headers)
