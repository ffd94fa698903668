"""The real broker and the real databases answer: one round trip each."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient

pytestmark = pytest.mark.integration


def test_a_record_produced_with_acks_all_is_consumed_back_from_the_real_broker(
    kafka_bootstrap: str, unique_topic: str
) -> None:
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics(
            {unique_topic: {"num_partitions": 2, "replication_factor": 1}}, wait_for_metadata=True
        )
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    payload = f"<CEB311Message guid='{uuid.uuid4()}'/>".encode()
    metadata = producer.send(unique_topic, key=b"ORDER-1", value=payload).get(timeout=30)
    producer.close()
    assert metadata.topic == unique_topic

    consumer = KafkaConsumer(
        unique_topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20_000,
    )
    try:
        received = next(iter(consumer))
    finally:
        consumer.close()
    assert (received.key, received.value) == (b"ORDER-1", payload)
    assert received.partition == metadata.partition


def round_trip(engine: sa.Engine) -> list[tuple[str, str]]:
    metadata = sa.MetaData()
    table = sa.Table(
        f"round_trip_{uuid.uuid4().hex[:8]}",
        metadata,
        sa.Column("guid", sa.String(36), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(
                table.insert(), [{"guid": "A" * 36, "body": "订单 1"}, {"guid": "B" * 36, "body": "清单"}]
            )
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.guid, table.c.body).order_by(table.c.guid)).all()
    finally:
        metadata.drop_all(engine)
    return [(row.guid, row.body) for row in rows]


def test_sqlalchemy_writes_and_reads_back_on_the_real_postgresql(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        assert engine.dialect.name == "postgresql"
        assert round_trip(engine) == [("A" * 36, "订单 1"), ("B" * 36, "清单")]
    finally:
        engine.dispose()


def test_sqlalchemy_writes_and_reads_back_on_a_sqlite_file(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cebsim.db'}")
    try:
        assert round_trip(engine) == [("A" * 36, "订单 1"), ("B" * 36, "清单")]
    finally:
        engine.dispose()
