"""The store's migrations and the enterprise registry on the real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from declarations.store.stage_store import StageStore

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


def test_a_tick_skips_a_state_that_a_batch_holds_and_takes_it_once_released(postgres_url: str) -> None:
    """Each process of a stage ticks: a due key that another transaction has read is not timed
    out under it (the batch saves the key's next deadline), nor by two processes at once."""
    engine = open_store(postgres_url)
    stage = f"tick-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    past = now - timedelta(minutes=5)
    try:
        with engine.begin() as conn:
            StageStore(conn, stage).save({"held": (1, past), "free": (2, past)}, now)
        with engine.connect() as batch, batch.begin():
            assert StageStore(batch, stage).load(["held"]) == {"held": 1}
            with engine.begin() as tick:
                assert StageStore(tick, stage).due(now) == ["free"]
                with engine.begin() as other_tick:  # another process's tick at the same moment
                    assert StageStore(other_tick, stage).due(now) == []
        with engine.begin() as tick:
            assert sorted(StageStore(tick, stage).due(now)) == ["free", "held"]
    finally:
        engine.dispose()
