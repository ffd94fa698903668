"""The enterprise registry on SQLite: keys shown once and stored hashed, certificates, webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from declarations.errors import RequestError
from declarations.identity import Enterprise, Role
from declarations.store.api_keys import hash_key
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from declarations.store.tables import api_keys
from gateway.cli import main
from gateway.signature import KeyKind, issue_identity

NOW = datetime(2026, 11, 11, tzinfo=UTC)
SHOP = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT3301960001")


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    return open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")


def test_an_api_key_identifies_its_enterprise_and_only_its_hash_is_stored(engine: sa.Engine) -> None:
    registry = EnterpriseRegistry(engine)
    api_key = registry.add(SHOP, NOW)
    assert registry.by_api_key(api_key) == SHOP
    assert registry.by_api_key(api_key + "x") is None
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_keys.c.key_hash)).scalars().all()
    assert stored == [hash_key(api_key)]
    assert api_key not in stored


def test_registering_the_same_code_twice_is_refused_and_changes_nothing(engine: sa.Engine) -> None:
    registry = EnterpriseRegistry(engine)
    registry.add(SHOP, NOW)
    with pytest.raises(RequestError, match="already registered"):
        registry.add(SHOP, NOW)
    assert registry.all() == [SHOP]


def test_a_certificate_belongs_to_one_enterprise(engine: sa.Engine) -> None:
    registry = EnterpriseRegistry(engine)
    registry.add(SHOP, NOW)
    other = Enterprise("3122480063", "某支付", frozenset({Role.PAYMENT}), "DXPENT3122480063")
    registry.add(other, NOW)
    fingerprint = registry.add_certificate(SHOP.code, b"der-bytes", "1a2b", NOW)
    assert registry.certificate_owner(fingerprint) == SHOP.code
    with pytest.raises(RequestError, match="registered to 3301960001"):
        registry.add_certificate(other.code, b"der-bytes", "1a2b", NOW)


def test_a_webhook_needs_an_http_url(engine: sa.Engine) -> None:
    registry = EnterpriseRegistry(engine)
    registry.add(SHOP, NOW)
    with pytest.raises(RequestError):
        registry.add_webhook(SHOP.code, "file:///etc/passwd", NOW)
    hook = registry.add_webhook(SHOP.code, "http://127.0.0.1:9/hook", NOW)
    assert registry.webhooks(SHOP.code) == [hook]


def test_cebsim_enterprise_add_json_prints_the_code_and_a_working_key(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(
        main,
        [
            "enterprise",
            "add",
            "--code",
            "3301960001",
            "--name",
            "杭州某电商",
            "--role",
            "ecommerce",
            "--role",
            "platform",
            "--db",
            db,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["code"] == "3301960001"
    found = EnterpriseRegistry(open_store(db)).by_api_key(answer["api_key"])
    assert found is not None
    assert found.roles == {Role.ECOMMERCE, Role.PLATFORM}


def test_cebsim_enterprise_add_refuses_an_unknown_role(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "enterprise",
            "add",
            "--code",
            "1",
            "--name",
            "x",
            "--role",
            "smuggler",
            "--db",
            f"sqlite:///{tmp_path / 'cli.db'}",
        ],
    )
    assert result.exit_code != 0
    assert "smuggler" in result.output


def test_cebsim_enterprise_webhooks_lists_and_webhook_remove_stops_one(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    registry = EnterpriseRegistry(open_store(db))
    registry.add(SHOP, NOW)
    kept = registry.add_webhook(SHOP.code, "http://127.0.0.1:9/kept", NOW)
    gone = registry.add_webhook(SHOP.code, "http://127.0.0.1:9/gone", NOW)
    removed = CliRunner().invoke(main, ["enterprise", "webhook-remove", SHOP.code, str(gone.id), "--db", db])
    assert removed.exit_code == 0, removed.output
    listed = CliRunner().invoke(main, ["enterprise", "webhooks", SHOP.code, "--db", db, "--json"])
    assert json.loads(listed.output) == [{"id": kept.id, "url": kept.url}]
    again = CliRunner().invoke(main, ["enterprise", "webhook-remove", SHOP.code, str(gone.id), "--db", db])
    assert again.exit_code != 0
    assert "no live webhook" in again.output


def test_a_revoked_key_identifies_nobody_and_the_others_keep_working(engine: sa.Engine) -> None:
    registry = EnterpriseRegistry(engine)
    first = registry.add(SHOP, NOW)
    second = registry.new_key(SHOP.code, NOW)
    old, new = registry.keys(SHOP.code)
    assert (old.prefix, new.prefix) == (first[:13], second[:13])
    assert registry.revoke_key(SHOP.code, old.id, NOW)
    assert registry.by_api_key(first) is None
    assert registry.by_api_key(second) == SHOP
    assert [k.revoked_at for k in registry.keys(SHOP.code)] == [NOW, None]
    assert not registry.revoke_key(SHOP.code, old.id, NOW)  # already revoked
    assert not registry.revoke_key("9999999999", new.id, NOW)  # not that enterprise's key
    with pytest.raises(RequestError, match="not registered"):
        registry.keys("9999999999")


def test_a_removed_certificate_has_no_owner_and_can_be_registered_again(engine: sa.Engine) -> None:
    registry = EnterpriseRegistry(engine)
    registry.add(SHOP, NOW)
    fingerprint = registry.add_certificate(SHOP.code, b"der bytes", "0A1B", NOW)
    (listed,) = registry.certificates(SHOP.code)
    assert (listed.fingerprint, listed.serial) == (fingerprint, "0A1B")
    assert not registry.remove_certificate("9999999999", fingerprint)  # not its certificate
    assert registry.remove_certificate(SHOP.code, fingerprint.upper())
    assert registry.certificate_owner(fingerprint) is None
    assert registry.certificates(SHOP.code) == []
    assert registry.add_certificate(SHOP.code, b"der bytes", "0A1B", NOW) == fingerprint


def test_cebsim_enterprise_keys_lists_and_key_revoke_revokes_one(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    registry = EnterpriseRegistry(open_store(db))
    first = registry.add(SHOP, NOW)
    second = registry.new_key(SHOP.code, NOW)
    listed = CliRunner().invoke(main, ["enterprise", "keys", SHOP.code, "--db", db, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(row["prefix"], row["revoked_at"]) for row in rows] == [(first[:13], None), (second[:13], None)]
    assert first not in listed.output  # never the keys themselves
    assert second not in listed.output
    revoke = ["enterprise", "key-revoke", SHOP.code, str(rows[0]["id"]), "--db", db]
    revoked = CliRunner().invoke(main, revoke)
    assert revoked.exit_code == 0, revoked.output
    assert registry.by_api_key(first) is None
    assert registry.by_api_key(second) == SHOP
    again = CliRunner().invoke(main, revoke)
    assert again.exit_code != 0
    assert "no live API key" in again.output
    unknown = CliRunner().invoke(main, ["enterprise", "keys", "9999999999", "--db", db])
    assert unknown.exit_code != 0
    assert "not registered" in unknown.output


def test_cebsim_enterprise_certs_lists_and_cert_remove_removes_one(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    registry = EnterpriseRegistry(open_store(db))
    registry.add(SHOP, NOW)
    fingerprint = registry.add_certificate(SHOP.code, b"der bytes", "0A1B", NOW)
    listed = CliRunner().invoke(main, ["enterprise", "certs", SHOP.code, "--db", db, "--json"])
    assert json.loads(listed.output) == [
        {"sha256": fingerprint, "serial": "0A1B", "created_at": NOW.isoformat()}
    ]
    removed = CliRunner().invoke(main, ["enterprise", "cert-remove", SHOP.code, fingerprint, "--db", db])
    assert removed.exit_code == 0, removed.output
    assert registry.certificate_owner(fingerprint) is None
    again = CliRunner().invoke(main, ["enterprise", "cert-remove", SHOP.code, fingerprint, "--db", db])
    assert again.exit_code != 0
    assert "no certificate" in again.output


def test_cebsim_enterprise_certs_shows_each_certificates_algorithm_and_expiry(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    registry = EnterpriseRegistry(open_store(db))
    registry.add(SHOP, NOW)
    sm2 = issue_identity(
        SHOP.code, SHOP.name, not_before=NOW, not_after=NOW + timedelta(days=90), kind=KeyKind.SM2
    )
    registry.add_certificate(SHOP.code, sm2.certificate_der, sm2.certificate.serial_hex, NOW)
    listed = CliRunner().invoke(main, ["enterprise", "certs", SHOP.code, "--db", db, "--json"])
    (row,) = json.loads(listed.output)
    assert (row["algorithm"], row["not_after"]) == ("sm2", (NOW + timedelta(days=90)).isoformat())
    assert SHOP.name in row["subject"]
    text = CliRunner().invoke(main, ["enterprise", "certs", SHOP.code, "--db", db])
    assert text.output.split("\t")[2:4] == ["sm2", row["not_after"]]
