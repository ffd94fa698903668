"""An operator revokes a leaked API key or removes a signing certificate, and a running gateway
stops honouring it once its registry answers expire (10 s, gateway.recent); the rest keep working.
The gateway's clock for those answers is moved on instead of waiting."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway import recent
from tests.e2e.builders import order
from tests.e2e.conftest import Gateway


def _after_the_registry_answers_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    later = time.monotonic() + 11
    monkeypatch.setattr(recent, "time", SimpleNamespace(monotonic=lambda: later))


def test_a_revoked_api_key_is_answered_401_and_a_new_key_works(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, registry = gateway.shop, gateway.runtime.registry
    assert gateway.post(shop.message("CEB311", [order(shop)]), shop).status_code == 202
    fresh = registry.new_key(shop.code, datetime.now(UTC))
    leaked = next(k for k in registry.keys(shop.code) if shop.api_key.startswith(k.prefix))
    assert registry.revoke_key(shop.code, leaked.id, datetime.now(UTC))
    _after_the_registry_answers_expire(monkeypatch)
    before = gateway.stored()

    refused = gateway.post(shop.message("CEB311", [order(shop)]), shop)
    accepted = gateway.post(shop.message("CEB311", [order(shop)]), api_key=fresh)

    assert refused.status_code == 401
    assert refused.json()["error"]["rule"] == "api-key"
    assert accepted.status_code == 202, accepted.text
    assert gateway.stored()[0] == before[0] + 1


def test_signatures_by_a_removed_certificate_are_refused_and_the_other_certificate_still_signs(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, registry = gateway.shop, gateway.runtime.registry
    first = gateway.post(shop.message("CEB311", [order(shop)], algorithm="rsa-sha256"), shop)
    assert first.status_code == 202, first.text  # the gateway now remembers the certificate's owner
    rsa = next(c for c in registry.certificates(shop.code) if c.serial == shop.rsa.certificate.serial_hex)
    assert registry.remove_certificate(shop.code, rsa.fingerprint)
    _after_the_registry_answers_expire(monkeypatch)
    before = gateway.stored()

    refused = gateway.post(shop.message("CEB311", [order(shop)], algorithm="rsa-sha256"), shop)
    accepted = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3"), shop)

    assert refused.status_code == 403
    assert refused.headers["X-Cebsim-Rule"] == "signature:1001"
    assert "not registered" in refused.text
    assert accepted.status_code == 202, accepted.text
    assert gateway.stored()[0] == before[0] + 1


def test_a_certificate_removed_by_the_operator_is_refused_within_seconds(gateway: Gateway) -> None:
    """Without moving the clock: the gateway notices the registry's generation move (RegistryWatch)."""
    shop = gateway.shop
    operator = EnterpriseRegistry(open_store(str(gateway.runtime.engine.url)))  # as the CLI opens it
    first = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3"), shop)
    assert first.status_code == 202, first.text  # the certificate's owner is now remembered
    assert operator.remove_certificate(shop.code, shop.sm2.certificate.fingerprint)
    deadline, status = time.monotonic() + 5, 202
    while status != 403 and time.monotonic() < deadline:
        status = gateway.post(shop.message("CEB311", [order(shop)], algorithm="sm2-sm3"), shop).status_code
        time.sleep(0.1)
    assert status == 403
    assert (
        gateway.post(shop.message("CEB311", [order(shop)], algorithm="rsa-sha256"), shop).status_code == 202
    )
