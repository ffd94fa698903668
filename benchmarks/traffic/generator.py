"""`cebsim generate`: seeded, deterministic CEB traffic with a manifest of what each parcel should end as.

    generate(config, out, progress=None) -> GenerateSummary

Per block of `docs_per_message` parcels: draw each parcel (flow, scenario, knob flags, documents),
plan the block's messages (`stream`), render, sign, write; then one manifest line per parcel.
All randomness comes from `random.Random(seed)` in a fixed order, times from `config.start`, keys
from the seed (`keys`), so the same seed and options give the same bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.traffic import scenarios
from benchmarks.traffic.config import Flow, GenerateConfig
from benchmarks.traffic.export_parcels import export_parcel
from benchmarks.traffic.import_parcels import import_parcel
from benchmarks.traffic.keys import seeded_nonces
from benchmarks.traffic.output import Manifest, sink_for
from benchmarks.traffic.parcel import Context, Parcel
from benchmarks.traffic.parties import make_parties, with_identities, write_parties
from benchmarks.traffic.render import message_xml
from benchmarks.traffic.stream import Flags, Planned, block_plan
from gateway.signature import sign_message
from schemas.definition import MESSAGES

IMPORT_ONLY = frozenset({"over_annual", "over_single", "off_list", "inspection"})
PROGRESS_INTERVAL_S = 0.25  # between two progress reports (a clock read per block costs ~50 ns)
Progress = Callable[[str, int], None]  # (phase: "parties" | "parcels", parcels written so far)


@dataclass(frozen=True, slots=True)
class GenerateSummary:
    parcels: int
    messages: int
    signed: bool
    seconds: float  # parcels and messages, parties excluded
    setup_seconds: float  # parties and their keys
    parcels_per_s: float


def _scenario(draw: float, config: GenerateConfig, flow: str) -> str:
    for name, rate in config.rates.scenarios():
        if draw < rate:
            rule = name.removeprefix("mismatch:")
            if flow == "export" and (name in IMPORT_ONLY or not scenarios.supports(flow, rule)):
                return "normal"
            if flow == "import" and name.startswith("mismatch:") and not scenarios.supports(flow, rule):
                return "normal"
            return name
        draw -= rate
    return "normal"


def draw_parcel(ctx: Context, config: GenerateConfig, index: int, flags: Flags) -> Parcel:
    rng = ctx.rng
    flow = config.flow.value
    if config.flow is Flow.MIXED:
        flow = "export" if rng.random() < config.export_share else "import"
    scenario = _scenario(rng.random(), config, flow)
    duplicate, modified, early = rng.random(), rng.random(), rng.random()
    parcel = (import_parcel if flow == "import" else export_parcel)(ctx, index, scenario)
    scenarios.apply(parcel)
    rates = config.rates
    for flag, draw, rate in ((flags.duplicate, duplicate, rates.duplicates),
                             (flags.modified, modified, rates.modifications),
                             (flags.out_of_order, early, rates.out_of_order)):  # fmt: skip
        if draw < rate:
            flag.add(parcel.id)
    return parcel


def _manifest_line(parcel: Parcel, sent: list[dict[str, Any]]) -> dict[str, Any]:
    own = [doc for doc in sent if not doc.get("extra") and not doc.get("duplicate")]
    list_guid = parcel.docs[parcel.list_type][0]["guid"]
    line: dict[str, Any] = {"parcel": parcel.id, "flow": parcel.flow, "scenario": parcel.scenario}
    line |= {"order_no": parcel.order_no, "buyer_id_number": parcel.buyer_id, "list_guid": list_guid}
    line |= {"last_seq": max(doc["seq"] for doc in own), "documents": sent}
    return line | {"expected": scenarios.expected(parcel)}


# the message types whose schema requires ds:Signature (an unsigned one fails validation)
SIGNATURE_REQUIRED = frozenset(message.code for message in MESSAGES if message.signature_required)


def _signed(text: str, planned: Planned, config: GenerateConfig) -> str:
    identity = planned.sender.identity
    if not config.sign or identity is None:
        return text
    if config.sign_only_required and planned.message_type not in SIGNATURE_REQUIRED:
        return text
    return sign_message(text.encode("utf-8"), identity, planned.sender.algorithm).decode("utf-8")


def _document_row(planned: Planned, seq: int, guid: str) -> dict[str, Any]:
    row: dict[str, Any] = {"message_type": planned.message_type, "guid": guid, "sender": planned.sender.code}
    row["seq"] = seq
    if planned.extra:
        row["extra"] = planned.extra
    if planned.duplicate:
        row["duplicate"] = True
    return row


def generate(config: GenerateConfig, out: Path, progress: Progress | None = None) -> GenerateSummary:
    """Write the traffic, `manifest.jsonl`, `parties.json` and `generate.json` into `out`.

    `progress`, if given, hears ("parties", 0) before the parties' keys are made, then
    ("parcels", n) at the start, every PROGRESS_INTERVAL_S, and at the end with n = config.parcels.
    """
    report = progress or _silent
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    report("parties", 0)
    parties = make_parties(config.seed, config.parties, config.key_kinds)
    if config.sign:
        with seeded_nonces(config.seed, "certificates"):
            parties = with_identities(parties, config.seed, config.start)
    write_parties(out, config.seed, parties)
    ctx = Context(config.seed, parties, config.start)
    started = time.perf_counter()
    sink = sink_for(out, config.output.value)
    nonces: AbstractContextManager[None] = seeded_nonces(config.seed) if config.sign else nullcontext()
    with Manifest(out) as manifest, nonces:
        messages = _write_blocks(ctx, config, sink, manifest, report)
    sink.close()
    finished = time.perf_counter()
    rate = round(config.parcels / max(finished - started, 1e-9), 1)
    seconds, setup = round(finished - started, 3), round(started - began, 3)
    summary = GenerateSummary(config.parcels, messages, config.sign, seconds, setup, rate)
    _write_summary(out, config, summary)
    return summary


def _silent(phase: str, done: int) -> None:
    return None


def _write_blocks(
    ctx: Context, config: GenerateConfig, sink: Any, manifest: Manifest, report: Progress
) -> int:
    seq, size = 0, config.docs_per_message
    report("parcels", 0)
    reported = time.monotonic()
    for first in range(0, config.parcels, size):
        if first and time.monotonic() - reported >= PROGRESS_INTERVAL_S:
            report("parcels", first)
            reported = time.monotonic()
        flags = Flags()
        parcels = [
            draw_parcel(ctx, config, i, flags) for i in range(first, min(first + size, config.parcels))
        ]
        sent: dict[str, list[dict[str, Any]]] = {parcel.id: [] for parcel in parcels}
        for planned in block_plan(ctx, parcels, flags):
            seq += 1
            sender = planned.sender
            body = message_xml(planned.message_type, ctx.guid(), [doc[2] for doc in planned.documents],
                               (sender.code, sender.name, sender.dxp_id))  # fmt: skip
            ids = list(dict.fromkeys(doc[0] for doc in planned.documents))
            sink.write(seq, planned.message_type, sender.code, ids, _signed(body, planned, config))
            for parcel_id, guid, _ in planned.documents:
                sent[parcel_id].append(_document_row(planned, seq, guid))
        for parcel in parcels:
            manifest.write(_manifest_line(parcel, sent[parcel.id]))
    report("parcels", config.parcels)
    return seq


def _write_summary(out: Path, config: GenerateConfig, summary: GenerateSummary) -> None:
    rates = config.rates
    knobs = {name: getattr(rates, name) for name in ("over_annual", "over_single", "off_list", "inspection")}
    knobs |= {name: getattr(rates, name) for name in ("duplicates", "modifications", "out_of_order")}
    asked: dict[str, Any] = {"parcels": config.parcels, "seed": config.seed, "flow": config.flow.value}
    asked |= {"output": config.output.value, "docs_per_message": config.docs_per_message, "sign": config.sign}
    asked |= {"sign_only_required": config.sign_only_required}
    asked |= {
        "start": config.start.isoformat(),
        "export_share": config.export_share,
        "key_kinds": config.key_kinds,
    }
    asked |= {"parties": asdict(config.parties), "mismatch": dict(rates.mismatch), "rates": knobs}
    payload = {"config": asked, "summary": asdict(summary)}
    (out / "generate.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1))
