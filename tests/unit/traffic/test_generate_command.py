"""`cebsim generate` as a command: it never mixes two runs' traffic in one folder, and a bad
--parties is one usage line before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from benchmarks.traffic.cli import generate

ROLES = "platforms,e-commerce,payment,logistics,agents"


def run(out: Path, *options: str) -> Result:
    given = ["--parcels", "4", "--seed", "7", "--out", str(out), "--no-sign", *options]
    return CliRunner().invoke(generate, given)


def test_a_non_empty_out_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = run(tmp_path)
    assert result.exit_code == 2
    assert f"--out {tmp_path} is not empty: give --overwrite" in result.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_overwrite_replaces_an_earlier_runs_messages_and_keeps_other_files(tmp_path: Path) -> None:
    assert run(tmp_path).exit_code == 0  # one document per message: 16 files
    (tmp_path / "notes.txt").write_text("mine")
    again = run(tmp_path, "--docs-per-message", "4", "--overwrite")
    assert again.exit_code == 0, again.output
    written = json.loads(again.stdout)["messages"]
    assert written < 16
    assert len(list((tmp_path / "messages").glob("*.xml"))) == written
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "counts", ["0,0,0,0,0", "-1,1,1,1,1", "1,2", "a,b,c,d,e", "1,1,1,1,1,1", "1,１,1,1,1"]
)
def test_parties_takes_five_positive_counts_before_anything_is_written(tmp_path: Path, counts: str) -> None:
    out = tmp_path / "traffic"
    result = run(out, "--parties", counts)
    assert result.exit_code == 2
    assert (  # the last line, under click's usage lines
        result.stderr.splitlines()[-1]
        == f"Error: --parties takes 5 positive whole numbers ({ROLES}), like 2,3,2,2,2, not {counts!r}"
    )
    assert not out.exists()


def test_parties_counts_make_that_many_senders(tmp_path: Path) -> None:
    assert run(tmp_path, "--parties", "1,2,1,1,3").exit_code == 0
    parties = json.loads((tmp_path / "parties.json").read_text())["parties"]
    assert len(parties) == 8
