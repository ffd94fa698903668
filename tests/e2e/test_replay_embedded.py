"""Generated traffic replayed against `cebsim serve` (embedded): each parcel ends as its manifest says.

The simulator runs as a subprocess on a free port (CEBSIM_PIPELINE=true, a fresh SQLite file), the
parties are registered with `cebsim enterprise import`, and `cebsim replay` sends ~50 signed parcels
(RSA and SM2) with mismatches, limit breaches, goods off the positive list, duplicates, modifications
and out-of-order arrival.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.harness.processes import free_port, stop, wait_ready

CEBSIM = [str(Path(sys.executable).parent / "cebsim")]
KNOBS = [
    "--mismatch", "actural_paid_amount=0.06", "--mismatch", "weights=0.04", "--mismatch", "buyer_payer=0.04",
    "--mismatch", "duplicate_gnum_order=0.04", "--over-annual", "0.06", "--over-single", "0.04",
    "--off-list", "0.04", "--inspection", "0.04", "--duplicates", "0.05", "--modifications", "0.05",
    "--out-of-order", "0.2",
]  # fmt: skip


def _cebsim(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([*CEBSIM, *args], capture_output=True, text=True, timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[str, str]]:
    db, port = f"sqlite:///{tmp_path / 'cebsim.db'}", free_port()
    env = os.environ | {"CEBSIM_PIPELINE": "true", "CEBSIM_DB": db}
    _cebsim("enterprise", "list", "--db", db, env=env)  # creates the schema before the server starts
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [*CEBSIM, "serve", "--db", db, "--port", str(port)], env=env, stdout=log, stderr=log
    )
    target = f"http://127.0.0.1:{port}"
    try:
        wait_ready(target, server, tmp_path / "serve.log", timeout_s=30)
        yield target, db
    finally:
        stop(server)
        log.close()


def test_every_replayed_parcel_ends_as_the_manifest_expects(
    tmp_path: Path, simulator: tuple[str, str]
) -> None:
    target, db = simulator
    out = tmp_path / "traffic"
    _cebsim(
        "generate", "--parcels", "50", "--seed", "11", "--out", str(out), "--parties", "1,2,1,1,1", *KNOBS
    )
    assert "registered 6 of 6" in _cebsim("enterprise", "import", str(out / "parties.json"), "--db", db)
    report, html = tmp_path / "replay.json", tmp_path / "replay.html"
    _cebsim("replay", str(out), "--target", target, "--rate", "60", "--drain", "60",
            "--report", str(report), "--html", str(html))  # fmt: skip
    figures = json.loads(report.read_text())
    scenarios = {json.loads(line)["scenario"] for line in (out / "manifest.jsonl").read_text().splitlines()}
    assert {"normal", "over_annual", "mismatch:actural_paid_amount"} <= scenarios
    assert figures["unexpected_outcomes"] == {"count": 0, "examples": []}
    assert figures["parcels"] == figures["terminal"] == 50
    # a modification (appType=2) that overtakes its order is refused (409); its parcel is not affected
    assert figures["accepted"] >= figures["messages"] - figures["parcels"] * 0.2
    assert figures["clearance_latency_ms"]["count"] == 50
    assert "<svg" in html.read_text()


def test_every_export_parcel_clears_with_its_waybill_linked_through_the_list(
    tmp_path: Path, simulator: tuple[str, str]
) -> None:
    """The export waybill carries no orderNo: matching must link it through the list, or no export
    set ever completes (every parcel would end 100, three documents incomplete)."""
    target, db = simulator
    out = tmp_path / "traffic"
    _cebsim("generate", "--parcels", "30", "--seed", "12", "--flow", "export", "--out", str(out),
            "--parties", "1,2,1,1,1", *KNOBS)  # fmt: skip
    _cebsim("enterprise", "import", str(out / "parties.json"), "--db", db)
    report = tmp_path / "replay.json"
    _cebsim("replay", str(out), "--target", target, "--rate", "60", "--drain", "60", "--report", str(report))
    figures = json.loads(report.read_text())
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert {row["flow"] for row in manifest} == {"export"}
    assert figures["unexpected_outcomes"] == {"count": 0, "examples": []}
    assert figures["parcels"] == figures["terminal"] == 30


def test_receipts_pushed_by_webhooks_give_the_same_outcomes_and_the_webhooks_are_removed(
    tmp_path: Path, simulator: tuple[str, str]
) -> None:
    target, db = simulator
    out = tmp_path / "traffic"
    _cebsim("generate", "--parcels", "20", "--seed", "14", "--out", str(out), "--parties", "1,2,1,1,1",
            "--mismatch", "actural_paid_amount=0.1", "--over-annual", "0.1")  # fmt: skip
    _cebsim("enterprise", "import", str(out / "parties.json"), "--db", db)
    report = tmp_path / "replay.json"
    _cebsim("replay", str(out), "--target", target, "--rate", "60", "--drain", "60", "--receipts", "webhook",
            "--report", str(report))  # fmt: skip
    figures = json.loads(report.read_text())
    assert figures["options"]["receipts"] == "webhook"
    assert figures["unexpected_outcomes"] == {"count": 0, "examples": []}
    assert figures["parcels"] == figures["terminal"] == 20
    pushed = figures["client"]["webhook_deliveries"]
    assert pushed["delivered"] >= 20 * 4  # at least a receipt per document
    assert pushed["refused_signature"] == 0
    assert figures["client"]["receipt_polls"] == 0  # nothing was read with GET /ceb/receipts
    senders = {party["code"] for party in json.loads((out / "parties.json").read_text())["parties"]}
    for code in senders:  # every webhook the replay registered is gone again
        assert _cebsim("enterprise", "webhooks", code, "--db", db, "--json").strip() == "[]"
