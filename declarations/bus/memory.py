"""`MemoryBus`: the in-process bus of the embedded mode and of fast unit tests.

Same contract as Kafka (see `declarations.bus.port`): partitions chosen by key, order per
partition, group positions that only move on `commit`. Thread-safe: the gateway publishes from
request threads while stage loops poll. Not durable by itself; embedded durability comes from the
database commit that precedes publishing.
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Mapping, Sequence

from declarations.bus.port import BusRecord, Headers
from declarations.errors import BusUnavailableError

Position = tuple[str, int]  # (topic, partition)


def partition_for(key: bytes, partitions: int) -> int:
    return zlib.crc32(key) % partitions


class MemoryBus:
    def __init__(self, default_partitions: int = 1) -> None:
        self._default_partitions = default_partitions
        self.epoch = f"memory-{uuid.uuid4().hex[:12]}"
        self._logs: dict[str, list[list[BusRecord]]] = {}
        self._committed: dict[str, dict[Position, int]] = {}
        self._changed = threading.Condition()
        self._closed = False

    def create_topics(self, partitions: Mapping[str, int]) -> None:
        with self._changed:
            for topic, count in partitions.items():
                self._logs.setdefault(topic, [[] for _ in range(count)])

    def publish(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> None:
        with self._changed:
            if self._closed:
                raise BusUnavailableError("the in-process bus is closed")
            log = self._logs.setdefault(topic, [[] for _ in range(self._default_partitions)])
            partition = partition_for(key, len(log))
            offset = len(log[partition])
            log[partition].append(BusRecord(topic, partition, offset, key, value, headers))
            self._changed.notify_all()

    def flush(self, timeout_s: float | None = None) -> None:
        """Records are in the log as soon as they are published."""

    def consumer(self, group: str, topics: Sequence[str]) -> MemoryConsumer:
        return MemoryConsumer(self, group, tuple(topics))

    def lag(self, groups: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
        with self._changed:
            return {
                (group, topic): sum(
                    len(log) - self._committed.get(group, {}).get((topic, partition), 0)
                    for partition, log in enumerate(self._logs.get(topic, ()))
                )
                for group, topics in groups.items()
                for topic in topics
            }

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    # --- used by MemoryConsumer, under the lock ---

    def _positions(self, group: str, topics: tuple[str, ...]) -> dict[Position, int]:
        committed = self._committed.setdefault(group, {})
        return {
            (topic, partition): committed.get((topic, partition), 0)
            for topic in topics
            for partition in range(len(self._logs.get(topic, ())))
        }

    def _read(self, positions: dict[Position, int], max_records: int) -> list[BusRecord]:
        batch: list[BusRecord] = []
        for (topic, partition), offset in positions.items():
            records = self._logs[topic][partition][offset : offset + max_records - len(batch)]
            batch.extend(records)
            if len(batch) >= max_records:
                break
        return batch


class MemoryConsumer:
    def __init__(self, bus: MemoryBus, group: str, topics: tuple[str, ...]) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        with bus._changed:
            self._positions = bus._positions(group, topics)
        self._since: dict[tuple[str, int], int] = {}  # position before the first uncommitted record

    def poll(self, max_records: int = 500, timeout_s: float = 0.1) -> list[BusRecord]:
        with self._bus._changed:
            self._refresh_partitions()
            batch = self._bus._read(self._positions, max_records)
            if not batch and timeout_s > 0 and not self._bus._closed:
                self._bus._changed.wait(timeout_s)
                self._refresh_partitions()
                batch = self._bus._read(self._positions, max_records)
        for record in batch:
            self._since.setdefault((record.topic, record.partition), record.offset)
            self._positions[(record.topic, record.partition)] = record.offset + 1
        return batch

    def commit(self) -> None:
        with self._bus._changed:
            self._bus._committed.setdefault(self._group, {}).update(self._positions)
        self._since.clear()

    def rewind(self) -> None:
        self._positions.update(self._since)
        self._since.clear()

    def close(self) -> None:
        """Nothing to release: positions not committed are simply forgotten."""

    def _refresh_partitions(self) -> None:
        """Topics created after this consumer joined are read from the group's committed position."""
        for position, offset in self._bus._positions(self._group, self._topics).items():
            self._positions.setdefault(position, offset)
