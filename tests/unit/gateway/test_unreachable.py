"""A database or broker that cannot be reached at start-up: one clear line, no password, no traceback."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from declarations.errors import StoreUnavailableError
from declarations.store.engine import shown_url
from declarations.store.migrate import open_store
from gateway import cli, worker_cli
from gateway.cli import main


@pytest.fixture
def unreachable() -> str:
    """A PostgreSQL URL on a loopback port nobody listens on, with a password that must not show."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+psycopg://cebsim:secretpw@127.0.0.1:{port}/cebsim"


def test_open_store_names_the_database_without_its_password(unreachable: str) -> None:
    with pytest.raises(StoreUnavailableError, match="cannot be reached") as raised:
        open_store(unreachable)
    assert "secretpw" not in str(raised.value)
    assert shown_url(unreachable) in str(raised.value)


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["enterprise", "list"]])
def test_the_cli_answers_with_one_line_and_exit_status_1(unreachable: str, command: list[str]) -> None:
    # serve tries for CEBSIM_STARTUP_WAIT_S first (test_serve_waits_… below): here not at all
    result = CliRunner().invoke(main, [*command, "--db", unreachable], env={"CEBSIM_STARTUP_WAIT_S": "0"})
    assert result.exit_code == 1, result.output
    assert "cannot be reached" in result.output
    assert "secretpw" not in result.output
    assert "Traceback" not in result.output
    assert "serving on" not in result.output  # announced only once the dependencies answered


def test_a_worker_waits_for_the_database_instead_of_failing(
    unreachable: str, caplog: pytest.LogCaptureFixture
) -> None:
    stopped = threading.Event()
    timer = threading.Timer(0.5, stopped.set)
    timer.start()
    with caplog.at_level(logging.WARNING, logger="cebsim.worker"):
        assert worker_cli._open(unreachable, stopped) is None  # gave up only because it was stopped
    timer.join()
    assert any("database not reachable yet, retrying" in r.getMessage() for r in caplog.records)
    assert all("secretpw" not in r.getMessage() for r in caplog.records)


def test_serve_keeps_trying_for_the_start_up_wait_then_gives_up_with_one_line(
    unreachable: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "RETRY_S", 0.05)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cebsim.serve"):
        result = CliRunner().invoke(
            main, ["serve", "--port", "1", "--db", unreachable], env={"CEBSIM_STARTUP_WAIT_S": "0.5"}
        )
    assert result.exit_code == 1, result.output
    assert time.monotonic() - started >= 0.5
    assert "cannot start" in result.output
    tries = [r.getMessage() for r in caplog.records if "not reachable yet" in r.getMessage()]
    assert len(tries) >= 2
    assert all("secretpw" not in message for message in tries)


def test_serve_starts_once_what_it_waits_for_comes_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "RETRY_S", 0.01)
    attempts = []

    def start(_: object) -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise StoreUnavailableError("the database at postgresql://… cannot be reached")
        return "runtime"

    assert cli._unless_unavailable(start, SimpleNamespace(startup_wait_s=5.0)) == "runtime"
    assert len(attempts) == 3
