"""What a stage shell persists in one transaction: per-key state, processed offsets, the outbox.

State is pickled: it is the stage's own frozen dataclasses, written and read only by cebsim in
its own database (never from outside input), and pickle keeps every Decimal and aware datetime
exact without a schema per stage.

The outbox holds a batch's outputs in ONE row (`add_outputs`): its topic is BATCH_TOPIC (empty,
which no Kafka topic is) and its value the pickled outputs. A row per output took ~6% of the
GIL-held samples of `cebsim worker all` (an INSERT row and a DELETE each, their parameters
processed one by one: 14-20 ms of CPU for 1,000 outputs, 2.2 ms as one row). A row with a real
topic is one output, as versions before this one wrote them, and is still published.
"""

from __future__ import annotations

import base64
import copyreg
import functools
import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from declarations.bus.port import Headers
from declarations.store.counters import insert_for
from declarations.store.tables import stage_offsets, stage_outbox, stage_state


def read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _reduce_mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return read_only, (dict(proxy),)


# the cores keep read-only mappings in their frozen states; pickle them as the dict they wrap
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)


@dataclass(frozen=True, slots=True)
class Output:
    """A record a stage wants published once its transaction commits."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers = ()


BATCH_TOPIC = ""  # an outbox row whose value is a whole batch's outputs


@dataclass(frozen=True, slots=True)
class Pending:
    """An output in the outbox, and the id of its row (the outputs of one batch share one row)."""

    id: int
    output: Output


class StageStore:
    def __init__(self, conn: sa.Connection, stage: str) -> None:
        self._conn = conn
        self._stage = stage

    @property
    def connection(self) -> sa.Connection:
        return self._conn

    def load(self, keys: Iterable[str]) -> dict[str, Any]:
        """The states of these keys, their rows locked until the transaction ends (PostgreSQL), so
        that another process's `tick` cannot change a state between this read and its save."""
        wanted = sorted(set(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self._conn.execute(_LOAD, {"stage": self._stage, "keys": chunk}).all()
            found.update({row.key: pickle.loads(row.state) for row in rows})  # noqa: S301 (own state, see above)
        return found

    def save(self, states: Mapping[str, tuple[Any, datetime | None]], now: datetime) -> None:
        """Store each key's (state, deadline): one upsert for the whole batch."""
        rows = [
            {
                "stage": self._stage,
                "key": key,
                "state": pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL),
                "deadline": deadline,
                "updated_at": now,
            }
            for key, (state, deadline) in states.items()
        ]
        if rows:
            self._conn.execute(_upsert(self._conn, "state"), rows)

    def delete(self, keys: Iterable[str]) -> None:
        gone = sorted(set(keys))
        for start in range(0, len(gone), 500):
            self._conn.execute(
                stage_state.delete().where(
                    stage_state.c.stage == self._stage, stage_state.c.key.in_(gone[start : start + 500])
                )
            )

    def due(self, now: datetime, limit: int = 1000) -> list[str]:
        """Keys whose deadline has passed, locked; a key another transaction holds is skipped.

        Every process of a stage ticks, and due keys are not sorted by partition: without the
        locks two processes could time one key out twice, or a tick could change a state that a
        batch had just read. A skipped key is either being processed (its batch saves its next
        deadline) or being ticked elsewhere. SQLite has one writer and ignores the locks.
        """
        rows = self._conn.execute(
            sa.select(stage_state.c.key)
            .where(stage_state.c.stage == self._stage, stage_state.c.deadline <= now)
            .order_by(stage_state.c.deadline)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [row.key for row in rows]

    def offsets(self, epoch: str) -> dict[tuple[str, int], int]:
        rows = self._conn.execute(_OFFSETS, {"stage": self._stage, "epoch": epoch}).all()
        return {(row.topic, row.partition): int(row.offset) for row in rows}

    def save_offsets(self, epoch: str, offsets: Mapping[tuple[str, int], int]) -> None:
        """Store the last processed offset of each (topic, partition): one upsert."""
        rows = [
            {"stage": self._stage, "epoch": epoch, "topic": topic, "partition": partition, "offset": offset}
            for (topic, partition), offset in offsets.items()
        ]
        if rows:
            self._conn.execute(_upsert(self._conn, "offsets"), rows)

    def add_outputs(self, outputs: Sequence[Output]) -> list[int]:
        """Put the outputs in the outbox, in one row; its id, for `sent` once they are published."""
        if not outputs:
            return []
        batch = pickle.dumps(
            [(o.topic, o.key, o.value, o.headers) for o in outputs], protocol=pickle.HIGHEST_PROTOCOL
        )
        row = {"stage": self._stage, "topic": BATCH_TOPIC, "key": b"", "value": batch, "headers": "[]"}
        return [self._conn.execute(_ADD_OUTPUTS, row).scalar_one()]

    def pending(self, limit: int = 5000) -> list[Pending]:
        """The outputs of the oldest `limit` outbox rows, in the order they were added."""
        rows = self._conn.execute(
            sa.select(stage_outbox)
            .where(stage_outbox.c.stage == self._stage)
            .order_by(stage_outbox.c.id)
            .limit(limit)
        ).all()
        pending: list[Pending] = []
        for row in rows:
            if row.topic != BATCH_TOPIC:  # one output, as earlier versions stored them
                pending.append(
                    Pending(row.id, Output(row.topic, row.key, row.value, load_headers(row.headers)))
                )
                continue
            batch = pickle.loads(row.value)  # noqa: S301 (own outputs, see the module docstring)
            pending.extend(Pending(row.id, Output(*output)) for output in batch)
        return pending

    def sent(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            self._conn.execute(stage_outbox.delete().where(stage_outbox.c.id.in_(ids[start : start + 500])))


# built once: building a statement per batch costs more than running it on a small batch
_LOAD = (
    sa.select(stage_state.c.key, stage_state.c.state)
    .where(
        stage_state.c.stage == sa.bindparam("stage"),
        stage_state.c.key.in_(sa.bindparam("keys", expanding=True)),
    )
    .with_for_update()
)
_ADD_OUTPUTS = stage_outbox.insert().returning(stage_outbox.c.id)
_OFFSETS = sa.select(stage_offsets.c.topic, stage_offsets.c.partition, stage_offsets.c.offset).where(
    stage_offsets.c.stage == sa.bindparam("stage"), stage_offsets.c.epoch == sa.bindparam("epoch")
)


@functools.cache
def _upserts(dialect: str) -> dict[str, sa.Insert]:
    """The two upserts of a stage batch, built once per dialect: constructing an INSERT … ON
    CONFLICT costs more than executing it on a small batch."""
    state = insert_for(dialect, stage_state)
    offsets = insert_for(dialect, stage_offsets)
    return {
        "state": state.on_conflict_do_update(
            index_elements=[stage_state.c.stage, stage_state.c.key],
            set_={
                "state": state.excluded.state,
                "deadline": state.excluded.deadline,
                "updated_at": state.excluded.updated_at,
            },
        ),
        "offsets": offsets.on_conflict_do_update(
            index_elements=[
                stage_offsets.c.stage,
                stage_offsets.c.epoch,
                stage_offsets.c.topic,
                stage_offsets.c.partition,
            ],
            set_={"offset": offsets.excluded.offset},
        ),
    }


def _upsert(conn: sa.Connection, which: str) -> sa.Insert:
    return _upserts(conn.dialect.name)[which]


def dump_headers(headers: Headers) -> str:
    return json.dumps([[name, base64.b64encode(value).decode()] for name, value in headers])


def load_headers(text: str) -> Headers:
    return tuple((name, base64.b64decode(value)) for name, value in json.loads(text))
