"""End to end on Kafka (issue 4): acceptance to final receipt, beside the raw kafka-python rate.

`cebsim serve --bus kafka --workers 2` (intake only) + one `cebsim worker all` + PostgreSQL (fresh database),
signed generated import parcels (4 messages each: CEB311, CEB411, CEB511, CEB621) replayed at a
high rate with receipts followed. e2e messages/s = messages ÷ (first send → last terminal receipt).
Beside it, in the same run: kafka-python producing (acks=all) then consuming 3 KB messages.
`e2e.kafka_ratio` = e2e messages/s ÷ raw produce+consume messages/s (target ≥ 0.3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness.load import all_cores, raw_kafka_rate, replay, traffic
from benchmarks.harness.processes import QUICK, Services, simulator
from benchmarks.results_store import record, save
from benchmarks.traffic.engine import ReplayOptions

PARCELS = 500 if QUICK else 10_000
RAW_MESSAGES = 20_000 if QUICK else 100_000
GATEWAY_PROCESSES = 2  # `cebsim serve --workers 2`, as for intake.kafka_ratio


def test_e2e_kafka(services: Services, tmp_path: Path, benchmark: Any) -> None:
    loaded, out = traffic(PARCELS, 41, sign=True)
    all_cores()
    raw = raw_kafka_rate(services.kafka, RAW_MESSAGES)
    services.skip_backlog()
    options = ReplayOptions(rate=4_000, concurrency=64, follow_receipts=True, drain_s=60 if QUICK else 180)
    with simulator(tmp_path, db=services.fresh_database(), kafka=services.kafka, pipeline=False, workers=1,
                   parties=out / "parties.json", gateway_processes=GATEWAY_PROCESSES) as sim:  # fmt: skip
        report = benchmark.pedantic(replay, args=(loaded, sim.target, options), rounds=1, iterations=1)
    clearance_s = report["parcels"] / max(report["clearance_parcels_per_s"], 1e-9)
    e2e_per_s = report["messages"] / clearance_s
    ratio = round(e2e_per_s / raw["produce_consume_per_s"], 4)
    keys = ("parcels", "messages", "accepted", "rejected_by_code", "terminal", "outstanding",
            "unexpected_outcomes", "funnel", "throughput_messages_per_s", "clearance_parcels_per_s",
            "acceptance_latency_ms", "clearance_latency_ms", "sending_s", "total_s")  # fmt: skip
    figures: dict[str, Any] = {key: report[key] for key in keys}
    record("e2e.kafka_ratio", ratio, "ratio")
    save("e2e.json", {
        "ratio": ratio, "target_ratio": 0.3, "e2e_messages_per_s": round(e2e_per_s, 1),
        "e2e_parcels_per_s": report["clearance_parcels_per_s"], "raw_kafka_python": raw, "replay": figures,
        "timeline": report["timeline"], "bench": "quick" if QUICK else "full",
        "setup": f"cebsim serve --bus kafka --workers {GATEWAY_PROCESSES} (CEBSIM_PIPELINE=false) + "
                 "1 x cebsim worker all + PostgreSQL "
                 "(fresh database); signed import traffic, 4 messages per parcel, sent at up to 4,000/s",
    })  # fmt: skip
    print(
        f"\ne2e kafka: {e2e_per_s:,.0f} msg/s ({report['clearance_parcels_per_s']} parcels/s), raw "
        f"produce+consume {raw['produce_consume_per_s']:,}/s, ratio {ratio}; terminal "
        f"{report['terminal']}/{report['parcels']}, unexpected {report['unexpected_outcomes']['count']}"
    )
    assert report["terminal"] == report["parcels"], "not every parcel reached a terminal receipt"
