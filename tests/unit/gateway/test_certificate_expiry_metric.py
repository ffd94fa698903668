"""When registered certificates expire, on /metrics: per enterprise and certificate, read from the
registry at scrape time, kept a minute, and 'up 0' when the database cannot say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from declarations.errors import StoreUnavailableError
from declarations.identity import Enterprise, Role
from gateway.app import create_app
from gateway.metrics import CertificateExpiry, Expiry
from gateway.runtime import build_runtime
from gateway.settings import Settings
from gateway.signature import KeyKind, issue_identity

NOW = datetime(2026, 11, 28, tzinfo=UTC)
SHOP = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT3301960001")


def _scrape(collector: CertificateExpiry) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


def test_each_registered_certificate_is_reported_with_its_expiry(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}"))
    runtime.registry.add(SHOP, NOW)
    ends = {KeyKind.RSA: NOW + timedelta(days=20), KeyKind.SM2: NOW + timedelta(days=400)}
    identities = {kind: issue_identity(SHOP.code, SHOP.name, not_before=NOW, not_after=end, kind=kind)
                  for kind, end in ends.items()}  # fmt: skip
    for identity in identities.values():
        runtime.registry.add_certificate(
            SHOP.code, identity.certificate_der, identity.certificate.serial_hex, NOW
        )
    runtime.registry.add_certificate(SHOP.code, b"not a certificate", "0", NOW)  # no date: left out
    with TestClient(create_app(runtime.settings, runtime)) as client:
        text = client.get("/metrics").text
    reported = {
        sample.labels["sha256"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "cebsim_certificate_not_after_seconds"
        for sample in family.samples
        if sample.labels["enterprise"] == SHOP.code
    }
    assert reported == {i.certificate.fingerprint: ends[kind].timestamp() for kind, i in identities.items()}
    assert "cebsim_certificates_up 1.0" in text


def test_the_registry_is_read_once_per_interval() -> None:
    reads: list[Expiry] = [("3301960001", "ab", NOW)]
    calls = []

    def read() -> list[Expiry]:
        calls.append(1)
        return list(reads)

    collector = CertificateExpiry(read, ttl_s=60)
    first = _scrape(collector)
    reads.append(("3301960002", "cd", NOW))
    assert _scrape(collector) == first
    assert len(calls) == 1


def test_an_unreachable_registry_reports_no_expiries_and_up_0(caplog: pytest.LogCaptureFixture) -> None:
    def read() -> list[Expiry]:
        raise StoreUnavailableError("the database at postgresql://… cannot be reached")

    text = _scrape(CertificateExpiry(read))
    assert "cebsim_certificates_up 0.0" in text
    assert "cebsim_certificate_not_after_seconds{" not in text
    assert "certificate expiries unavailable" in caplog.text
