"""The replay's final report as JSON (the figures) — `html_report` draws it.

Throughput: `throughput_parcels_per_s` is the parcels sent in full per second of the sending window
(first intended send to last answer); `clearance_parcels_per_s` the parcels that reached a terminal
receipt per second from the start to the last terminal receipt.
"""

from __future__ import annotations

from typing import Any

from benchmarks.traffic.engine import ReplayOptions, Results

EXAMPLES = 20


def build_report(results: Results, options: ReplayOptions, target: str) -> dict[str, Any]:
    tracker = results.tracker
    window = max(results.last_sent - results.started, 1e-9)
    last_terminal = max(tracker.terminal_times, default=results.started)
    unexpected = tracker.unexpected()
    report: dict[str, Any] = {
        "target": target,
        "options": {"rate": options.rate, "ramp_s": options.ramp_s, "duration_s": options.duration_s,
                    "parcels": options.parcels, "concurrency": options.concurrency,
                    "receipts": options.receipts_mode},
        "parcels": tracker.sent,
        "messages": results.messages,
        "accepted": results.accepted,
        "rejected_by_code": dict(sorted(results.rejected.items())),
        "terminal": tracker.terminal,
        "outstanding": tracker.outstanding,
        "checked_against_manifest": tracker.checked,
        "unexpected_outcomes": {"count": len(unexpected), "examples": unexpected[:EXAMPLES]},
        "outcomes": tracker.outcome_counts(),
        "funnel": {status: tracker.funnel.get(status, 0) for status in ("2", "120", "399", "800", "899")}
        | {"refused": tracker.funnel.get("refused", 0)},
        "throughput_parcels_per_s": round(tracker.sent / window, 1),
        "throughput_messages_per_s": round(results.messages / window, 1),
        "clearance_parcels_per_s": round(tracker.terminal / max(last_terminal - results.started, 1e-9), 1),
        "acceptance_latency_ms": results.acceptance.summary_ms(),
        "response_latency_ms": results.responses.summary_ms(),
        "clearance_latency_ms": tracker.clearance.summary_ms(),
        "sending_s": round(window, 3),
        "total_s": round(results.finished - results.started, 3),
        "client": {"max_in_flight": results.max_in_flight, "receipt_polls": results.polls,
                   "receipts_seen": results.receipts_seen, "receipt_cursors": dict(results.cursors)},
        "timeline": _timeline(results),
        "histograms": {"acceptance_ms": results.acceptance.buckets_ms(),
                       "clearance_ms": tracker.clearance.buckets_ms()},
    }  # fmt: skip
    return report


def _timeline(results: Results) -> list[dict[str, Any]]:
    terminal: dict[int, int] = {}
    for moment in results.tracker.terminal_times:
        second = int(moment - results.started)
        terminal[second] = terminal.get(second, 0) + 1
    seconds = sorted(set(results.timeline) | set(terminal))
    rows = []
    for second in seconds:
        bucket = results.timeline.get(second)
        row: dict[str, Any] = {"t": second, "terminal": terminal.get(second, 0)}
        if bucket is not None:
            row |= {"sent": bucket.sent, "accepted": bucket.accepted, "errors": bucket.errors}
            row |= {"p50_ms": bucket.latency.percentile_ms(50), "p99_ms": bucket.latency.percentile_ms(99)}
        rows.append(row)
    return rows
