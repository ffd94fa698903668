"""The clearance pipeline on Kafka, from acceptance to final receipt, without the HTTP intake.

The same signed generated import parcels as `test_e2e_speed` (4 messages each: CEB311, CEB411,
CEB511, CEB621), their parties registered in a fresh PostgreSQL database. First, with no worker
running, every message is checked and accepted in this process by the gateway's own code
(`benchmarks.harness.acceptance`: `build_runtime` of `cebsim serve --bus kafka`, its IntakeService
checks, then its Acceptor storing and publishing to Kafka): acceptance messages/s. Then the
stages start on the backlog, one `cebsim worker STAGE` process each (matching, review, recorder:
the distributed mode's deployment; one `cebsim worker all` shares one GIL between them and did
810 msg/s against 1,352 as three processes, 2026-11-28 19:05), and the database's receipts are
followed until every parcel has its terminal list receipt (`benchmarks.harness.clearance_watch`,
the replay's Tracker). pipeline messages/s = messages ÷ (workers' start → last terminal receipt).
Beside it, in the same run: kafka-python producing (acks=all) then consuming 3 KB messages.
`pipeline.kafka_ratio` = pipeline messages/s ÷ raw produce+consume messages/s.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.harness.acceptance import accept_all
from benchmarks.harness.clearance_watch import ClearanceWatch
from benchmarks.harness.load import all_cores, raw_kafka_rate, traffic
from benchmarks.harness.processes import QUICK, Services, prepare_database, simulator_env, stage_workers
from benchmarks.results_store import record, save
from benchmarks.traffic.tracker import Tracker

PARCELS = 500 if QUICK else 10_000
RAW_MESSAGES = 20_000 if QUICK else 100_000
IDLE_S = 60 if QUICK else 180  # give up when no parcel became terminal for this long
EXAMPLES = 20

SETUP = (
    "fresh PostgreSQL database, parties registered; signed import traffic, 4 messages per parcel, "
    "checked and accepted in-process by the gateway's IntakeService and Acceptor on Kafka "
    "(build_runtime of cebsim serve --bus kafka, CEBSIM_PIPELINE=false) with no worker running, "
    "every message handed to the acceptor at once; then one cebsim worker process per stage "
    "(matching, review, recorder) on the backlog, timed from their start to the last parcel's "
    "terminal list receipt, read from the database"
)


def test_pipeline_kafka(services: Services, tmp_path: Path, benchmark: Any) -> None:
    loaded, out = traffic(PARCELS, 41, sign=True)
    all_cores()
    raw = raw_kafka_rate(services.kafka, RAW_MESSAGES)
    services.skip_backlog()  # before acceptance: the worker must start at our messages
    db = services.fresh_database()
    prepare_database(db, out / "parties.json", simulator_env(db, pipeline=False))
    acceptance = accept_all(loaded, kafka=services.kafka, db=db)
    assert acceptance["accepted"] == acceptance["documents"] == len(loaded.messages), acceptance["refused"]
    watch = ClearanceWatch(loaded, db)

    def clear() -> tuple[float, Tracker]:
        started = time.perf_counter()
        with stage_workers(tmp_path, kafka=services.kafka, db=db):
            return started, watch.follow(started, IDLE_S)

    started, tracker = benchmark.pedantic(clear, rounds=1, iterations=1)
    figures = _figures(tracker, started, watch, len(loaded.messages))
    per_s = figures["messages_per_s"]
    ratio = round(per_s / raw["produce_consume_per_s"], 4)
    record("pipeline.kafka_ratio", ratio, "ratio")
    record("pipeline.messages_per_s", round(per_s, 1), "messages/s")
    save("pipeline.json", {"ratio": ratio, "pipeline": figures, "acceptance": acceptance,
                           "raw_kafka_python": raw, "bench": "quick" if QUICK else "full",
                           "setup": SETUP})  # fmt: skip
    print(
        f"\npipeline kafka: acceptance {acceptance['accept_messages_per_s']:,.0f} msg/s (checks "
        f"{acceptance['checks_messages_per_s']:,.0f} msg/s); pipeline {per_s:,.0f} msg/s "
        f"({figures['parcels_per_s']} parcels/s, first receipt at {figures['first_receipt_s']} s), raw "
        f"produce+consume {raw['produce_consume_per_s']:,}/s, ratio {ratio}; terminal "
        f"{figures['terminal']}/{figures['parcels']}, unexpected {figures['unexpected_outcomes']['count']}"
    )
    assert figures["terminal"] == figures["parcels"], "not every parcel reached a terminal receipt"
    assert not figures["unexpected_outcomes"]["count"], figures["unexpected_outcomes"]["examples"]


def _figures(tracker: Tracker, started: float, watch: ClearanceWatch, messages: int) -> dict[str, Any]:
    last = max(tracker.terminal_times, default=started)
    seconds = max(last - started, 1e-9)
    first = watch.first_receipt_at or started
    unexpected = tracker.unexpected()
    per_second = Counter(int(moment - started) for moment in tracker.terminal_times)
    return {
        "messages": messages,
        "parcels": tracker.sent,
        "terminal": tracker.terminal,
        "outstanding": tracker.outstanding,
        "unexpected_outcomes": {"count": len(unexpected), "examples": unexpected[:EXAMPLES]},
        "outcomes": tracker.outcome_counts(),
        "funnel": dict(sorted(tracker.funnel.items())),
        "seconds": round(seconds, 3),
        "messages_per_s": round(messages / seconds, 1),
        "parcels_per_s": round(tracker.terminal / seconds, 1),
        # the worker's start-up (imports, broker, consumer groups) and first batch
        "first_receipt_s": round(first - started, 3),
        "after_first_receipt_messages_per_s": round(messages / max(last - first, 1e-9), 1),
        "receipts_stored": watch.receipts_seen,
        "clearance_latency_ms_since_start": tracker.clearance.summary_ms(),
        "terminal_per_second": [{"t": t, "terminal": n} for t, n in sorted(per_second.items())],
    }
