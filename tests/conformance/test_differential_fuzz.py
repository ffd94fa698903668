"""Differential fuzz: seeded mutants of the official samples get the official accept/reject verdict.

Every mutant is serialised to bytes and validated twice: by the project (`schemas.loader`, the
whole path from bytes) and by the official XSD of its family compiled with lxml. Agreement must be
total; the counts are written to `benchmarks/results/conformance.json` (deterministic content, no
timestamp, so an unchanged run leaves the committed file unchanged).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from schemas.loader import validate
from tests.conformance.mutation import mutate
from tests.conformance.oracle import FAMILIES, official_valid, samples

pytestmark = pytest.mark.conformance

SEED = 20220501
MUTANTS_PER_SAMPLE = 100
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "conformance.json"


def _serialised(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _run(official_dir: Path) -> tuple[Counter[str], list[str]]:
    rng = random.Random(SEED)
    counts: Counter[str] = Counter()
    disagreements: list[str] = []
    for family in FAMILIES:
        for path in samples(official_dir, family):
            original = etree.parse(str(path)).getroot()
            for index in range(MUTANTS_PER_SAMPLE):
                mutant, operators = mutate(original, rng)
                data = _serialised(mutant)
                ours = validate(data).valid
                official = official_valid(official_dir, f"ceb-{family}.xsd", data)
                counts["mutants"] += 1
                counts["official_valid" if official else "official_invalid"] += 1
                counts.update(f"operator.{name}" for name in operators)
                if ours != official:
                    disagreements.append(f"{path.name}#{index} {operators}: ours={ours} official={official}")
    return counts, disagreements


def test_mutants_of_the_official_samples_get_the_official_verdict(official_dir: Path) -> None:
    counts, disagreements = _run(official_dir)
    agreed = counts["mutants"] - len(disagreements)
    report = {
        "seed": SEED,
        "mutants": counts["mutants"],
        "agreed": agreed,
        "agreement_rate": agreed / counts["mutants"],
        "official_valid": counts["official_valid"],
        "official_invalid": counts["official_invalid"],
        "operators": {
            key.split(".", 1)[1]: counts[key] for key in sorted(counts) if key.startswith("operator.")
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"differential fuzz: {agreed}/{counts['mutants']} agree ({report['agreement_rate']:.2%})")
    assert counts["mutants"] >= 2000
    assert counts["official_valid"] > 100, "the mutants should not all be trivially invalid"
    assert disagreements == [], "\n".join(disagreements[:30])
