"""`cebsim generate` shows its progress on a terminal and keeps stdout to the one JSON line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from benchmarks.traffic import generator
from benchmarks.traffic.cli import generate as generate_command
from benchmarks.traffic.config import GenerateConfig, OutputFormat
from benchmarks.traffic.progress import GenerateProgress


def test_the_generator_reports_the_parties_then_parcels_up_to_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator, "PROGRESS_INTERVAL_S", 0.0)  # a report at every block
    heard: list[tuple[str, int]] = []
    config = GenerateConfig(10, 3, output=OutputFormat.JSONL, sign=False, docs_per_message=4)
    generator.generate(config, tmp_path, lambda phase, done: heard.append((phase, done)))
    assert heard[0] == ("parties", 0)
    assert heard[1:] == [("parcels", n) for n in (0, 4, 8, 10)]  # blocks of 4 parcels, then the end


def test_the_bar_counts_the_parcels_it_hears_of() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with GenerateProgress(10, signed=False, console=console) as progress:
        progress.update("parties", 0)
        progress.update("parcels", 4)
        progress.update("parcels", 10)
    assert progress.enabled
    assert "10/10" in out.getvalue()


def test_without_a_terminal_stdout_holds_only_the_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        generate_command, ["--parcels", "5", "--seed", "3", "--out", str(tmp_path), "--no-sign"]
    )
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["parcels"] == 5
