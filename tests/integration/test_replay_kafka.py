"""Generated traffic replayed on Kafka and PostgreSQL: each parcel ends as its manifest says.

The distributed-mode twin of tests/e2e/test_replay_embedded.py: `cebsim serve --bus kafka` (intake
only) and one `cebsim worker all` as subprocesses on the real broker, a fresh PostgreSQL database,
the parties registered with `cebsim enterprise import`, and `cebsim replay` sending signed parcels
(RSA and SM2) with mismatches, limit breaches, goods off the positive list, duplicates,
modifications and out-of-order arrival.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.harness.processes import simulator
from tests.e2e.test_replay_embedded import KNOBS, _cebsim
from tests.integration.pipeline_support import fresh_database

pytestmark = pytest.mark.integration
PARCELS = 40


def test_every_replayed_parcel_ends_as_the_manifest_expects_on_kafka(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "traffic"
    _cebsim("generate", "--parcels", str(PARCELS), "--seed", "13", "--out", str(out),
            "--parties", "1,2,1,1,1", *KNOBS)  # fmt: skip
    scenarios = {json.loads(line)["scenario"] for line in (out / "manifest.jsonl").read_text().splitlines()}
    assert "normal" in scenarios
    assert len(scenarios) >= 4, scenarios  # mismatches and limits, not only parcels that clear
    report = tmp_path / "replay.json"
    with simulator(tmp_path, db=fresh_database(postgres_url), kafka=kafka_bootstrap, pipeline=False,
                   workers=1, parties=out / "parties.json") as sim:  # fmt: skip
        _cebsim("replay", str(out), "--target", sim.target, "--rate", "60", "--drain", "90",
                "--report", str(report))  # fmt: skip
    figures = json.loads(report.read_text())
    assert figures["unexpected_outcomes"] == {"count": 0, "examples": []}
    assert figures["parcels"] == figures["terminal"] == PARCELS
    assert figures["clearance_latency_ms"]["count"] == PARCELS
    # a modification (appType=2) that overtakes its order is refused (409); its parcel is not affected
    assert figures["accepted"] >= figures["messages"] - PARCELS * 0.2
