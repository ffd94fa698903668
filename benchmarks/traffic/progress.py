"""The live progress display of a replay (rich), shown only on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from benchmarks.traffic.engine import Results


def _table(results: Results, elapsed: float) -> Table:
    table = Table(title="cebsim replay", show_header=False)
    acceptance, clearance = results.acceptance, results.tracker.clearance
    rate = results.messages / elapsed if elapsed > 0 else 0.0
    table.add_row("elapsed", f"{elapsed:.1f} s")
    table.add_row("sent", f"{results.messages} messages ({rate:.0f}/s), {results.in_flight} in flight")
    table.add_row("accepted", str(results.accepted))
    errors = ", ".join(f"{code}: {count}" for code, count in results.rejected.most_common(5)) or "none"
    table.add_row("errors", errors)
    table.add_row("acceptance ms", _percentiles(acceptance.percentile_ms))
    tracker = results.tracker
    table.add_row(
        "parcels", f"{tracker.sent} sent, {tracker.terminal} terminal, {tracker.outstanding} outstanding"
    )
    table.add_row("clearance ms", _percentiles(clearance.percentile_ms))
    return table


def _percentiles(percentile: Callable[[float], float]) -> str:
    return "  ".join(f"p{name} {percentile(value)}" for name, value in (("50", 50), ("90", 90), ("99", 99)))


class LiveProgress:
    """`update(results)` redraws; a no-op when stdout is not a terminal."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._console = Console()
        self._now = now
        self._live: Live | None = None
        self.enabled = self._console.is_terminal

    def __enter__(self) -> LiveProgress:
        if self.enabled:
            self._live = Live(console=self._console, refresh_per_second=2)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def update(self, results: Results) -> None:
        if self._live is not None:
            self._live.update(_table(results, self._now() - results.started))
