"""`cebsim replay` as a command: its exit status says whether the run went as expected, and what
cannot work is refused before anything is sent."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks.traffic.cli import replay, replay_problems
from benchmarks.traffic.config import GenerateConfig
from benchmarks.traffic.generator import generate


@pytest.fixture
def traffic(tmp_path: Path) -> Path:
    out = tmp_path / "traffic"
    generate(GenerateConfig(parcels=2, seed=5, sign=False), out)
    return out


@pytest.fixture
def nobody_listening() -> str:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _figures(**changes: Any) -> dict[str, Any]:
    """The report's figures of a replay that went as expected, with `changes`."""
    clean = {"accepted": 8, "rejected_by_code": {"409 -621001": 1}, "unexpected_outcomes": {"count": 0}}
    return clean | changes


def test_a_replay_nobody_answers_exits_1_and_says_why(traffic: Path, nobody_listening: str) -> None:
    result = CliRunner().invoke(replay, [str(traffic), "--target", nobody_listening, "--drain", "0"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["accepted"] == 0  # the figures are printed all the same
    (why,) = result.stderr.splitlines()
    assert "2 parcels did not end as the manifest expects" in why
    assert "got no answer (transport errors)" in why
    assert "no message was accepted" in why


def test_a_replay_that_went_as_expected_has_no_problems() -> None:
    assert replay_problems(_figures()) == []  # a refusal with an HTTP status can be expected


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"unexpected_outcomes": {"count": 3}}, "3 parcels did not end as the manifest expects"),
        ({"rejected_by_code": {"transport:TimeoutError": 2}}, "2 messages got no answer"),
        ({"accepted": 0}, "no message was accepted"),
    ],
)
def test_each_kind_of_failure_is_a_problem(changes: dict[str, Any], named: str) -> None:
    (problem,) = replay_problems(_figures(**changes))
    assert named in problem


def test_a_report_into_a_missing_directory_is_refused_before_sending(
    traffic: Path, nobody_listening: str, tmp_path: Path
) -> None:
    report = tmp_path / "missing" / "replay.json"
    result = CliRunner().invoke(replay, [str(traffic), "--target", nobody_listening, "--report", str(report)])
    assert result.exit_code == 2
    assert result.stdout == ""  # no figures: nothing was replayed
    assert f"the directory {report.parent} does not exist" in result.stderr


def test_a_directory_without_parties_json_is_a_usage_error(tmp_path: Path, nobody_listening: str) -> None:
    result = CliRunner().invoke(replay, [str(tmp_path), "--target", nobody_listening])
    assert result.exit_code == 2
    assert f"{tmp_path} has no parties.json" in result.stderr
