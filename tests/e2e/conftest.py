"""End-to-end fixtures: the gateway app on a fresh SQLite file, with registered enterprises.

`gateway` runs `create_app` inside `TestClient` as a context manager, so the lifespan starts the
acceptor thread exactly as `cebsim serve` does. Signatures are required (the production default);
`lenient_gateway` is the demo setting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from declarations.identity import Role
from declarations.store.tables import documents, receipts
from gateway.app import create_app
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.signature import KeyKind, SigningIdentity
from tests.e2e.builders import Firm, enterprise, standard_identity

MAX_BODY_BYTES = 128 * 1024  # small, so oversize cases stay cheap; every valid message is far below


@dataclass
class Gateway:
    client: TestClient
    runtime: Runtime
    shop: Firm  # platform and e-commerce enterprise: orders and lists
    payer: Firm  # payment firm: payment vouchers
    carrier: Firm  # logistics firm: waybills
    rival: Firm  # another platform/e-commerce enterprise

    def post(
        self,
        body: bytes,
        firm: Firm | None = None,
        *,
        api_key: str | None = None,
        content_type: str | None = "application/xml",
        json: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """POST /ceb/messages as `firm` (its API key), or with `api_key`, or with no key at all."""
        sent: dict[str, str] = dict(headers or {})
        key = api_key if api_key is not None else (firm.api_key if firm else None)
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        if content_type is not None:
            sent["Content-Type"] = content_type
        if json:
            sent["Accept"] = "application/json"
        return self.client.post("/ceb/messages", content=body, headers=sent)

    def stored(self) -> tuple[int, int]:
        """(documents, receipts) rows in the database."""
        with self.runtime.engine.connect() as conn:
            count = sa.func.count()
            return (
                conn.execute(sa.select(count).select_from(documents)).scalar_one(),
                conn.execute(sa.select(count).select_from(receipts)).scalar_one(),
            )

    def documents_with_guid(self, guid: str) -> int:
        with self.runtime.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(documents).where(documents.c.guid == guid)
            return int(conn.execute(query).scalar_one())

    def add_certificate(self, code: str, identity: SigningIdentity) -> None:
        add_certificate(self.runtime, code, identity)


def add_certificate(runtime: Runtime, code: str, identity: SigningIdentity) -> None:
    runtime.registry.add_certificate(
        code, identity.certificate_der, identity.certificate.serial_hex, datetime.now(UTC)
    )


def register(runtime: Runtime, code: str, name: str, *roles: Role) -> Firm:
    """Register an enterprise with an API key and its RSA and SM2 certificates."""
    new = enterprise(code, name, *roles)
    api_key = runtime.registry.add(new, datetime.now(UTC))
    rsa, sm2 = standard_identity(code, name, KeyKind.RSA), standard_identity(code, name, KeyKind.SM2)
    for identity in (rsa, sm2):
        add_certificate(runtime, code, identity)
    return Firm(new, api_key, rsa, sm2)


def start_gateway(tmp_path: Path, *, require_signatures: bool) -> Iterator[Gateway]:
    settings = Settings(
        db=f"sqlite:///{tmp_path / 'cebsim.db'}",
        max_body_bytes=MAX_BODY_BYTES,
        require_signatures=require_signatures,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        runtime: Runtime = app.state.runtime
        yield Gateway(
            client,
            runtime,
            shop=register(runtime, "3301960001", "杭州优选电商", Role.PLATFORM, Role.ECOMMERCE),
            payer=register(runtime, "3301960002", "杭州支付", Role.PAYMENT),
            carrier=register(runtime, "3301960003", "杭州物流", Role.LOGISTICS),
            rival=register(runtime, "3301960009", "宁波另一家电商", Role.PLATFORM, Role.ECOMMERCE),
        )


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    """Signatures required on declared (appStatus=2) documents, as in production."""
    yield from start_gateway(tmp_path, require_signatures=True)


@pytest.fixture(scope="module")
def shared_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One gateway for a whole module, for cases that must store nothing (and assert so)."""
    yield from start_gateway(tmp_path_factory.mktemp("gateway"), require_signatures=True)


@pytest.fixture
def lenient_gateway(tmp_path: Path) -> Iterator[Gateway]:
    """The demo setting: unsigned declarations are accepted."""
    yield from start_gateway(tmp_path, require_signatures=False)
