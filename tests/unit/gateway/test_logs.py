"""Logs as JSON lines (CEBSIM_LOG_FORMAT=json): the access log's fields, and never a body or a key."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from declarations.identity import Enterprise, Role
from gateway import logs
from gateway.app import create_app
from gateway.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / "schemas" / "examples" / "CEB311Message.xml"


def test_a_record_becomes_one_json_line_with_its_extra_fields() -> None:
    record = logging.LogRecord("cebsim.access", logging.INFO, "f.py", 1, "%s %d", ("GET", 200), None)
    record.route = "/healthz"
    record.color_message = "\x1b[36mGET\x1b[0m 200"  # uvicorn's coloured copy of the message
    line = json.loads(logs.JsonFormatter().format(record))
    assert "color_message" not in line
    assert line["message"] == "GET 200"
    assert (line["level"], line["logger"], line["route"]) == ("INFO", "cebsim.access", "/healthz")
    assert datetime.fromisoformat(line["ts"]).tzinfo is not None


def test_the_access_log_names_the_route_and_never_the_body_or_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 'c.db'}", pipeline=False, require_signatures=False))
    with TestClient(app) as client:
        shop = Enterprise(
            "1105910159", "示例电商", frozenset({Role.PLATFORM, Role.ECOMMERCE}), "DXPENT0000000001"
        )
        key = app.state.runtime.registry.add(shop, datetime.now(UTC))
        with caplog.at_level(logging.DEBUG):
            client.post(
                "/ceb/messages",
                content=EXAMPLE.read_bytes(),
                headers={"Content-Type": "application/xml", "Authorization": f"Bearer {key}"},
            )
            client.get("/api/documents/CEB311/nothing-here", headers={"Authorization": f"Bearer {key}"})
    ours = [r for r in caplog.records if r.name.split(".")[0] in {"cebsim", "gateway", "declarations"}]
    lines = [json.loads(logs.JsonFormatter().format(record)) for record in ours]
    access = [line for line in lines if line["logger"] == "cebsim.access"]
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("POST", "/ceb/messages", 202),
        ("GET", "/api/documents/{message_type}/{business_key:path}", 404),
    ]
    assert all(isinstance(a["ms"], float) for a in access)
    everything = json.dumps(lines, ensure_ascii=False)
    assert key not in everything
    assert "nothing-here" not in everything  # the path a client sent can carry its business keys
    assert "1105910159" not in everything  # nor a code from the message body


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEBSIM_LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="text or json"):
        logs.configure()


SECRET = "-".join(("ORDER", "SECRET", "110105"))  # built, so that no source line shown quotes it


def _failed_lookup(documents: dict[str, str], order_no: str) -> str:
    try:
        return documents[order_no]
    except KeyError as exc:
        raise RuntimeError(f"no document for {order_no}") from exc


def _record_of_a_failure() -> logging.LogRecord:
    try:
        _failed_lookup({}, SECRET)
    except RuntimeError:
        return logging.LogRecord("cebsim", logging.ERROR, "f.py", 1, "batch failed", (), sys.exc_info())
    raise AssertionError("the lookup did not fail")


@pytest.mark.parametrize("formatter", [logs.TextFormatter(), logs.JsonFormatter()], ids=["text", "json"])
def test_an_exception_is_logged_with_its_frames_and_types_but_not_its_message(
    formatter: logging.Formatter,
) -> None:
    text = formatter.format(_record_of_a_failure())
    assert SECRET not in text  # it is in both messages, KeyError's and RuntimeError's
    assert "_failed_lookup" in text  # where it happened
    assert "KeyError" in text
    assert "RuntimeError" in text


def test_at_debug_level_exception_messages_are_kept() -> None:
    text = logs.TextFormatter(messages=True).format(_record_of_a_failure())
    assert f"RuntimeError: no document for {SECRET}" in text
