"""A change to the registry made elsewhere (the operator's CLI, another gateway process) reaches a
running gateway within about a second: it watches the registry's generation and forgets what it
remembered (gateway.recent.RegistryWatch), instead of waiting out the 10 s of `Recent`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient

from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway.app import create_app
from gateway.runtime import build_runtime
from gateway.settings import Settings

NOW = datetime(2026, 11, 28, tzinfo=UTC)
SHOP = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT3301960001")


def _within(seconds: float, answered: Callable[[], int], status: int) -> int:
    deadline = time.monotonic() + seconds
    while (got := answered()) != status and time.monotonic() < deadline:
        time.sleep(0.05)
    return got


def test_a_key_revoked_by_the_cli_is_refused_by_a_running_gateway_within_seconds(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cebsim.db'}"
    runtime = build_runtime(Settings(db=db, require_signatures=False))
    api_key = runtime.registry.add(SHOP, NOW)
    operator = EnterpriseRegistry(open_store(db))  # another process's registry, as `cebsim enterprise` has

    def keys(key: str) -> httpx2.Response:
        return client.get("/api/keys", headers={"Authorization": f"Bearer {key}"})

    with TestClient(create_app(runtime.settings, runtime)) as client:
        assert keys(api_key).status_code == 200  # now remembered for 10 s
        unknown = "cebsim_" + "x" * 40
        assert keys(unknown).status_code == 401  # remembered as unknown too
        before = runtime.registry.generation()
        (listed,) = operator.keys(SHOP.code)
        fresh = operator.new_key(SHOP.code, NOW)
        assert operator.revoke_key(SHOP.code, listed.id, NOW)
        assert operator.generation() == before + 2
        started = time.monotonic()
        assert _within(5, lambda: keys(api_key).status_code, 401) == 401
        assert time.monotonic() - started < 5
        assert keys(fresh).status_code == 200


def test_the_generation_moves_only_with_a_change(tmp_path: Path) -> None:
    registry = EnterpriseRegistry(open_store(f"sqlite:///{tmp_path / 'cebsim.db'}"))
    registry.add(SHOP, NOW)
    start = registry.generation()
    assert not registry.revoke_key(SHOP.code, 999, NOW)  # no such key
    assert not registry.remove_certificate(SHOP.code, "ab" * 32)  # no such certificate
    assert registry.generation() == start
    fingerprint = registry.add_certificate(SHOP.code, b"der", "1", NOW)
    assert registry.generation() == start  # a new certificate is looked up at once anyway
    assert registry.remove_certificate(SHOP.code, fingerprint)
    assert registry.generation() == start + 1
