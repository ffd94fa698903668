"""Traffic generation and replay-client throughput (issue 5).

- `generate.parcels_per_s` (headline): unsigned import parcels per second on one core, JSONL output,
  one document per message (4 messages per parcel), the fastest of 3 rounds of 20,000 parcels per
  CPU second (`benchmarks.harness.load.BEST_ROUND` says why the fastest; the rounds are saved).
  Also measured: 100 documents per message, the XML-directory output, and signed traffic
  (RSA-only, SM2-only and mixed parties; signing dominates, SM2 is pure Python, gateway.signature.sm2).
- `replay.client_requests_per_s`: how many POSTs per second the replay client (`RawHttpClient`,
  keep-alive, 64 in flight) drives against a canned local server that answers 202 at once, run in
  another process; `httpx.AsyncClient` is measured beside it.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness.load import one_core
from benchmarks.results_store import record, save
from benchmarks.traffic.config import GenerateConfig, OutputFormat, PartyCounts
from benchmarks.traffic.engine import Replay, ReplayOptions
from benchmarks.traffic.generator import generate
from benchmarks.traffic.http_client import HttpClient
from benchmarks.traffic.ports import MonotonicClock, Sender
from benchmarks.traffic.raw_http import RawHttpClient
from benchmarks.traffic.source import Outgoing, Traffic

PARCELS, SIGNED_PARCELS, ROUNDS, TARGET = 20_000, 200, 3, 5_000
CANNED_SERVER = """
import asyncio, sys
async def handle(reader, writer):
    try:
        await serve(reader, writer)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def serve(reader, writer):
    while True:
        head = await reader.readuntil(b"\\r\\n\\r\\n")
        length = 0
        for line in head.split(b"\\r\\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 202 Accepted\\r\\ncontent-length: 0\\r\\n\\r\\n")
async def main():
    server = await asyncio.start_server(lambda r, w: handle(r, w), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
try:
    asyncio.run(main())
except Exception:
    pass
"""


def _rate(config: GenerateConfig) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.process_time()
        generate(config, Path(out))
        return config.parcels / (time.process_time() - started)


def _signed_rate(config: GenerateConfig) -> float:
    """Signed parcels per second of generation, the parties' key derivation left out (wall time)."""
    with tempfile.TemporaryDirectory() as out:
        return generate(config, Path(out)).parcels_per_s


def _rounds(config: GenerateConfig, rounds: int = ROUNDS) -> list[float]:
    return [_rate(config) for _ in range(rounds)]


def test_generation_throughput() -> None:
    one_core()
    rounds = {
        "jsonl_1_doc_per_message": _rounds(GenerateConfig(PARCELS, 1, output=OutputFormat.JSONL, sign=False)),
        "jsonl_100_docs_per_message": _rounds(
            GenerateConfig(PARCELS, 1, output=OutputFormat.JSONL, sign=False, docs_per_message=100)
        ),
        "xml_dir_1_doc_per_message": _rounds(GenerateConfig(PARCELS, 1, sign=False), rounds=1),
    }
    unsigned = {name: max(rates) for name, rates in rounds.items()}
    signed = {
        f"{kinds}_{docs}_docs_per_message": _signed_rate(
            GenerateConfig(
                SIGNED_PARCELS * docs,
                1,
                output=OutputFormat.JSONL,
                docs_per_message=docs,
                key_kinds=kinds,
                parties=PartyCounts(1, 1, 1, 1, 1),
            )
        )
        for kinds in ("rsa", "sm2", "mixed")
        for docs in (1, 100)
    }
    headline = unsigned["jsonl_1_doc_per_message"]
    record("generate.parcels_per_s", round(headline), "parcels/s")
    figures: dict[str, Any] = {"unsigned_parcels_per_s": {k: round(v) for k, v in unsigned.items()}}
    figures |= {"unsigned_rounds": {k: [round(rate) for rate in v] for k, v in rounds.items()}}
    figures |= {"signed_parcels_per_s": {k: round(v, 1) for k, v in signed.items()}}
    measure = (
        "unsigned: CPU time, one process pinned to one core, the fastest round (headline); "
        "signed: wall time, key derivation excluded"
    )
    save("generate.json", figures | {"parcels_per_round": PARCELS, "target_parcels_per_s": TARGET}
         | {"measure": measure})  # fmt: skip
    print(f"\ngenerate: {headline:,.0f} parcels/s unsigned (target {TARGET:,}); signed: {figures}")


async def _drive(target: str, count: int, client: Sender) -> float:
    body = b"<x/>" * 500  # about the size of a CEB311
    messages = [Outgoing(seq, "C", "CEB311", (), body) for seq in range(1, count + 1)]
    traffic = Traffic(messages, {"C": "cebsim_benchmark_key"})
    options = ReplayOptions(rate=1_000_000, concurrency=64, follow_receipts=False)
    try:
        results = await Replay(traffic, client, None, MonotonicClock(), options).run()
    finally:
        await client.close()  # type: ignore[attr-defined]
    assert results.accepted == count
    return count / (results.last_sent - results.started)


def test_replay_client_capacity() -> None:
    server = subprocess.Popen([sys.executable, "-c", CANNED_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        one_core()
        target = f"http://127.0.0.1:{port}"
        raw = [asyncio.run(_drive(target, 10_000, RawHttpClient(target, 64))) for _ in range(3)]
        via_httpx = asyncio.run(_drive(target, 2_000, HttpClient(target, 64)))
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    per_s = statistics.median(raw)
    record("replay.client_requests_per_s", round(per_s), "requests/s")
    client = "RawHttpClient (asyncio streams), keep-alive, 64 in flight, one core"
    save("replay_client.json", {"requests_per_s_median": round(per_s), "rounds": [round(r) for r in raw]}
         | {"client": client, "httpx_async_client_requests_per_s": round(via_httpx)})  # fmt: skip
    print(f"\nreplay client: {per_s:,.0f} requests/s (httpx.AsyncClient: {via_httpx:,.0f})")
