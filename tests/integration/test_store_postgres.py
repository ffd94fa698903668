"""The store's migrations and the enterprise registry on the real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store

pytestmark = pytest.mark.integration


def test_migrations_run_on_postgresql_and_the_registry_round_trips(postgres_url: str) -> None:
    engine = open_store(postgres_url)
    try:
        open_store(postgres_url).dispose()  # a second upgrade is a no-op
        assert {"enterprises", "api_keys", "certificates", "webhooks"} <= set(
            sa.inspect(engine).get_table_names()
        )
        code = uuid.uuid4().hex[:10]
        shop = Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}")
        registry = EnterpriseRegistry(engine)
        api_key = registry.add(shop, datetime.now(UTC))
        assert registry.by_api_key(api_key) == shop
    finally:
        engine.dispose()
