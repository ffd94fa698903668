"""The store's migrations and the enterprise registry on the real PostgreSQL."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from declarations.errors import ConflictError, RequestError
from declarations.identity import Enterprise, Role
from declarations.store.api_keys import MAX_KEYS, hash_key
from declarations.store.certificates import MAX_CERTIFICATES
from declarations.store.engine import PING_AFTER_IDLE_S, create_engine
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import MIGRATIONS, open_store
from declarations.store.stage_store import StageStore
from declarations.store.tables import api_keys, certificates, enterprises, webhooks
from declarations.store.webhooks import MAX_WEBHOOKS
from tests.integration.pipeline_support import fresh_database

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


def test_one_live_webhook_per_url_on_postgresql_and_a_removed_url_registers_again(postgres_url: str) -> None:
    """The partial unique index (removed_at IS NULL) as PostgreSQL enforces it."""
    engine = open_store(postgres_url)
    try:
        code, now = uuid.uuid4().hex[:10], datetime.now(UTC)
        registry = EnterpriseRegistry(engine)
        registry.add(Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}"), now)
        first = registry.add_webhook(code, "https://erp.example.com/hook", now)
        with pytest.raises(ConflictError):
            registry.add_webhook(code, "https://erp.example.com/hook", now)
        with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):  # the index itself, past the check
            conn.execute(
                webhooks.insert().values(enterprise_code=code, url=first.url, secret="s", created_at=now)
            )
        assert registry.remove_webhook(code, first.id, now)
        second = registry.add_webhook(code, "https://erp.example.com/hook", now)
        assert [hook.id for hook in registry.webhooks(code)] == [second.id]
    finally:
        engine.dispose()


def test_webhook_registrations_of_one_enterprise_take_turns_so_the_limit_holds(postgres_url: str) -> None:
    """A registration waits while another transaction of the enterprise holds its row, then counts
    what that one added: without the lock both would see 9 webhooks and store an 11th."""
    engine = open_store(postgres_url)
    try:
        code, now = uuid.uuid4().hex[:10], datetime.now(UTC)
        registry = EnterpriseRegistry(engine)
        registry.add(Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}"), now)
        for n in range(MAX_WEBHOOKS - 1):
            registry.add_webhook(code, f"https://erp.example.com/{n}", now)
        outcome: list[BaseException | None] = []
        with engine.begin() as holder:
            holder.execute(sa.select(enterprises.c.code).where(enterprises.c.code == code).with_for_update())
            racer = threading.Thread(
                target=lambda: outcome.append(_refusal(registry, code, "https://erp.example.com/late", now))
            )
            racer.start()
            racer.join(timeout=0.5)
            assert racer.is_alive()  # waiting for the enterprise's row
            holder.execute(webhooks.insert().values(enterprise_code=code, url="https://erp.example.com/first",
                                                    secret="s", created_at=now))  # fmt: skip
        racer.join(timeout=10)
        (refused,) = outcome
        assert isinstance(refused, ConflictError)
        assert refused.rule == "webhook-limit"
        assert len(registry.webhooks(code)) == MAX_WEBHOOKS
    finally:
        engine.dispose()


def _refusal(registry: EnterpriseRegistry, code: str, url: str, now: datetime) -> BaseException | None:
    try:
        registry.add_webhook(code, url, now)
    except ConflictError as exc:
        return exc
    return None


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


def test_a_pooled_connection_killed_while_idle_is_replaced_before_anyone_uses_it(postgres_url: str) -> None:
    """What a database restart does to the pool: its connections die while idle. The next
    checkout pings the idle one, finds it gone and hands out a fresh one; nobody sees an error."""
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            killed = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        other = create_engine(postgres_url)
        with other.connect() as admin:
            assert admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": killed}).scalar_one()
        other.dispose()
        time.sleep(PING_AFTER_IDLE_S + 0.1)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != killed
    finally:
        engine.dispose()


def test_a_connection_back_in_the_pool_for_less_than_a_second_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(postgres_url)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pings.append)
    try:
        for _ in range(5):
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        assert pings == []  # the hot path: a round trip saved per transaction
        time.sleep(PING_AFTER_IDLE_S + 0.1)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_statements_reach_postgresql_with_dollar_placeholders_that_psycopg_does_not_rewrite(
    postgres_url: str,
) -> None:
    """SQLAlchemy renders $n itself and psycopg's RawCursor passes the SQL on untouched: a percent
    sign in the SQL or in a value is just a character, and many rows in one INSERT round-trip."""
    engine = create_engine(postgres_url)
    try:
        assert engine.dialect.paramstyle == "numeric_dollar"
        scratch = sa.table("percent_scratch", sa.column("n", sa.Integer), sa.column("note", sa.Text))
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE TEMPORARY TABLE percent_scratch (n integer, note text)"))
            rows = [{"n": n, "note": f"{n}% %(n)s %s $1"} for n in range(300)]  # 600 parameters
            conn.execute(sa.insert(scratch), rows)
            like = scratch.c.note.like("%\\% \\%(n)s%", escape="\\")
            query = sa.select(scratch.c.n, scratch.c.note).where(like).order_by(scratch.c.n)
            found = conn.execute(query).all()
            assert [(row.n, row.note) for row in found] == [(row["n"], row["note"]) for row in rows]
            assert conn.execute(sa.text("SELECT '100%' || :tail"), {"tail": " %s"}).scalar_one() == "100% %s"
    finally:
        engine.dispose()


def test_processes_starting_together_on_a_fresh_database_all_open_it(postgres_url: str) -> None:
    """`docker compose up` starts the gateway and its workers at once on an empty database: each
    migrates it, one after another, and none fails on a table or type another just created."""
    url = fresh_database(postgres_url)
    opening = f"from declarations.store.migrate import MIGRATIONS, open_store; open_store({url!r}).dispose()"
    processes = [subprocess.Popen([sys.executable, "-c", opening], stderr=subprocess.PIPE) for _ in range(4)]
    errors = [process.communicate(timeout=60)[1].decode() for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, errors
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
    engine.dispose()


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _race_past_the_limit(
    engine: sa.Engine, code: str, attempt: Callable[[], object], last: sa.Insert
) -> BaseException | None:
    """`attempt` (one more past the limit) runs while another transaction holds `code`'s row and
    inserts `last`, the one that reaches the limit: the attempt must wait, then count it."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            attempt()
            outcome.append(None)
        except ConflictError as exc:
            outcome.append(exc)

    with engine.begin() as holder:
        holder.execute(sa.select(enterprises.c.code).where(enterprises.c.code == code).with_for_update())
        racer = threading.Thread(target=run)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # waiting for the enterprise's row
        holder.execute(last)
    racer.join(timeout=10)
    (result,) = outcome
    return result


def test_keys_issued_by_one_enterprise_at_once_take_turns_so_the_limit_holds(postgres_url: str) -> None:
    """As for webhooks: an issue waits while another transaction holds the enterprise's row, then
    counts the key that one added, and refuses the eleventh."""
    engine = open_store(postgres_url)
    try:
        code, now = uuid.uuid4().hex[:10], datetime.now(UTC)
        registry = EnterpriseRegistry(engine)
        registry.add(Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}"), now)
        for _ in range(MAX_KEYS - 2):
            registry.new_key(code, now)  # with the first one: 9 live keys
        last = api_keys.insert().values(
            enterprise_code=code, key_hash=hash_key(code), prefix="x", created_at=now
        )
        refused = _race_past_the_limit(engine, code, lambda: registry.issue_key(code, now), last)
        assert isinstance(refused, ConflictError)
        assert refused.rule == "key-limit"
        assert len(registry.keys(code)) == MAX_KEYS
    finally:
        engine.dispose()


def test_certificates_registered_by_one_enterprise_at_once_take_turns_so_the_limit_holds(
    postgres_url: str,
) -> None:
    """The same for POST /api/certificates: the tenth certificate, added while a registration
    waits for the enterprise's row, is counted, and the waiting one is refused."""
    engine = open_store(postgres_url)
    try:
        code, now = uuid.uuid4().hex[:10], datetime.now(UTC)
        registry = EnterpriseRegistry(engine)
        registry.add(Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}"), now)
        for n in range(MAX_CERTIFICATES - 1):
            registry.add_certificate(code, f"{code}-{n}".encode(), str(n), now)
        last = certificates.insert().values(
            fingerprint=f"{code}-last", enterprise_code=code, serial="l", der=b"l", created_at=now
        )
        racer = f"{code}-racer".encode()
        refused = _race_past_the_limit(
            engine,
            code,
            lambda: registry.add_certificate(code, racer, "r", now, limit=MAX_CERTIFICATES),
            last,
        )
        assert isinstance(refused, ConflictError)
        assert refused.rule == "certificate-limit"
        assert len(registry.certificates(code)) == MAX_CERTIFICATES
    finally:
        engine.dispose()


def _raced(engine: sa.Engine, first: sa.Insert, attempt: Callable[[], object]) -> object:
    """`attempt` runs while another transaction has inserted `first` but not committed: it checks,
    finds nothing, and its own insert waits on the unique key; then the other one commits. What
    the attempt returns or raises."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(attempt())
        except Exception as exc:
            outcome.append(exc)

    with engine.begin() as holder:
        holder.execute(first)
        racer = threading.Thread(target=run)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # waiting on the unique key
    racer.join(timeout=10)
    (result,) = outcome
    return result


def test_a_certificate_registered_by_two_enterprises_at_once_is_refused_to_the_second(
    postgres_url: str,
) -> None:
    """The second one's check ran before the first committed: it was the database's unique
    violation (a 500 from POST /api/certificates); it is the registry's certificate-owner."""
    engine = open_store(postgres_url)
    try:
        now, registry = datetime.now(UTC), EnterpriseRegistry(engine)
        first, second = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
        for code in (first, second):
            registry.add(Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}"), now)
        der = f"{first}-shared".encode()
        fingerprint = hashlib.sha256(der).hexdigest()
        holder = certificates.insert().values(
            fingerprint=fingerprint, enterprise_code=first, serial="1", der=der, created_at=now
        )
        refused = _raced(engine, holder, lambda: registry.add_certificate(second, der, "1", now, limit=10))
        assert isinstance(refused, ConflictError), refused
        assert refused.rule == "certificate-owner"
        own = b"own" + der
        own_fingerprint = hashlib.sha256(own).hexdigest()
        mine = certificates.insert().values(
            fingerprint=own_fingerprint, enterprise_code=first, serial="2", der=own, created_at=now
        )
        again = _raced(engine, mine, lambda: registry.add_certificate(first, own, "2", now))
        assert again == own_fingerprint  # the same answer as a second call
    finally:
        engine.dispose()


def test_an_enterprise_registered_twice_at_once_is_refused_to_the_second_naming_the_rule(
    postgres_url: str,
) -> None:
    engine = open_store(postgres_url)
    try:
        now, code = datetime.now(UTC), uuid.uuid4().hex[:10]
        enterprise = Enterprise(code, "上海某平台", frozenset({Role.PLATFORM}), f"DXPENT{code}")
        holder = enterprises.insert().values(
            code=code, name="上海某平台", dxp_id=f"DXPENT{code}", roles="platform", created_at=now
        )
        refused = _raced(engine, holder, lambda: EnterpriseRegistry(engine).add(enterprise, now))
        assert isinstance(refused, RequestError), refused
        assert refused.rule == "enterprise-unique"
    finally:
        engine.dispose()
