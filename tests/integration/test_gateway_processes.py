"""Several gateway processes on one PostgreSQL (`cebsim serve --workers N`, distributed mode).

Each process has its own acceptor. Two of them may judge the same business key at the same
moment (a client that retries on another connection); the advisory lock per key makes the second
wait and answer as a duplicate of the first, instead of both inserting version 1 and one batch
failing on the unique key.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from declarations.bus.memory import MemoryBus
from declarations.clock import ManualClock
from declarations.codec import build, new_guid, parse_message
from declarations.domain.documents import Order
from declarations.domain.messages import CebMessage
from declarations.identity import Enterprise, Role
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.intake import IntakeTx
from declarations.store.migrate import open_store
from declarations.store.tables import documents
from gateway.intake.acceptor import Acceptor, Outcome
from gateway.intake.batch import Submission, write_batch
from tests.integration.test_intake_durability import (
    CEBSIM,
    post,
    receipts_of,
    register_enterprise,
    server_env,
    serving,
    unsigned_order,
)
from tests.narrowing import of_type
from tests.unit.codec.builders import make_order, make_order_head

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def _orders(code: str, count: int) -> list[CebMessage]:
    messages = []
    for _ in range(count):
        guid = new_guid()
        head = make_order_head(guid=guid, order_no=f"RACE{guid[:12]}", ebp_code=code, ebc_code=code)
        messages.append(parse_message(build("CEB311", [make_order(head=head)])))
    return messages


def test_two_acceptors_judging_the_same_documents_store_each_once(postgres_url: str) -> None:
    """The same 40 orders go to two acceptors on two engines at once, as to two processes."""
    engines = [open_store(postgres_url), open_store(postgres_url)]
    code = f"34{new_guid().replace('-', '')[:8].upper()}"
    shop = Enterprise(code, "并发测试电商", frozenset({Role.PLATFORM, Role.ECOMMERCE}), f"DXPENT{code}")
    EnterpriseRegistry(engines[0]).add(shop, NOW)
    orders = _orders(code, 40)
    acceptors = [Acceptor(engine, MemoryBus(), ManualClock(NOW)) for engine in engines]
    futures = [[a.submit(shop, m) for m in orders] for a in acceptors]
    starting = threading.Barrier(2)

    def start(acceptor: Acceptor) -> None:
        starting.wait()
        acceptor.start()

    threads = [threading.Thread(target=start, args=(a,)) for a in acceptors]
    for thread in threads:
        thread.start()
    try:
        outcomes: list[list[Outcome]] = [[f.result(timeout=60)[0] for f in side] for side in futures]
    finally:
        for thread in threads:
            thread.join()
        for acceptor in acceptors:
            acceptor.stop()
    guids = [of_type(Order, m.documents[0]).head.guid for m in orders]
    with engines[0].connect() as conn:
        stored = conn.execute(
            sa.select(documents.c.guid, sa.func.count())
            .where(documents.c.guid.in_(guids))
            .group_by(documents.c.guid)
        ).all()
    for engine in engines:
        engine.dispose()
    assert {guid: count for guid, count in stored} == dict.fromkeys(guids, 1)
    for first, second in zip(*outcomes, strict=True):
        assert sorted((first.accepted, second.accepted)) == [False, True]  # one stored it, one saw it
        assert first.receipt.return_status == second.receipt.return_status == "2"


class _SlowBus(MemoryBus):
    """Holds its batch's transaction open after the inserts (`write_batch` waits on the bus there)."""

    def __init__(self, holding: threading.Event) -> None:
        super().__init__()
        self._holding = holding

    def flush(self, timeout_s: float | None = None) -> None:
        self._holding.set()
        time.sleep(0.5)  # the other process arrives while this batch is not committed


def test_two_processes_giving_one_guid_to_two_order_numbers_at_once_store_it_once(postgres_url: str) -> None:
    """The keys differ, so only the advisory lock per (message type, guid) makes the second wait for
    the first's commit and see the guid taken, instead of both storing it."""
    engines = [open_store(postgres_url), open_store(postgres_url)]
    code = f"34{new_guid().replace('-', '')[:8].upper()}"
    shop = Enterprise(code, "并发测试电商", frozenset({Role.PLATFORM, Role.ECOMMERCE}), f"DXPENT{code}")
    EnterpriseRegistry(engines[0]).add(shop, NOW)
    first, second = _orders(code, 2)
    guid = of_type(Order, first.documents[0]).head.guid
    reused = of_type(Order, second.documents[0])
    second = replace(second, documents=(replace(reused, head=replace(reused.head, guid=guid)),))
    holding, answers = threading.Event(), {}

    def write_first() -> None:
        answers["first"] = write_batch(engines[0], _SlowBus(holding), NOW, [Submission(shop, first)])

    thread = threading.Thread(target=write_first)
    thread.start()
    try:
        assert holding.wait(10)
        answers["second"] = write_batch(engines[1], MemoryBus(), NOW, [Submission(shop, second)])
    finally:
        thread.join()
        with engines[0].connect() as conn:
            stored = conn.execute(sa.select(documents.c.business_key).where(documents.c.guid == guid)).all()
        for engine in engines:
            engine.dispose()
    ((accepted,),), ((refused,),) = answers["first"], answers["second"]
    assert (accepted.accepted, refused.receipt.return_status) == (True, "-301010")
    assert [row.business_key for row in stored] == [accepted.facts.business_key]


def _server_processes(parent: int) -> int:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    commands = [Path(f"/proc/{child}/cmdline").read_bytes() for child in children]
    return sum(b"spawn_main" in command for command in commands)


def test_two_gateway_processes_share_the_port_and_answer_retries_as_duplicates(
    tmp_path: Path, kafka_bootstrap: str, postgres_url: str
) -> None:
    enterprise = register_enterprise(postgres_url)
    messages = [unsigned_order(enterprise) for _ in range(15)]
    extra = ("--bus", "kafka", "--kafka", kafka_bootstrap, "--workers", "2")
    with serving(postgres_url, tmp_path / "serve.log", *extra) as (process, url):
        deadline = time.monotonic() + 20
        while _server_processes(process.pid) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _server_processes(process.pid) == 2
        answers: dict[int, httpx.Response] = {}

        def send(index: int) -> None:
            answers[index] = post(url, enterprise, messages[index // 2][1])  # each message twice

        senders = [threading.Thread(target=send, args=(i,)) for i in range(2 * len(messages))]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        ready = httpx.get(f"{url}/readyz", timeout=10)
        # each scrape on a new connection, so both processes answer some: each must count both
        scrapes = [httpx.get(f"{url}/metrics", timeout=10).text for _ in range(8)]
    assert ready.status_code == 200
    posted = 'cebsim_http_requests_total{route="/ceb/messages",status="202"}'
    assert [_sample(text, posted) for text in scrapes] == [2.0 * len(messages)] * len(scrapes)
    # read from the database by whichever process answers the scrape (the bus lag may still be
    # unavailable here: a fresh broker has no group coordinator until a group first commits)
    assert [_sample(text, "cebsim_certificates_up") for text in scrapes] == [1.0] * len(scrapes)
    assert [answers[i].status_code for i in sorted(answers)] == [202] * (2 * len(messages))
    for index in range(len(messages)):
        assert receipts_of(answers[2 * index]) == receipts_of(answers[2 * index + 1])
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            counts = conn.execute(
                sa.select(sa.func.count())
                .select_from(documents)
                .where(documents.c.guid.in_([guid for guid, _ in messages]))
            ).scalar_one()
    finally:
        engine.dispose()
    assert counts == len(messages)


def _sample(exposition: str, name: str) -> float | None:
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_several_processes_need_kafka_and_postgresql(tmp_path: Path) -> None:
    done = subprocess.run(
        [CEBSIM, "serve", "--db", f"sqlite:///{tmp_path / 'c.db'}", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_env(),
        check=False,
    )
    assert done.returncode == 2
    assert "--workers above 1 needs --bus kafka and a PostgreSQL --db" in done.stderr


def test_two_processes_starting_the_same_new_counter_get_consecutive_numbers(postgres_url: str) -> None:
    """The first preNo of a day creates its counter row: the second process must wait for it and
    take the next number, not insert the row again (IntegrityError, a whole batch answered 503)."""
    engines = [open_store(postgres_url), open_store(postgres_url)]
    name = f"preNo:test-{new_guid()[:8]}"
    numbers: dict[str, int] = {}
    first_holds_it = threading.Event()

    def take(label: str, engine: sa.Engine, hold_s: float) -> None:
        with engine.begin() as conn:
            tx = IntakeTx(conn)
            numbers[label] = tx.next_number(name)
            first_holds_it.set()
            time.sleep(hold_s)  # the other process arrives while this one's row is not committed
            tx.save_numbers()

    first = threading.Thread(target=take, args=("first", engines[0], 0.5))
    first.start()
    assert first_holds_it.wait(10)
    take("second", engines[1], 0)
    first.join()
    for engine in engines:
        engine.dispose()
    assert numbers == {"first": 1, "second": 2}


def test_a_key_revoked_through_one_process_is_refused_by_the_other_within_seconds(
    tmp_path: Path, kafka_bootstrap: str, postgres_url: str
) -> None:
    """Both processes remember the key; one answers its DELETE; the other notices the registry's
    generation move (RegistryWatch) instead of serving the key for the rest of its 10 s."""
    enterprise = register_enterprise(postgres_url)
    extra = ("--bus", "kafka", "--kafka", kafka_bootstrap, "--workers", "2")

    def keys(api_key: str, method: str = "GET", path: str = "/api/keys") -> httpx.Response:
        headers = {"Authorization": f"Bearer {api_key}"}
        return httpx.request(method, f"{url}{path}", headers=headers, timeout=10)  # a new connection

    with serving(postgres_url, tmp_path / "serve.log", *extra) as (process, url):
        deadline = time.monotonic() + 20
        while _server_processes(process.pid) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [keys(enterprise.api_key).status_code for _ in range(12)] == [200] * 12  # both remember it
        fresh = keys(enterprise.api_key, "POST").json()["api_key"]
        (old_id,) = [
            k["id"] for k in keys(fresh).json()["keys"] if enterprise.api_key.startswith(k["prefix"])
        ]
        assert keys(fresh, "DELETE", f"/api/keys/{old_id}").status_code == 204
        revoked_at = time.monotonic()
        time.sleep(2.5)  # a watch reads the generation once a second
        answers = [keys(enterprise.api_key).status_code for _ in range(12)]
        waited = time.monotonic() - revoked_at
    assert answers == [401] * 12
    assert waited < 10  # inside the 10 s that the remembered answers would otherwise have lasted
