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
from benchmarks.traffic.webhooks import WebhookReceipts


async def _replay(
    directory: Path, target: str, options: ReplayOptions, parties: Path | None, webhook_listen: str
) -> dict[str, Any]:
    traffic = load(directory, parties)
    client = RawHttpClient(target, options.concurrency)
    clock = MonotonicClock()
    try:
        with LiveProgress(clock.now) as live:
            replay = Replay(traffic, client, client, clock, options)
            progress = live.update if live.enabled else None
            if options.pushed:
                senders = {message.sender for message in replay.messages}
                keys = {code: key for code, key in traffic.keys.items() if code in senders}
                async with WebhookReceipts(client, keys, replay.on_pushed, listen=webhook_listen) as hooks:
                    results = await replay.run(progress)
                pushed = {"delivered": hooks.delivered, "refused_signature": hooks.refused}
            else:
                results = await replay.run(progress)
                pushed = None
    finally:
        await client.close()
    report = build_report(results, options, target)
    if pushed is not None:
        report["client"]["webhook_deliveries"] = pushed
    return report


def run_replay(directory: Path, target: str, options: ReplayOptions, *, parties: Path | None = None,
               report: Path | None = None, html: Path | None = None,
               webhook_listen: str = "127.0.0.1:0") -> dict[str, Any]:  # fmt: skip
    """`webhook_listen`: where the receiver of `--receipts webhook` listens (HOST:PORT, 0: any free port)."""
    figures = asyncio.run(_replay(directory, target, options, parties, webhook_listen))
    if report is not None:
        report.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    if html is not None:
        html.write_text(render_html(figures), encoding="utf-8")
    return figures
