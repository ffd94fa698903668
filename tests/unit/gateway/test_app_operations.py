"""The gateway answers its operational endpoints before anything else is wired in."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.cli import main
from gateway.settings import Settings


def test_healthz_docs_and_readyz_answer_on_an_embedded_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["database"] == "ok"
        assert client.get("/docs").status_code == 200
        assert "/healthz" in client.get("/openapi.json").json()["paths"]


def test_readyz_says_unavailable_with_retry_after_when_the_database_is_down(tmp_path: Path) -> None:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}"))
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        # the database goes away: nothing listens on port 1
        app.state.runtime.engine = sa.create_engine("postgresql+psycopg://cebsim@127.0.0.1:1/cebsim")
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"


def test_settings_come_from_the_cebsim_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEBSIM_PORT", "9123")
    monkeypatch.setenv("CEBSIM_BUS", "kafka")
    settings = Settings()
    assert (settings.port, settings.bus) == (9123, "kafka")


def test_the_cli_lists_its_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "serve" in result.output
    assert "validate" in result.output
