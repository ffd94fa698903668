"""Accepted means durable (architecture invariant 1): a 202 followed by SIGKILL loses nothing.

`cebsim serve` runs as a real process. A message is accepted (202), the process is killed with
SIGKILL (no shutdown hook runs), and the document must be where the 202 promised: in the SQLite
file (embedded mode; a restarted server answers the retry with the same receipt), or on the Kafka
topic `cebsim.documents.accepted` and in PostgreSQL (Kafka mode).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from benchmarks.harness.processes import free_port, stop, wait_ready
from declarations.codec import build, new_guid, parse_message
from declarations.domain.customs_documents import Receipt
from declarations.store.tables import documents
from gateway.intake.acceptor import ACCEPTED_TOPIC
from tests.conftest import REPO_ROOT
from tests.unit.codec.builders import make_base_transfer, make_order, make_order_head

pytestmark = pytest.mark.integration

CEBSIM = str(REPO_ROOT / ".venv" / "bin" / "cebsim")
START_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Registered:
    code: str
    dxp_id: str
    api_key: str


def server_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEBSIM_")}
    return env | {"CEBSIM_REQUIRE_SIGNATURES": "false", "PYTHONUNBUFFERED": "1"}


def register_enterprise(db: str) -> Registered:
    """`cebsim enterprise add --json` with a code no other test (or earlier run) has used."""
    code = f"33{secrets.randbelow(10**8):08d}"
    roles = ["--role", "platform", "--role", "ecommerce"]
    result = subprocess.run(
        [
            CEBSIM,
            "enterprise",
            "add",
            "--code",
            code,
            "--name",
            "持久性测试电商",
            *roles,
            "--db",
            db,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    return Registered(printed["code"], printed["dxp_id"], printed["api_key"])


@contextmanager
def serving(db: str, log: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`cebsim serve` on a free port, ready (GET /healthz answers); stopped however the test ends,
    with every process it started (`--workers N`): it runs in a process group of its own."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [CEBSIM, "serve", "--port", str(port), "--db", db, *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(),
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log, timeout_s=START_TIMEOUT_S)
        yield process, url
    finally:
        stop(process, group=True)


def unsigned_order(enterprise: Registered) -> tuple[str, bytes]:
    """(document guid, CEB311 message) with a guid and orderNo used nowhere else."""
    guid = new_guid()
    head = make_order_head(
        guid=guid, order_no=f"DUR{guid[:8]}{guid[-8:]}", ebp_code=enterprise.code, ebc_code=enterprise.code
    )
    transfer = make_base_transfer(cop_code=enterprise.code, dxp_id=enterprise.dxp_id)
    return guid, build("CEB311", [make_order(head=head)], base_transfer=transfer)


def post(url: str, enterprise: Registered, message: bytes) -> httpx.Response:
    return httpx.post(
        f"{url}/ceb/messages",
        content=message,
        headers={"Content-Type": "application/xml", "Authorization": f"Bearer {enterprise.api_key}"},
        timeout=REQUEST_TIMEOUT_S,
    )


def receipts_of(answer: httpx.Response) -> list[Receipt]:
    return [r for r in parse_message(answer.content).documents if isinstance(r, Receipt)]


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def stored_documents(db: str, guid: str) -> list[sa.Row[tuple[object, ...]]]:
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(documents).where(documents.c.guid == guid)).all())
    finally:
        engine.dispose()


def published_guids(bootstrap: str, wanted: str, timeout_s: float = 20.0) -> bool:
    """Whether a record with header guid=`wanted` is on the accepted topic, read from the beginning."""
    consumer = KafkaConsumer(
        ACCEPTED_TOPIC,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=2000,
    )
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            for record in consumer:
                if dict(record.headers).get("guid") == wanted.encode():
                    return True
        return False
    finally:
        consumer.close()


def test_a_document_accepted_on_sqlite_survives_sigkill_and_its_retry_gets_the_same_receipt(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    log = tmp_path / "serve.log"
    enterprise = register_enterprise(db)
    guid, message = unsigned_order(enterprise)

    with serving(db, log) as (process, url):
        accepted = post(url, enterprise, message)
        assert accepted.status_code == 202, accepted.text
        kill(process)

    (row,) = stored_documents(db, guid)
    assert row.sender_code == enterprise.code
    with serving(db, log) as (_, url):
        retried = post(url, enterprise, message)
    assert retried.status_code == 202, retried.text
    assert receipts_of(retried) == receipts_of(accepted)
    assert len(stored_documents(db, guid)) == 1


def test_a_document_accepted_on_kafka_survives_sigkill_on_the_topic_and_in_postgresql(
    tmp_path: Path, kafka_bootstrap: str, postgres_url: str
) -> None:
    log = tmp_path / "serve.log"
    enterprise = register_enterprise(postgres_url)
    guid, message = unsigned_order(enterprise)

    with serving(postgres_url, log, "--bus", "kafka", "--kafka", kafka_bootstrap) as (process, url):
        accepted = post(url, enterprise, message)
        assert accepted.status_code == 202, accepted.text
        kill(process)

    assert published_guids(kafka_bootstrap, guid), f"document {guid} is not on {ACCEPTED_TOPIC}"
    (row,) = stored_documents(postgres_url, guid)
    assert row.sender_code == enterprise.code
    with serving(postgres_url, log, "--bus", "kafka", "--kafka", kafka_bootstrap) as (_, url):
        retried = post(url, enterprise, message)
    assert retried.status_code == 202, retried.text
    assert receipts_of(retried) == receipts_of(accepted)
