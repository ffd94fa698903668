"""Support for the pipeline tests on the real broker: a fresh PostgreSQL database, a gateway,
worker processes, and reading trails back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import sqlalchemy as sa
from fastapi.testclient import TestClient

from benchmarks.harness.processes import stop
from declarations.domain.documents import Document
from declarations.identity import Enterprise, Role
from declarations.store.tables import documents, receipts
from gateway.app import create_app
from gateway.settings import Settings
from gateway.signature import KeyKind, SigningIdentity, issue_identity
from tests.e2e.parcels import message, unique_code

ALL_ROLES = frozenset({Role.PLATFORM, Role.ECOMMERCE, Role.PAYMENT, Role.LOGISTICS, Role.AGENT})
CEBSIM = str(Path(sys.executable).with_name("cebsim"))


def fresh_database(admin_url: str) -> str:
    """A new, empty PostgreSQL database on the test cluster: counters and state start from zero."""
    name = f"cebsim_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@dataclass
class Sender:
    client: TestClient
    code: str
    api_key: str
    identity: SigningIdentity
    engine: sa.Engine

    def send(self, code: str, document: Document) -> None:
        answer = self.post(code, document)
        assert answer.status_code == 202, answer.text

    def post(self, code: str, document: Document) -> httpx2.Response:
        return self.client.post(
            "/ceb/messages",
            content=message(code, document, self.code, self.identity),
            headers={"Content-Type": "application/xml", "Authorization": f"Bearer {self.api_key}"},
        )

    def trail(self, message_type: str, guid: str) -> list[tuple[str, str, str]]:
        """(receipt type, returnStatus, returnInfo) of a document's receipts, in order."""
        query = (
            sa.select(receipts.c.message_type, receipts.c.return_status, receipts.c.return_info)
            .join(documents, documents.c.id == receipts.c.document_id)
            .where(documents.c.message_type == message_type, documents.c.guid == guid)
            .order_by(receipts.c.id)
        )
        with self.engine.connect() as conn:
            return [(r.message_type, r.return_status, r.return_info) for r in conn.execute(query)]

    def wait_until(self, message_type: str, guids: list[str], done: set[str], timeout_s: float = 90) -> None:
        """Wait until every document's trail holds one of the `done` statuses."""
        deadline = time.monotonic() + timeout_s
        pending = list(guids)
        while pending and time.monotonic() < deadline:
            pending = [g for g in pending if not any(s in done for _, s, _ in self.trail(message_type, g))]
            time.sleep(0.2)
        assert not pending, f"{len(pending)} documents never reached {done}"


@contextmanager
def gateway(settings: Settings, code: str | None = None) -> Iterator[Sender]:
    app = create_app(settings)
    now = datetime.now(UTC)
    code = code or unique_code()
    identity = issue_identity(
        code,
        "测试企业",
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
        kind=KeyKind.RSA,
    )
    with TestClient(app) as client:
        runtime = app.state.runtime
        api_key = runtime.registry.add(Enterprise(code, "测试企业", ALL_ROLES, f"DXPENT{code}"), now)
        runtime.registry.add_certificate(code, identity.certificate_der, identity.certificate.serial_hex, now)
        yield Sender(client, code, api_key, identity, runtime.engine)


@contextmanager
def worker(kafka: str, db: str, stage: str = "all") -> Iterator[subprocess.Popen[bytes]]:
    proc = start_worker(kafka, db, stage)
    try:
        yield proc
    finally:
        stop(proc)


def start_worker(kafka: str, db: str, stage: str = "all") -> subprocess.Popen[bytes]:
    env = {**os.environ, "CEBSIM_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([CEBSIM, "worker", stage, "--kafka", kafka, "--db", db], env=env)
