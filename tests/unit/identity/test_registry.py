"""The enterprise registry on SQLite: keys shown once and stored hashed, certificates, webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from declarations.errors import RequestError
from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry, hash_key
from declarations.store.migrate import open_store
from declarations.store.tables import api_keys
from gateway.cli import main

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
