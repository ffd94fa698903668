"""The replay report as one self-contained HTML page: figures, inline SVG plots, the mismatches."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from benchmarks.traffic import svg

COLUMNS = ("p50", "p90", "p99", "p999", "max", "count")
STYLE = "body{font-family:sans-serif;margin:2em;max-width:70em}td,th{padding:2px 8px;text-align:left}"


def _latency_row(name: str, figures: dict[str, float]) -> str:
    cells = "".join(
        f"<td>{figures.get(key, 0)}</td>" for key in ("p50", "p90", "p99", "p999", "max", "count")
    )
    return f"<tr><th>{escape(name)}</th>{cells}</tr>"


def _summary(report: dict[str, Any]) -> str:
    rows = [("target", report["target"]), ("parcels", report["parcels"]), ("messages", report["messages"]),
            ("accepted", report["accepted"]), ("terminal", report["terminal"]),
            ("outstanding", report["outstanding"]),
            ("unexpected outcomes", report["unexpected_outcomes"]["count"]),
            ("throughput, parcels/s", report["throughput_parcels_per_s"]),
            ("throughput, messages/s", report["throughput_messages_per_s"]),
            ("clearance, parcels/s", report["clearance_parcels_per_s"])]  # fmt: skip
    table = "".join(f"<tr><th>{escape(name)}</th><td>{escape(str(value))}</td></tr>" for name, value in rows)
    head = "<tr><th>latency, ms</th>" + "".join(
        f"<th>{k}</th>" for k in ("p50", "p90", "p99", "p99.9", "max", "n")
    )
    latency = _latency_row("acceptance (POST → 202)", report["acceptance_latency_ms"])
    latency += _latency_row("clearance (last POST → terminal)", report["clearance_latency_ms"])
    return f"<table>{table}</table><h2>Latency</h2><table>{head}</tr>{latency}</table>"


def _over_time(report: dict[str, Any]) -> str:
    rows = report["timeline"]
    throughput = {name: [(r["t"], r.get(name, 0)) for r in rows] for name in ("sent", "accepted", "terminal")}
    throughput["errors"] = [(r["t"], r.get("errors", 0)) for r in rows]
    latency = {name: [(r["t"], r[name]) for r in rows if name in r] for name in ("p50_ms", "p99_ms")}
    return svg.line_chart("Throughput over time", "seconds", "per second", throughput) + svg.line_chart(
        "Acceptance latency over time (from intended send)", "seconds", "ms", latency
    )


def _histograms(report: dict[str, Any]) -> str:
    out = []
    for key, name in (("acceptance", "Acceptance latency"), ("clearance", "Clearance latency")):
        figures = report[f"{key}_latency_ms"]
        marks = {
            "p50": figures["p50"],
            "p90": figures["p90"],
            "p99": figures["p99"],
            "p99.9": figures["p999"],
        }
        out.append(svg.histogram(f"{name} histogram, ms", report["histograms"][f"{key}_ms"], marks))
    return "".join(out)


def _mismatches(report: dict[str, Any]) -> str:
    examples = report["unexpected_outcomes"]["examples"]
    if not examples:
        return "<p>None: every checked parcel ended as the manifest says.</p>"
    head = "<tr><th>parcel</th><th>scenario</th><th>expected</th><th>actual</th><th>statuses</th></tr>"
    rows = "".join(
        f"<tr><td>{escape(e['parcel'])}</td><td>{escape(e['scenario'])}</td><td>{escape(str(e['expected']))}</td>"
        f"<td>{escape(e['actual'])}</td><td>{escape(' → '.join(e['statuses']))}</td></tr>"
        for e in examples
    )
    return f"<table>{head}{rows}</table>"


def render_html(report: dict[str, Any]) -> str:
    funnel = [(f"returnStatus {status}", count) for status, count in report["funnel"].items()]
    errors = list(report["rejected_by_code"].items())
    outcomes = list(report["outcomes"].items())
    data = escape(json.dumps({k: v for k, v in report.items() if k not in ("timeline", "histograms")}))
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>cebsim replay</title>"
            f"<style>{STYLE}</style>"
            f"<h1>cebsim replay report</h1>{_summary(report)}<h2>Over time</h2>{_over_time(report)}"
            f"<h2>Latency histograms</h2>{_histograms(report)}"
            f"<h2>Status funnel (lists)</h2>{svg.bars('Status funnel', funnel)}"
            f"<h2>Terminal outcomes</h2>{svg.bars('Outcomes', outcomes)}"
            f"<h2>Errors by code</h2>{svg.bars('Errors by code', errors)}"
            f"<h2>Mismatches with the manifest</h2>{_mismatches(report)}"
            f"<details><summary>report JSON</summary><pre>{data}</pre></details></html>")  # fmt: skip
