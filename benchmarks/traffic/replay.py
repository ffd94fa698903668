"""`cebsim replay`: load a directory, replay it over HTTP, write the JSON and HTML reports.

run_replay(directory, target, options, ...) -> report dict
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from benchmarks.traffic.engine import Replay, ReplayOptions
from benchmarks.traffic.html_report import render_html
from benchmarks.traffic.ports import MonotonicClock
from benchmarks.traffic.progress import LiveProgress
from benchmarks.traffic.raw_http import RawHttpClient
from benchmarks.traffic.report import build_report
from benchmarks.traffic.source import load


async def _replay(
    directory: Path, target: str, options: ReplayOptions, parties: Path | None
) -> dict[str, Any]:
    traffic = load(directory, parties)
    client = RawHttpClient(target, options.concurrency)
    clock = MonotonicClock()
    try:
        with LiveProgress(clock.now) as live:
            replay = Replay(traffic, client, client, clock, options)
            results = await replay.run(live.update if live.enabled else None)
    finally:
        await client.close()
    return build_report(results, options, target)


def run_replay(directory: Path, target: str, options: ReplayOptions, *, parties: Path | None = None,
               report: Path | None = None, html: Path | None = None) -> dict[str, Any]:  # fmt: skip
    figures = asyncio.run(_replay(directory, target, options, parties))
    if report is not None:
        report.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    if html is not None:
        html.write_text(render_html(figures), encoding="utf-8")
    return figures
