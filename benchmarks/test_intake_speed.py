"""Intake over HTTP (issue 3): validate, authorise and durably accept, as a ratio to bare lxml.

- `intake.embedded_ratio`: `cebsim serve` embedded (SQLite, in-process bus), intake only
  (CEBSIM_PIPELINE=false), messages accepted per second ÷ `schemas.loader.validate` per second of
  the same bodies on one core, measured in the same run.
- `intake.kafka_ratio`: the same on Kafka (acks=all) + PostgreSQL (fresh database), intake only,
  with `cebsim serve --workers 2` (distributed mode's configuration for two cores); the one-process
  figure is kept beside it in intake.json (`kafka_one_process`).
- `intake.p99_ms_at_1000rps`: open-loop at 1,000 requests/s against the embedded server (pipeline
  on, as `cebsim serve` runs by default), p99 acceptance latency from each request's intended time.

Traffic: `cebsim generate --no-sign` import parcels without their CEB621 list (an unsigned CEB621
fails the XSD, which requires ds:Signature): CEB311, CEB411 and CEB511, about 1.8 KB each.
The throughput runs send as fast as the server answers (64 in flight): closed-loop in effect.

Beside the headline, intake.json keeps what a sender can change, embedded: the same parcels with
100 documents per message (the spec's maximum), documents per second, and the same messages sent
again (every document a retry, answered with its first receipt). And the ceilings: the same
messages and client against one uvicorn process serving an app that does (almost) nothing
(`benchmarks.harness.ceiling_app`: bare ASGI, a FastAPI route, that route plus validation), whose
ratios bound what any gateway on this server stack could reach on this machine.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.harness.ceiling_app import KINDS as CEILING_KINDS
from benchmarks.harness.load import all_cores, bare_validate_rate, replay, traffic
from benchmarks.harness.processes import QUICK, Services, ceiling, simulator
from benchmarks.results_store import record, save
from benchmarks.traffic.engine import ReplayOptions
from benchmarks.traffic.source import Traffic
from declarations.codec import parse_message

PARCELS = 500 if QUICK else 3_000  # x3 messages
P99_SECONDS = 10 if QUICK else 30
P99_RATE = 1_000
FAST = ReplayOptions(rate=100_000, concurrency=64, follow_receipts=False)
GROUPED = 100  # documents per message, the spec's maximum
GROUPED_OPTIONS = ReplayOptions(rate=100_000, concurrency=16, follow_receipts=False)
CEILING_APPS = {
    "asgi": "a bare ASGI callable: reads the body, answers 202 with a constant receipt",
    "fastapi": "the same as a FastAPI route (the gateway's framework)",
    "validate": "that route, also running schemas.loader.validate on the body",
}
KAFKA_PROCESSES = 2  # `cebsim serve --workers 2`: the best count on this 2-core machine (README)


def _unsigned(parcels: int, seed: int, docs_per_message: int = 1) -> tuple[Traffic, Path]:
    loaded, out = traffic(parcels, seed, sign=False, docs_per_message=docs_per_message)
    loaded.messages = [m for m in loaded.messages if m.message_type != "CEB621"]
    return loaded, out


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("messages", "accepted", "rejected_by_code", "throughput_messages_per_s", "sending_s",
            "acceptance_latency_ms", "response_latency_ms", "options")  # fmt: skip
    return {key: report[key] for key in keys}


def test_intake_throughput(services: Services, tmp_path: Path) -> None:
    loaded, out = _unsigned(PARCELS, 31)
    bare = bare_validate_rate([m.body for m in loaded.messages])
    all_cores()
    runs: dict[str, dict[str, Any]] = {}
    with simulator(tmp_path, db=f"sqlite:///{tmp_path / 'intake.db'}", pipeline=False,
                   parties=out / "parties.json") as sim:  # fmt: skip
        runs["embedded"] = _figures(replay(loaded, sim.target, FAST))
    for name, processes in (("kafka", KAFKA_PROCESSES), ("kafka_one_process", 1)):
        with simulator(tmp_path, db=services.fresh_database(), kafka=services.kafka, pipeline=False,
                       parties=out / "parties.json", gateway_processes=processes) as sim:  # fmt: skip
            runs[name] = _figures(replay(loaded, sim.target, FAST))
    ratios = {}
    for name, run in runs.items():
        assert run["accepted"] == run["messages"] == len(loaded.messages), run["rejected_by_code"]
        ratios[name] = round(run["throughput_messages_per_s"] / bare["per_s"], 4)
    grouped = _grouped_and_resent(tmp_path, one_per_message=runs["embedded"]["throughput_messages_per_s"])
    ceilings = _ceilings(tmp_path, loaded, bare["per_s"])
    record("intake.embedded_ratio", ratios["embedded"], "ratio")
    record("intake.kafka_ratio", ratios["kafka"], "ratio")
    save("intake.json", {
        "ratios": ratios, "targets": {"embedded": 0.35, "kafka": 0.25},
        "bare_lxml_validate_per_s_one_core": round(bare["per_s"]), "bare_rounds": bare["rounds"],
        "document_mean_bytes": bare["mean_bytes"], "runs": runs, "grouped": grouped, "ceilings": ceilings,
        "bench": "quick" if QUICK else "full",
        "traffic": f"cebsim generate --no-sign, {PARCELS} parcels, CEB311+CEB411+CEB511 (no CEB621)",
        "server": "cebsim serve subprocess, CEBSIM_PIPELINE=false, CEBSIM_REQUIRE_SIGNATURES=false; "
        f"kafka: --workers {KAFKA_PROCESSES}, kafka_one_process: --workers 1",
        "client": "replay engine + RawHttpClient in the benchmark process, 64 in flight, no rate limit",
    })  # fmt: skip
    print(f"\nintake: bare validate {bare['per_s']:,.0f}/s; "
          + "; ".join(f"{n} {r['throughput_messages_per_s']:,.0f} msg/s ratio {ratios[n]}"
                      for n, r in runs.items())
          + "; " + "; ".join(f"{n} {r['throughput_documents_per_s']:,} documents/s"
                             for n, r in grouped["runs"].items())
          + "; ceilings " + "; ".join(f"{n} {c['messages_per_s']:,} msg/s ratio {c['ratio']}"
                                      for n, c in ceilings["runs"].items()))  # fmt: skip


def _ceilings(tmp_path: Path, loaded: Traffic, bare_per_s: float) -> dict[str, Any]:
    """The same messages, client and server stack, against apps that do (almost) nothing
    (`benchmarks.harness.ceiling_app`): the highest ratios a gateway on this stack could reach."""
    runs = {}
    for kind in CEILING_KINDS:
        with ceiling(tmp_path, kind) as target:
            run = replay(loaded, target, FAST)
        assert run["accepted"] == run["messages"], run["rejected_by_code"]
        per_s = run["throughput_messages_per_s"]
        runs[kind] = {"messages_per_s": round(per_s), "ratio": round(per_s / bare_per_s, 4)}
    return {"runs": runs, "apps": CEILING_APPS, "server": "uvicorn, httptools, uvloop, one process"}


def _grouped_and_resent(tmp_path: Path, *, one_per_message: float) -> dict[str, Any]:
    """Embedded: the same parcels in messages of 100 documents, sent once and then again (every
    document a retry), in documents per second beside the rate of one document per message."""
    loaded, out = _unsigned(PARCELS, 31, docs_per_message=GROUPED)
    documents = sum(len(parse_message(m.body).documents) for m in loaded.messages)
    runs = {}
    with simulator(tmp_path, db=f"sqlite:///{tmp_path / 'grouped.db'}", pipeline=False,
                   parties=out / "parties.json") as sim:  # fmt: skip
        for name in ("first_sent", "sent_again"):
            run = _figures(replay(loaded, sim.target, GROUPED_OPTIONS))
            assert run["accepted"] == run["messages"] == len(loaded.messages), run["rejected_by_code"]
            per_s = run["throughput_messages_per_s"] * documents / len(loaded.messages)
            runs[name] = run | {"documents": documents, "throughput_documents_per_s": round(per_s)}
    return {
        "documents_per_message": GROUPED,
        "runs": runs,
        "documents_per_s_vs_one_per_message": {
            name: round(run["throughput_documents_per_s"] / one_per_message, 2) for name, run in runs.items()
        },
        "client": f"replay engine, {GROUPED_OPTIONS.concurrency} messages in flight, no rate limit",
    }


def test_intake_p99_at_1000_rps(tmp_path: Path) -> None:
    loaded, out = _unsigned(P99_RATE * P99_SECONDS // 3 + 1, 32)
    all_cores()
    options = ReplayOptions(rate=P99_RATE, concurrency=256, duration_s=P99_SECONDS, follow_receipts=False)
    with simulator(tmp_path, db=f"sqlite:///{tmp_path / 'p99.db'}", pipeline=True,
                   parties=out / "parties.json") as sim:  # fmt: skip
        started = time.perf_counter()
        report = replay(loaded, sim.target, options)
        wall = time.perf_counter() - started
    p99 = report["acceptance_latency_ms"]["p99"]
    record("intake.p99_ms_at_1000rps", round(p99, 1), "ms")
    save("intake_p99.json", {
        "p99_ms": p99, "target_ms": 50, "rate_requests_per_s": P99_RATE, "seconds": P99_SECONDS,
        "wall_s": round(wall, 1), "run": _figures(report), "timeline": report["timeline"],
        "server": "cebsim serve embedded (SQLite, pipeline on), unsigned CEB311/411/511",
        "measure": "open-loop; latency from each request's intended send time (no coordinated omission)",
        "bench": "quick" if QUICK else "full",
    })  # fmt: skip
    print(
        f"\nintake at {P99_RATE}/s for {P99_SECONDS}s: p99 {p99:,.1f} ms, "
        f"achieved {report['throughput_messages_per_s']:,.0f} msg/s, rejected {report['rejected_by_code']}"
    )
