"""A bad setting stops `cebsim serve`, `cebsim worker` and `cebsim enterprise` with one error line
naming it and what it may be, before anything starts."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gateway.cli import load_settings, main

SERVE, WORKER, LIST = ["serve"], ["worker", "matching"], ["enterprise", "list"]
ALLOWED_DB = "give sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


@pytest.fixture(autouse=True)
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database in tmp_path, so that nothing lands in var/ even if a command got further."""
    monkeypatch.setenv("CEBSIM_DB", f"sqlite:///{tmp_path / 'cebsim.db'}")


@pytest.mark.parametrize(
    ("command", "variable", "value", "error"),
    [
        (SERVE, "CEBSIM_BUS", "bogus", "CEBSIM_BUS: input should be 'memory' or 'kafka', not 'bogus'"),
        (SERVE, "CEBSIM_PORT", "abc", "CEBSIM_PORT: input should be a valid integer, unable to parse "
         "string as an integer, not 'abc'"),
        (WORKER, "CEBSIM_KAFKA_GATHER_MS", "9999", "CEBSIM_KAFKA_GATHER_MS: input should be less than "
         "or equal to 500, not '9999'"),
        (SERVE, "CEBSIM_LOG_FORMAT", "xml", "CEBSIM_LOG_FORMAT must be text or json, not 'xml'"),
        (WORKER, "CEBSIM_LOG_LEVEL", "loud", "CEBSIM_LOG_LEVEL must be one of DEBUG, INFO, WARNING, "
         "ERROR, CRITICAL, not 'LOUD'"),
        (WORKER, "CEBSIM_DB", "nonsense://x", f"CEBSIM_DB is not a database URL cebsim can open "
         f"(nonsense://x): {ALLOWED_DB}"),
        (SERVE, "CEBSIM_DB", "mysql://u:secret@h/d", f"CEBSIM_DB is not a database URL cebsim can "
         f"open (mysql://u:***@h/d): {ALLOWED_DB}"),
    ],
)  # fmt: skip
def test_a_bad_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, command: list[str], variable: str, value: str, error: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert result.output == f"Error: {error}\n"


@pytest.mark.parametrize("command", [SERVE, WORKER, LIST])
def test_a_db_option_of_no_known_database_is_one_line_naming_it(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--db", "nonsense://x"])
    assert result.exit_code == 1
    expected = f"Error: --db is not a database URL cebsim can open (nonsense://x): {ALLOWED_DB}\n"
    assert result.output == expected


def test_a_bad_value_given_as_an_option_is_named_as_the_option() -> None:
    with pytest.raises(click.ClickException, match=r"^--kafka-gather-ms: input should be less"):
        load_settings({"kafka_gather_ms": 9999})


def test_the_command_line_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEBSIM_PORT", "9000")
    assert load_settings({"port": 8123}).port == 8123
    assert load_settings({}).port == 9000
