"""Live progress displays (rich) of a replay and of a generation, shown only on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
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


class GenerateProgress:
    """A progress bar on stderr for `cebsim generate`: parcels written, rate, time left.

    stdout keeps the one JSON summary line scripts read; nothing is drawn when stderr is not a
    terminal (a pipe, a CI log).
    """

    def __init__(self, parcels: int, *, signed: bool, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._parcels = parcels
        self._signed = signed
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.enabled = self._console.is_terminal

    def __enter__(self) -> GenerateProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self._console,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def update(self, phase: str, done: int) -> None:
        """The generator's progress callback (`benchmarks.traffic.generator.Progress`)."""
        if self._progress is None:
            return
        if self._task is None:
            keys = "making the parties' keys and certificates" if self._signed else "making the parties"
            self._task = self._progress.add_task(keys, total=self._parcels, rate="")
        if phase == "parcels":
            task = self._progress.tasks[self._task]
            speed = task.speed  # parcels per second, rich's moving estimate; None at first
            rate = f"{speed:,.0f} parcels/s" if speed else ""
            what = "signed parcels" if self._signed else "parcels"
            self._progress.update(self._task, completed=done, description=what, rate=rate)
