"""`SqlBus`: the embedded mode's in-process bus, kept in the simulator's own SQLite database.

Same contract as Kafka (`declarations.bus.port`), plus one thing Kafka cannot do: `publish_in`
writes records inside the caller's database transaction. The gateway's acceptance and every
stage's effects then commit atomically with the records they publish, so the embedded mode
loses nothing when the process is killed and needs no recovery step.

For SQLite only: its single write lock hands out `bus_log.id` in commit order (see the table).
Consumers in a group share one position per topic (one consumer per group in one process).
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from declarations.bus.port import BusRecord, Headers
from declarations.errors import BusUnavailableError
from declarations.store.engine import READ_ONLY
from declarations.store.stage_store import dump_headers, load_headers
from declarations.store.tables import bus_log, bus_positions


class SqlBus:
    def __init__(self, engine: sa.Engine, partitions: int = 6) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("SqlBus is the embedded (SQLite) bus; use KafkaBus with PostgreSQL")
        self._engine = engine
        self._partitions = partitions
        self._buffer: list[dict[str, object]] = []
        self._lock = threading.Lock()
        self._published = threading.Condition()
        self.epoch = f"sql-{uuid.uuid4().hex[:12]}"

    def create_topics(self, partitions: Mapping[str, int]) -> None:
        """Topics need no creation: a record names its topic."""

    def row(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> dict[str, object]:
        partition = zlib.crc32(key) % self._partitions
        return {
            "topic": topic,
            "partition": partition,
            "key": key,
            "value": value,
            "headers": dump_headers(headers),
        }

    def publish(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> None:
        with self._lock:
            self._buffer.append(self.row(topic, key, value, headers))

    def publish_in(self, conn: sa.Connection, records: Sequence[dict[str, object]]) -> None:
        """Write `records` (from `row`) in the caller's transaction; consumers see them at its commit."""
        if records:
            conn.execute(bus_log.insert(), list(records))

    def notify(self) -> None:
        """Wake waiting consumers (call after the transaction of `publish_in` committed)."""
        with self._published:
            self._published.notify_all()

    def flush(self, timeout_s: float | None = None) -> None:
        with self._lock:
            pending, self._buffer = self._buffer, []
        if pending:
            try:
                with self._engine.begin() as conn:
                    self.publish_in(conn, pending)
            except sa.exc.SQLAlchemyError as exc:
                raise BusUnavailableError(f"the embedded bus cannot write: {exc}") from exc
        self.notify()

    def consumer(self, group: str, topics: Sequence[str]) -> SqlConsumer:
        return SqlConsumer(self, group, tuple(topics))

    def lag(self, groups: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
        """Records past each group's position, counted on the (topic, id) index."""
        try:
            with self._engine.connect() as conn:
                positions = {
                    (row.group_id, row.topic): int(row.position)
                    for row in conn.execute(
                        sa.select(bus_positions).where(bus_positions.c.group_id.in_(sorted(groups)))
                    )
                }
                return {
                    (group, topic): int(
                        conn.execute(
                            sa.select(sa.func.count())
                            .select_from(bus_log)
                            .where(bus_log.c.topic == topic, bus_log.c.id > positions.get((group, topic), 0))
                        ).scalar_one()
                    )
                    for group, topics in groups.items()
                    for topic in topics
                }
        except sa.exc.SQLAlchemyError as exc:
            raise BusUnavailableError(f"cannot read the bus positions: {type(exc).__name__}") from exc

    def close(self) -> None:
        self.notify()

    def wait(self, timeout_s: float) -> None:
        with self._published:
            self._published.wait(timeout_s)


class SqlConsumer:
    def __init__(self, bus: SqlBus, group: str, topics: tuple[str, ...]) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        self._positions = self._committed()
        self._since: dict[str, int] = {}  # position before the first uncommitted record, per topic

    def _committed(self) -> dict[str, int]:
        with self._bus._engine.connect() as conn:
            rows = conn.execute(
                sa.select(bus_positions.c.topic, bus_positions.c.position).where(
                    bus_positions.c.group_id == self._group
                )
            ).all()
        found = {row.topic: int(row.position) for row in rows}
        return {topic: found.get(topic, 0) for topic in self._topics}

    def poll(self, max_records: int = 500, timeout_s: float = 0.1) -> list[BusRecord]:
        records = self._read(max_records)
        if not records and timeout_s > 0:
            self._bus.wait(timeout_s)
            records = self._read(max_records)
        for record in records:
            self._since.setdefault(record.topic, self._positions[record.topic])
            self._positions[record.topic] = max(self._positions[record.topic], record.offset)
        return records

    def rewind(self) -> None:
        self._positions.update(self._since)
        self._since.clear()

    def _read(self, max_records: int) -> list[BusRecord]:
        condition = sa.or_(
            *(sa.and_(bus_log.c.topic == t, bus_log.c.id > p) for t, p in self._positions.items())
        )
        query = sa.select(bus_log).where(condition).order_by(bus_log.c.id).limit(max_records)
        try:
            with self._bus._engine.connect().execution_options(**READ_ONLY) as conn:
                rows = conn.execute(query).all()
        except sa.exc.SQLAlchemyError as exc:
            raise BusUnavailableError(f"the embedded bus cannot be read: {type(exc).__name__}") from exc
        return [BusRecord(r.topic, r.partition, r.id, r.key, r.value, load_headers(r.headers)) for r in rows]

    def commit(self) -> None:
        try:
            with self._bus._engine.begin() as conn:
                for topic, position in self._positions.items():
                    updated = conn.execute(
                        bus_positions.update()
                        .where(bus_positions.c.group_id == self._group, bus_positions.c.topic == topic)
                        .values(position=position)
                    )
                    if updated.rowcount == 0:
                        conn.execute(
                            bus_positions.insert().values(
                                group_id=self._group, topic=topic, position=position
                            )
                        )
        except sa.exc.SQLAlchemyError as exc:
            raise BusUnavailableError(f"the embedded bus cannot commit: {type(exc).__name__}") from exc
        self._since.clear()

    def close(self) -> None:
        """Positions not committed are forgotten, as in Kafka."""
