"""`cebsim enterprise import`: a bad row is one error line naming it, and nothing is half-imported."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway.cli import main
from gateway.signature import KeyKind, issue_identity

NOW = datetime(2026, 11, 11, tzinfo=UTC)
IDENTITY = issue_identity(
    "3301960002", "杭州某支付", not_before=NOW, not_after=NOW + timedelta(days=90), kind=KeyKind.SM2
)


def party(code: str, **changes: Any) -> dict[str, Any]:
    row = {"code": code, "name": f"企业{code}", "roles": ["platform"], "dxp_id": f"DXPENT{code}"}
    return row | {"api_key": f"cebsim_{code}{'k' * 32}"} | changes


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cebsim.db'}"


def run_import(tmp_path: Path, db: str, *rows: dict[str, Any]) -> Result:
    path = tmp_path / "parties.json"
    path.write_text(json.dumps({"parties": list(rows)}), encoding="utf-8")
    return CliRunner().invoke(main, ["enterprise", "import", str(path), "--db", db])


def registered(db: str) -> list[str]:
    return [found.code for found in EnterpriseRegistry(open_store(db)).all()]


@pytest.mark.parametrize(
    ("roles", "named"),
    [(["wizard"], "'wizard' is not a valid Role"), ("platform", "roles must be a list of role names")],
)
def test_a_bad_role_is_one_error_line_naming_the_row_and_nothing_is_registered(
    tmp_path: Path, db: str, roles: Any, named: str
) -> None:
    result = run_import(tmp_path, db, party("3301960001"), party("3301960002", roles=roles))
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("Error: ")
    assert "row 2 (3301960002)" in line
    assert named in line
    assert registered(db) == []  # not even the good first row


def test_a_bad_certificate_leaves_its_enterprise_unregistered_so_a_fixed_file_imports_it(
    tmp_path: Path, db: str
) -> None:
    broken = "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n"
    refused = run_import(tmp_path, db, party("3301960002", certificate_pem=broken))
    assert refused.exit_code == 1
    assert "row 1 (3301960002): the certificate" in refused.output
    assert registered(db) == []
    fixed = party("3301960002", certificate_pem=IDENTITY.certificate_pem.decode())
    imported = run_import(tmp_path, db, fixed)
    assert imported.exit_code == 0, imported.output
    assert "registered 1 of 1" in imported.output
    (certificate,) = EnterpriseRegistry(open_store(db)).certificates("3301960002")
    assert certificate.der == IDENTITY.certificate_der
    assert EnterpriseRegistry(open_store(db)).generation() == 1  # its key, as `add`; the certificate none


def test_a_certificate_of_another_enterprise_is_refused_before_anything_is_written(
    tmp_path: Path, db: str
) -> None:
    registry = EnterpriseRegistry(open_store(db))
    registry.add(Enterprise("3301960009", "别家", frozenset({Role.PAYMENT}), "DXPENT3301960009"), NOW)
    registry.add_certificate("3301960009", IDENTITY.certificate_der, IDENTITY.certificate.serial_hex, NOW)
    pem = IDENTITY.certificate_pem.decode()
    result = run_import(tmp_path, db, party("3301960001"), party("3301960002", certificate_pem=pem))
    assert result.exit_code == 1
    assert "row 2 (3301960002): its certificate is registered to 3301960009" in result.output
    assert registered(db) == ["3301960009"]


def test_a_code_of_neither_documented_form_is_refused_as_add_refuses_it(tmp_path: Path, db: str) -> None:
    result = run_import(tmp_path, db, party("33019600"))
    assert result.exit_code == 1
    assert "row 1 (33019600): code is not a 10-character customs code" in result.output
    assert registered(db) == []


def test_a_certificate_registered_elsewhere_after_the_check_leaves_its_enterprise_unregistered(
    tmp_path: Path, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = EnterpriseRegistry(open_store(db))
    registry.add(Enterprise("3301960009", "别家", frozenset({Role.PAYMENT}), "DXPENT3301960009"), NOW)
    registry.add_certificate("3301960009", IDENTITY.certificate_der, IDENTITY.certificate.serial_hex, NOW)
    # the import's check ran before another import registered the certificate: only the write sees it
    monkeypatch.setattr(EnterpriseRegistry, "certificate_owner", lambda self, fingerprint: None)
    pem = IDENTITY.certificate_pem.decode()
    result = run_import(tmp_path, db, party("3301960001"), party("3301960002", certificate_pem=pem))
    assert result.exit_code == 1
    assert "row 2 (3301960002): this certificate is registered to 3301960009" in result.output
    assert "the 1 enterprises before it were registered" in result.output
    assert registered(db) == ["3301960001", "3301960009"]  # not 3301960002 without its certificate


def test_a_database_failure_at_the_certificate_leaves_its_enterprise_unregistered(
    tmp_path: Path, db: str
) -> None:
    def fail_certificate_insert(*args: Any) -> None:
        if args[2].startswith("INSERT INTO certificates"):
            raise sqlite3.OperationalError("disk I/O error")

    sa.event.listen(sa.Engine, "before_cursor_execute", fail_certificate_insert)
    try:
        result = run_import(
            tmp_path, db, party("3301960002", certificate_pem=IDENTITY.certificate_pem.decode())
        )
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", fail_certificate_insert)
    assert result.exit_code == 1
    assert registered(db) == []
    assert result.output == (  # one line, not SQLAlchemy's traceback
        f"Error: {tmp_path / 'parties.json'} row 1 (3301960002): cannot register the enterprise: "
        "disk I/O error; the 0 enterprises before it were registered\n"
    )
