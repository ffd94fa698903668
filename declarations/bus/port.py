"""The bus port: what a stage shell needs from Kafka, and nothing more.

The delivery contract, the same for every adapter:
- `publish` queues a record; `flush` returns only when every queued record is durable (Kafka:
  acknowledged by all in-sync replicas) or raises `BusUnavailableError`.
- Records with the same key land in the same partition, and a partition is read in order.
- A consumer group reads each record at least once: `commit` stores the position after the last
  record `poll` returned, and a consumer that joins the group later resumes from there, so records
  polled but not committed are delivered again; `rewind` delivers them again to the same consumer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class BusRecord:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: Headers = ()

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class BusConsumer(Protocol):
    def poll(self, max_records: int = 500, timeout_s: float = 0.1) -> list[BusRecord]:
        """The next records of the assigned partitions, waiting up to `timeout_s` for the first."""
        ...

    def commit(self) -> None:
        """Store the group's position after every record returned by `poll` so far."""
        ...

    def rewind(self) -> None:
        """Go back to the position of the last `commit`: the records polled since then come again.

        For a batch whose processing failed: without it, the next `poll` would go on after the
        batch, and its records would only come back once the consumer rejoined the group.
        """
        ...

    def close(self) -> None: ...


class Bus(Protocol):
    epoch: str
    """Names this log: offsets are only comparable within one epoch (a memory bus starts anew at 0)."""

    def create_topics(self, partitions: Mapping[str, int]) -> None:
        """Create the topics that do not exist yet, with these partition counts."""
        ...

    def publish(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> None:
        """Queue one record for sending; durable only after `flush`."""
        ...

    def flush(self, timeout_s: float | None = None) -> None:
        """Block until every queued record is durable (for at most `timeout_s`, else the bus's own
        limit), or raise `BusUnavailableError`."""
        ...

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        """A consumer in `group` reading `topics` from the group's committed positions."""
        ...

    def lag(self, groups: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
        """(group, topic) -> records on the topic past the group's committed position (the whole
        topic for a group that never committed); `BusUnavailableError` if the bus cannot say."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class TransactionalBus(Protocol):
    """A bus that can write records inside the caller's database transaction (the embedded SqlBus)."""

    def row(self, topic: str, key: bytes, value: bytes, headers: Headers = ()) -> dict[str, object]: ...

    def publish_in(self, conn: Any, records: Sequence[dict[str, object]]) -> None: ...

    def notify(self) -> None: ...
