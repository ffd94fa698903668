"""The bus contract (declarations.bus.port), one suite for every adapter.

Subclass `BusContract` and provide the `bus` and `topic` fixtures; the tests come with it.
"""

from __future__ import annotations

import time
import uuid

from declarations.bus.port import Bus, BusConsumer, BusRecord


def poll_until(consumer: BusConsumer, count: int, timeout_s: float = 20.0) -> list[BusRecord]:
    records: list[BusRecord] = []
    deadline = time.monotonic() + timeout_s
    while len(records) < count and time.monotonic() < deadline:
        records.extend(consumer.poll(max_records=count - len(records), timeout_s=0.2))
    return records


def group() -> str:
    return f"group-{uuid.uuid4().hex[:8]}"


class BusContract:
    def test_flushed_records_come_back_with_key_value_and_headers(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 3})
        bus.publish(topic, b"ORDER-1", b"<order/>", headers=(("type", b"CEB311"),))
        bus.flush()
        consumer = bus.consumer(group(), [topic])
        try:
            [record] = poll_until(consumer, 1)
        finally:
            consumer.close()
        assert (record.key, record.value, record.header("type")) == (b"ORDER-1", b"<order/>", b"CEB311")

    def test_records_with_one_key_stay_in_one_partition_in_order(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 4})
        for number in range(20):
            bus.publish(topic, f"K{number % 3}".encode(), str(number).encode())
        bus.flush()
        consumer = bus.consumer(group(), [topic])
        try:
            records = poll_until(consumer, 20)
        finally:
            consumer.close()
        assert len(records) == 20
        for key in (b"K0", b"K1", b"K2"):
            same_key = [r for r in records if r.key == key]
            assert len({r.partition for r in same_key}) == 1
            values = [int(r.value) for r in same_key]
            assert values == sorted(values)

    def test_records_polled_but_not_committed_are_delivered_again(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 1})
        for number in range(4):
            bus.publish(topic, b"K", str(number).encode())
        bus.flush()
        name = group()
        first = bus.consumer(name, [topic])
        try:
            assert [r.value for r in poll_until(first, 2)][:2] == [b"0", b"1"]
            first.commit()
            poll_until(first, 2)  # read 2 and 3 without committing
        finally:
            first.close()
        second = bus.consumer(name, [topic])
        try:
            again = poll_until(second, 2)
        finally:
            second.close()
        assert [r.value for r in again] == [b"2", b"3"]

    def test_rewind_delivers_what_was_polled_since_the_last_commit_again(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 2})
        for number in range(6):
            bus.publish(topic, f"K{number % 2}".encode(), str(number).encode())
        bus.flush()
        consumer = bus.consumer(group(), [topic])
        try:
            committed = poll_until(consumer, 2)
            consumer.commit()
            failed = poll_until(consumer, 4)  # a batch whose processing fails
            consumer.rewind()
            again = poll_until(consumer, 4)
            consumer.commit()
            consumer.rewind()  # nothing polled since the commit: nothing comes again
            after = consumer.poll(max_records=10, timeout_s=0.5)
        finally:
            consumer.close()
        values = sorted(r.value for r in failed)
        assert sorted(r.value for r in again) == values
        assert sorted(r.value for r in committed + failed) == [str(n).encode() for n in range(6)]
        assert after == []

    def test_each_group_reads_every_record(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 2})
        for number in range(5):
            bus.publish(topic, str(number).encode(), b"v")
        bus.flush()
        for _ in range(2):
            consumer = bus.consumer(group(), [topic])
            try:
                assert len(poll_until(consumer, 5)) == 5
            finally:
                consumer.close()

    def test_creating_topics_twice_is_harmless(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 2})
        bus.create_topics({topic: 2})
        bus.publish(topic, b"k", b"v")
        bus.flush()

    def test_lag_counts_the_records_a_group_has_not_committed_yet(self, bus: Bus, topic: str) -> None:
        bus.create_topics({topic: 2})
        for number in range(5):
            bus.publish(topic, f"K{number}".encode(), b"v")
        bus.flush()
        reader, idle = group(), group()
        consumer = bus.consumer(reader, [topic])
        try:
            assert len(poll_until(consumer, 5)) == 5
            assert bus.lag({reader: [topic]}) == {(reader, topic): 5}  # polled, not committed
            consumer.commit()
            assert bus.lag({reader: [topic]}) == {(reader, topic): 0}
            for number in range(3):
                bus.publish(topic, f"L{number}".encode(), b"v")
            bus.flush()
            assert bus.lag({reader: [topic], idle: [topic]}) == {(reader, topic): 3, (idle, topic): 8}
        finally:
            consumer.close()
