"""The clearance pipeline's invariants on the real broker and the real PostgreSQL."""

from __future__ import annotations

import pickle
import random
import time
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.harness.processes import stop
from declarations.domain.documents import InventoryList
from declarations.domain.review import ReviewState
from declarations.domain.tax import dutiable_values
from declarations.store.tables import stage_state
from gateway.settings import Settings
from tests.e2e.parcels import LIST, ORDER, PAYMENT, WAYBILL, guid_of, parcel, unique_buyer, unique_code
from tests.integration.pipeline_support import fresh_database, gateway, start_worker, worker
from tests.narrowing import of_type

pytestmark = pytest.mark.integration
TERMINAL = {"899", "100", "-621106", "-621005", "-621018"}
RANK = ["2", "120", "399", "300", "500", "800", "899"]


def kafka_settings(kafka: str, db: str, *, pipeline: bool) -> Settings:
    return Settings(bus="kafka", kafka=kafka, db=db, pipeline=pipeline, partitions=3)


def test_a_worker_killed_mid_stream_loses_nothing_counts_nothing_twice_and_repeats_no_terminal_receipt(
    kafka_bootstrap: str, postgres_url: str
) -> None:
    db = fresh_database(postgres_url)
    buyer = unique_buyer()
    with gateway(kafka_settings(kafka_bootstrap, db, pipeline=False)) as sender:
        parcels = [parcel(sender.code, buyer) for _ in range(24)]
        first = start_worker(kafka_bootstrap, db)
        try:
            for documents in parcels:
                for code in (ORDER, PAYMENT, WAYBILL, LIST):
                    sender.send(code, documents[code])
            time.sleep(1.5)  # let the worker get going, then kill it without warning
            first.kill()
            first.wait(timeout=10)
        finally:
            stop(first)
        lists = [guid_of(p[LIST]) for p in parcels]
        with worker(kafka_bootstrap, db):
            sender.wait_until(LIST, lists, {"899"})
        for guid in lists:
            statuses = [status for kind, status, _ in sender.trail(LIST, guid) if kind == "CEB622"]
            assert statuses == ["2", "120", "399", "800", "899"], guid
        expected = sum(
            (sum(dutiable_values(of_type(InventoryList, p[LIST])), Decimal(0)) for p in parcels), Decimal(0)
        )
        assert ledger_total(sender.engine, buyer) == expected


def ledger_total(engine: sa.Engine, buyer: str) -> Decimal:
    with engine.connect() as conn:
        blob = conn.execute(
            sa.select(stage_state.c.state).where(
                stage_state.c.stage == "review", stage_state.c.key == f"buyer:{buyer}"
            )
        ).scalar_one()
    state: ReviewState = pickle.loads(blob)  # noqa: S301 — the stage's own state
    return sum((entry.amount for entry in state.ledger.entries.values()), Decimal(0))


def test_the_embedded_and_the_kafka_modes_give_identical_receipts_for_the_same_traffic(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path
) -> None:
    enterprise = unique_code()
    trails = []
    for settings in (
        Settings(db=f"sqlite:///{tmp_path / 'embedded.db'}", pipeline=True),
        kafka_settings(kafka_bootstrap, fresh_database(postgres_url), pipeline=True),
    ):
        with gateway(settings, enterprise) as sender:
            rng = random.Random(20261111)
            buyer = "110101199001011234"
            parcels = [
                parcel(sender.code, buyer, rng=rng, amount_paid=Decimal("1") if n % 4 == 3 else None)
                for n in range(8)
            ]
            for documents in parcels:
                for code in (LIST, WAYBILL, ORDER, PAYMENT):
                    sender.send(code, documents[code])
            sender.wait_until(LIST, [guid_of(p[LIST]) for p in parcels], TERMINAL)
            time.sleep(0.5)
            trails.append(
                [
                    [(kind, status, info) for kind, status, info in sender.trail(code, guid_of(p[code]))]
                    for p in parcels
                    for code in (ORDER, PAYMENT, WAYBILL, LIST)
                ]
            )
    embedded, on_kafka = trails
    assert embedded == on_kafka
    assert any(status == "-621106" for trail in embedded for _, status, _ in trail)
