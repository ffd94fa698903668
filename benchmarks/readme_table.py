"""Print the README's "Benchmarks" table from results/latest.json: `python -m benchmarks.readme_table`."""

from __future__ import annotations

import json

from benchmarks.results_store import LATEST

TARGETS = {
    "validate.project_vs_official_ratio": "≥ 0.8",
    "intake.embedded_ratio": "≥ 0.35",
    "intake.kafka_ratio": "≥ 0.25",
    "intake.p99_ms_at_1000rps": "≤ 50",
    "matching.docs_per_s": "≥ 200,000",
    "review.lists_per_s": "≥ 100,000",
    "e2e.kafka_ratio": "≥ 0.3",
    "generate.parcels_per_s": "≥ 5,000",
    "peak.parcels_per_s": "≥ 1,500",
}


def _value(value: float) -> str:
    if isinstance(value, float) and abs(value) < 10:
        return f"{value:.3g}" if value else "0"
    return f"{value:,.0f}"


def table() -> str:
    latest = json.loads(LATEST.read_text(encoding="utf-8"))
    rows = ["| Figure | Value | Unit | Target | Measured (UTC) |", "|---|---:|---|---|---|"]
    order = list(TARGETS)
    for name in sorted(latest, key=lambda n: (n not in TARGETS, order.index(n) if n in TARGETS else 0, n)):
        entry = latest[name]
        rows.append(f"| `{name}` | {_value(entry['value'])} | {entry['unit']} | {TARGETS.get(name, '')} | "
                    f"{entry['measured_at'][:16].replace('T', ' ')} |")  # fmt: skip
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
