"""The gateway answers its operational endpoints before anything else is wired in."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from declarations.codec import parse_message
from declarations.domain.customs_documents import FormatReceipt
from declarations.identity import Enterprise, Role
from gateway.app import create_app
from gateway.cli import main
from gateway.settings import Settings
from schemas.loader import validate

EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "examples"


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


def test_metrics_count_requests_acceptances_rejections_and_the_stages_bus_lag(tmp_path: Path) -> None:
    settings = Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", pipeline=False, require_signatures=False)
    app = create_app(settings)
    example = (
        Path(__file__).resolve().parents[3] / "schemas" / "examples" / "CEB311Message.xml"
    ).read_bytes()
    with TestClient(app) as client:
        shop = Enterprise(
            "1105910159", "示例电商", frozenset({Role.PLATFORM, Role.ECOMMERCE}), "DXPENT0000000001"
        )
        key = app.state.runtime.registry.add(shop, datetime.now(UTC))
        headers = {"Content-Type": "application/xml", "Authorization": f"Bearer {key}"}
        assert client.post("/ceb/messages", content=example, headers=headers).status_code == 202
        assert client.post("/ceb/messages", content=b"<not-xml", headers=headers).status_code == 400
        text = client.get("/metrics").text
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert samples['cebsim_http_requests_total{route="/ceb/messages",status="202"}'] == 1
    assert samples['cebsim_documents_accepted_total{message_type="CEB311"}'] == 1
    assert sum(v for k, v in samples.items() if k.startswith("cebsim_rejections_total")) == 1
    # no stage runs in this process (pipeline off): the accepted document waits for matching
    assert samples['cebsim_bus_lag_records{group="cebsim.matching",topic="cebsim.documents.accepted"}'] == 1
    assert samples['cebsim_bus_lag_records{group="cebsim.review",topic="cebsim.lists.matched"}'] == 0
    assert samples["cebsim_bus_lag_up"] == 1


def test_a_failed_acceptance_is_503_with_retry_after_and_leaves_no_unread_future(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", pipeline=False, require_signatures=False)
    app = create_app(settings)
    with TestClient(app) as client:
        roles = frozenset({Role.PLATFORM, Role.ECOMMERCE})
        shop = Enterprise("1105910159", "示例电商", roles, "DXPENT0000000001")
        key = app.state.runtime.registry.add(shop, datetime.now(UTC))
        # the acceptor's database goes away: nothing listens on port 1
        app.state.runtime.acceptor._engine = sa.create_engine(
            "postgresql+psycopg://cebsim@127.0.0.1:1/cebsim"
        )
        answer = client.post(
            "/ceb/messages",
            content=(EXAMPLES / "CEB311Message.xml").read_bytes(),
            headers={"Content-Type": "application/xml", "Authorization": f"Bearer {key}"},
        )
        gc.collect()  # an unread asyncio future logs its exception when it is collected
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_the_openapi_schema_documents_the_errors_the_routes_answer(tmp_path: Path) -> None:
    """No 422 (FastAPI's validation answer, which these routes never give), a 400 in this API's
    error shape instead, and a 400 example for POST /ceb/messages that is the gateway's own CEB900."""
    with TestClient(create_app(Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}"))) as client:
        schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)
    assert schema["paths"]["/ceb/receipts"]["get"]["responses"]["400"]["content"]["application/json"]
    example = schema["paths"]["/ceb/messages"]["post"]["responses"]["400"]["content"]["application/xml"]
    verdict = validate(example["example"].encode())
    assert (verdict.message_type, verdict.valid) == ("CEB900", True)
    (receipt,) = parse_message(example["example"].encode()).documents
    assert isinstance(receipt, FormatReceipt)
    assert receipt.return_status == "-0002"
    assert receipt.return_info.startswith("line 7 /ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:appTime")
