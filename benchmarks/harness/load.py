"""Generated traffic, in-process replays and the raw ceilings (lxml validate, kafka-python) of a run.

- `traffic(parcels, seed, sign=...)`: import traffic from `cebsim generate` (JSONL), cached, loaded.
- `replay(traffic, target, options)`: the replay engine (open-loop, `RawHttpClient`) in this process,
  returning the same report as `cebsim replay --report`.
- `bare_validate_rate(bodies)`: `schemas.loader.validate` (lxml parse + XSD validate) per second on
  one core, over the same message bodies the server is sent.
- `raw_kafka_rate(kafka)`: kafka-python produce (acks=all) then consume of 3 KB messages.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.traffic.config import GenerateConfig, OutputFormat
from benchmarks.traffic.engine import Replay, ReplayOptions
from benchmarks.traffic.generator import generate
from benchmarks.traffic.ports import MonotonicClock
from benchmarks.traffic.raw_http import RawHttpClient
from benchmarks.traffic.report import build_report
from benchmarks.traffic.source import Traffic, load


def all_cores() -> None:
    """Undo an earlier benchmark's pinning, so that the subprocesses get both cores."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


# how the pure cores are timed: per CPU second, not per wall second
ONE_CORE_MEASURE = (
    "CPU time (time.process_time) of one process pinned to one core; the wall-clock rounds are kept "
    "beside it: on a shared machine the wall clock also counts the time the process waited for its core"
)


BEST_ROUND = (
    "the fastest round: on this shared machine the same code ran at 115k-228k matching documents per "
    "CPU second from one minute to the next (2026-11-28), so a slow round measures the machine; as "
    "Python's timeit documentation puts it, the fastest run is the lower bound of the code's time and "
    "slower ones come from other processes interfering. The median is saved beside it"
)


def one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


CACHE = Path(__file__).resolve().parents[2] / "var" / "bench-cache"


def traffic(parcels: int, seed: int, *, sign: bool, docs_per_message: int = 1) -> tuple[Traffic, Path]:
    """Generated import traffic (JSONL), cached under var/bench-cache: signing is ~100 parcels/s."""
    grouped = f"-{docs_per_message}per" if docs_per_message > 1 else ""
    out = CACHE / f"{'signed' if sign else 'unsigned'}-{parcels}-{seed}{grouped}"
    if not (out / "done").is_file():
        config = GenerateConfig(
            parcels, seed, output=OutputFormat.JSONL, sign=sign, docs_per_message=docs_per_message
        )
        generate(config, out)
        (out / "done").write_text("ok\n")
    return load(out), out


def replay(loaded: Traffic, target: str, options: ReplayOptions) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        client = RawHttpClient(target, options.concurrency)
        try:
            receipts = client if options.follow_receipts else None
            results = await Replay(loaded, client, receipts, MonotonicClock(), options).run()
        finally:
            await client.close()
        return build_report(results, options, target)

    return asyncio.run(run())


def bare_validate_rate(bodies: list[bytes], seconds: float = 3.0) -> dict[str, Any]:
    """lxml parse + validate (`schemas.loader.validate`) of the same bodies on one core, best of 3."""
    from schemas.loader import validate  # noqa: PLC0415

    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    one_core()
    try:
        for body in bodies[:200]:  # warm the schema pools
            validate(body)
        rounds = []
        for _ in range(3):
            done, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds / 3:
                for body in bodies[:500]:
                    validate(body)
                done += min(len(bodies), 500)
            rounds.append(done / (time.perf_counter() - started))
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)
    sizes = [len(b) for b in bodies[:500]]
    return {"per_s": max(rounds), "rounds": [round(r) for r in rounds],
            "mean_bytes": round(sum(sizes) / len(sizes))}  # fmt: skip


def raw_kafka_rate(kafka: str, count: int, size: int = 3 * 1024) -> dict[str, Any]:
    """kafka-python: produce `count` messages of `size` bytes (acks=all, idempotent, like the bus),
    then consume them all from a fresh group; produce+consume rate = count / (both times)."""
    from kafka import KafkaConsumer, KafkaProducer  # noqa: PLC0415
    from kafka.admin import KafkaAdminClient, NewTopic  # noqa: PLC0415

    try:
        import crc32c  # noqa: F401, PLC0415

        has_crc32c = True
    except ImportError:
        has_crc32c = False
    topic = f"cebsim.bench.raw-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    try:
        admin.create_topics([NewTopic(topic, 6, 1)])
    finally:
        admin.close()
    value = os.urandom(size // 2).hex().encode()[:size]
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True, linger_ms=2,
                             batch_size=256 * 1024)  # fmt: skip
    try:
        started = time.perf_counter()
        for index in range(count):
            producer.send(topic, key=str(index).encode(), value=value)
        producer.flush(timeout=120)
        produce_s = time.perf_counter() - started
    finally:
        producer.close(timeout=10)
    consumer = KafkaConsumer(topic, bootstrap_servers=kafka, group_id=f"bench-{uuid.uuid4().hex[:8]}",
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             max_poll_records=1000)  # fmt: skip
    try:
        seen, started = 0, time.perf_counter()
        deadline = started + 120
        while seen < count and time.perf_counter() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                seen += len(records)
        consume_s = time.perf_counter() - started
    finally:
        consumer.close()
    assert seen >= count, f"consumed {seen} of {count}"
    return {
        "messages": count,
        "message_bytes": size,
        "crc32c": has_crc32c,
        "produce_per_s": round(count / produce_s),
        "consume_per_s": round(count / consume_s),
        "produce_consume_per_s": round(count / (produce_s + consume_s)),
    }
