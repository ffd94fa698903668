"""KafkaBus with a fake client: each thread's sends kept apart, and the fetches gather_ms shapes.

The stages of `cebsim worker all` share one bus. If one thread's flush collected every pending
send, it would report another stage's refused record as its own failure, and that other stage
would flush nothing, believe its records acknowledged and drop their outbox rows. The producer is
replaced by a fake here because a broker refusal also poisons kafka-python's idempotent producer
for every later send, which hides what this test is about; the contract suite covers the broker.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest
from kafka.errors import KafkaError

from declarations.bus import kafka as kafka_bus
from declarations.errors import BusUnavailableError


class _Future:
    def __init__(self, refused: bool) -> None:
        self._refused = refused

    def get(self, timeout: float) -> None:
        if self._refused:
            raise KafkaError("refused by the broker")


class _Producer:
    def __init__(self, **_: Any) -> None:
        pass

    def send(self, topic: str, *, key: bytes, value: bytes, headers: list[Any]) -> _Future:
        return _Future(refused=value == b"refused")

    def flush(self, timeout: float) -> None:
        pass

    def close(self, timeout: float = 0) -> None:
        pass


def test_sends_and_flushes_wait_for_the_broker_at_most_the_bus_s_ack_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CEBSIM_KAFKA_ACK_TIMEOUT_S bounds both waits: for metadata or buffer space in a send, and
    for the acknowledgements in a flush (the gateway's 503, a stage's retry, come after it)."""
    waits: list[tuple[str, float]] = []

    class _Recording(_Producer):
        def __init__(self, **config: Any) -> None:
            waits.append(("send blocks at most (ms)", config["max_block_ms"]))

        def flush(self, timeout: float) -> None:
            waits.append(("flush waits at most (s)", timeout))

    monkeypatch.setattr(kafka_bus, "KafkaProducer", _Recording)
    bus = kafka_bus.KafkaBus("broker:9092", ack_timeout_s=2.5)
    bus.publish("cebsim.out", b"k", b"fine")
    bus.flush()
    bus.close()
    assert waits == [("send blocks at most (ms)", 2500), ("flush waits at most (s)", 2.5)]


def test_a_flush_answers_for_its_own_thread_s_sends_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_bus, "KafkaProducer", _Producer)
    bus = kafka_bus.KafkaBus("broker:9092")
    outcomes: dict[str, str] = {}
    sent, flushed = threading.Event(), threading.Event()

    def other_stage() -> None:
        bus.publish("cebsim.out", b"k", b"refused")
        sent.set()
        flushed.wait(timeout=10)
        try:
            bus.flush()
            outcomes["other"] = "acknowledged"
        except BusUnavailableError:
            outcomes["other"] = "refused"

    thread = threading.Thread(target=other_stage)
    thread.start()
    assert sent.wait(timeout=10)
    bus.publish("cebsim.out", b"k", b"fine")
    try:
        bus.flush()
        outcomes["this"] = "acknowledged"
    except BusUnavailableError:
        outcomes["this"] = "refused"
    finally:
        flushed.set()
        thread.join(timeout=10)
        bus.close()
    assert outcomes == {"this": "acknowledged", "other": "refused"}


class _Fetcher:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = {key: config[key] for key in ("fetch_min_bytes", "fetch_max_wait_ms")}


class _Consumer:
    made: ClassVar[list[_Consumer]] = []

    def __init__(self, **config: Any) -> None:
        self._fetcher = _Fetcher(config)
        self.polls: list[dict[str, list[object]]] = []  # what each poll() returns, in order
        _Consumer.made.append(self)

    def topics(self) -> set[str]:
        return {"cebsim.in"}

    def subscribe(self, topics: list[str]) -> None:
        pass

    def poll(self, timeout_ms: int, max_records: int) -> dict[str, list[object]]:
        return self.polls.pop(0)

    def fetch(self) -> tuple[int, int]:
        config = self._fetcher.config
        return config["fetch_min_bytes"], config["fetch_max_wait_ms"]


class _Message:
    topic, partition, offset, key, value, headers = "cebsim.in", 0, 7, b"K", b"V", None


IDLE = (1, kafka_bus.IDLE_WAIT_MS)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("gather_ms", "while_records_come"),
    [(20, (kafka_bus.GATHER_BYTES, 20)), (0, IDLE)],  # 0 must not become a spinning zero wait
)
def test_fetches_gather_while_records_come_and_long_poll_once_idle(
    monkeypatch: pytest.MonkeyPatch, gather_ms: int, while_records_come: tuple[int, int]
) -> None:
    monkeypatch.setattr(kafka_bus, "KafkaProducer", _Producer)
    monkeypatch.setattr(kafka_bus, "KafkaConsumer", _Consumer)
    _Consumer.made.clear()
    kafka_bus.KafkaBus("broker:9092", gather_ms=gather_ms).consumer("cebsim-test", ["cebsim.in"])
    (fake,) = _Consumer.made
    assert fake.fetch() == IDLE  # the consumer starts idle
    clock = _Clock()
    consumer = kafka_bus.KafkaBusConsumer(fake, gather_ms=gather_ms, idle_after_s=1.0, clock=clock)
    records: dict[str, list[object]] = {"tp": [_Message()]}
    script: list[tuple[float, dict[str, list[object]]]] = [  # (seconds since the last poll, what it returns)
        (0.0, {}), (0.2, records), (0.2, records), (0.5, {}), (0.4, {"tp": []}), (0.2, {}), (0.2, {}),
    ]  # fmt: skip
    fake.polls = [returned for _, returned in script]
    seen = []
    for elapsed, _ in script:
        clock.now += elapsed
        consumer.poll()
        seen.append(fake.fetch())
    gathers = while_records_come
    # records at 100.2 and 100.4; still gathering through 101.3 (0.9 s later); idle from 101.5 (1.1 s)
    assert seen == [IDLE, gathers, gathers, gathers, gathers, IDLE, IDLE]
