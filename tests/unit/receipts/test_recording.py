"""Recording receipts: once per recipient, idempotent, and the document's status only moves forward."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from declarations.codec import parse_message
from declarations.domain.customs_documents import Receipt
from declarations.errors import RequestError
from declarations.store.migrate import open_store
from declarations.store.receipts import ReceiptStore, RecordedReceipt
from declarations.store.tables import documents, receipts
from tests.unit.receipts.builders import NOW, add_document, later, order_receipt, recorded, tax_bill

SHOP, AGENT, OTHER = "3301960001", "3301980002", "1105910159"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")
    yield engine
    engine.dispose()


def rows(engine: sa.Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(receipts).order_by(receipts.c.id)))


def status_of(engine: sa.Engine, document_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.select(documents.c.status).where(documents.c.id == document_id)).scalar())


def test_recording_the_same_receipt_twice_stores_one_row(engine: sa.Engine) -> None:
    document = add_document(engine, sender=SHOP)
    first = ReceiptStore().record(engine, [recorded(document, "120")])
    again = ReceiptStore().record(engine, [recorded(document, "120", at=later(5))])
    assert len(first.inserted) == 1
    assert (again.inserted, again.duplicates) == ([], 1)
    assert [row.return_status for row in rows(engine)] == ["120"]


def test_a_receipt_for_several_enterprises_is_stored_once_for_each(engine: sa.Engine) -> None:
    document = add_document(engine, sender=AGENT, parties=[SHOP])
    result = ReceiptStore().record(engine, [recorded(document, "120", AGENT, SHOP, AGENT)])
    assert len(result.inserted) == 2
    assert sorted(str(row.enterprise_code) for row in rows(engine)) == [SHOP, AGENT]


def test_without_recipients_the_receipt_goes_to_the_sender(engine: sa.Engine) -> None:
    document = add_document(engine, sender=AGENT, parties=[SHOP])
    ReceiptStore().record(engine, [recorded(document, "120")])
    assert [row.enterprise_code for row in rows(engine)] == [AGENT]


def test_the_document_status_moves_forward_and_a_late_120_after_399_is_dropped(engine: sa.Engine) -> None:
    document = add_document(engine, sender=SHOP, message_type="CEB621")
    store = ReceiptStore()
    list_receipt = RecordedReceipt(
        "CEB622", order_receipt("399"), document_id=document, body=b"<CEB622Message/>"
    )
    store.record(engine, [list_receipt])
    stale = store.record(
        engine, [RecordedReceipt("CEB622", order_receipt("120"), document_id=document, body=b"<x/>")]
    )
    assert status_of(engine, document) == "399"
    assert stale.stale == 1
    assert [row.return_status for row in rows(engine)] == ["399"]


def test_one_batch_is_judged_in_order_and_stored_in_order(engine: sa.Engine) -> None:
    first = add_document(engine, sender=SHOP, message_type="CEB621")
    second = add_document(engine, sender=SHOP, message_type="CEB621")

    def item(document: int, status: str) -> RecordedReceipt:
        return RecordedReceipt("CEB622", order_receipt(status), document_id=document, body=status.encode())

    batch = [item(first, "120"), item(second, "120"), item(first, "399"), item(first, "120"),
             item(first, "399"), item(first, "800")]  # fmt: skip
    result = ReceiptStore().record(engine, batch)
    assert (len(result.inserted), result.stale, result.duplicates) == (4, 1, 1)
    stored = rows(engine)
    assert [row.id for row in stored] == result.inserted
    assert [(row.document_id, row.return_status) for row in stored] == [
        (first, "120"), (second, "120"), (first, "399"), (first, "800")
    ]  # fmt: skip
    assert (status_of(engine, first), status_of(engine, second)) == ("800", "120")


def test_a_refused_document_stays_refused(engine: sa.Engine) -> None:
    document = add_document(engine, sender=SHOP)
    ReceiptStore().record(engine, [recorded(document, "-301010"), recorded(document, "120")])
    assert status_of(engine, document) == "-301010"
    assert [row.return_status for row in rows(engine)] == ["-301010"]


def test_a_tax_bill_joins_the_trail_without_moving_the_clearance_status(engine: sa.Engine) -> None:
    document = add_document(engine, sender=AGENT, message_type="CEB621", status="800")
    ReceiptStore().record(engine, [RecordedReceipt("CEB816", tax_bill("1"), document_id=document)])
    (row,) = rows(engine)
    assert (row.message_type, row.return_status, status_of(engine, document)) == ("CEB816", "1", "800")
    assert parse_message(row.body).message_type == "CEB816"


def test_the_receipt_body_is_built_with_the_codec_and_echoes_the_status(engine: sa.Engine) -> None:
    document = add_document(engine, sender=SHOP)
    ReceiptStore().record(engine, [recorded(document, "120")])
    (row,) = rows(engine)
    message = parse_message(row.body)
    (receipt,) = message.documents
    assert isinstance(receipt, Receipt)
    assert (message.message_type, receipt.return_status) == ("CEB312", "120")


def test_a_document_is_found_by_its_guid_or_its_business_key(engine: sa.Engine) -> None:
    add_document(engine, sender=SHOP, business_key=f"{SHOP}|o1", guid="G1" + "0" * 34)
    current = add_document(engine, sender=SHOP, business_key=f"{SHOP}|o1", guid="G2" + "0" * 34, version=2)
    store = ReceiptStore()
    by_guid = RecordedReceipt(
        "CEB312", order_receipt("120"), document_type="CEB311", document_guid="G2" + "0" * 34
    )
    by_key = RecordedReceipt(
        "CEB312", order_receipt("399"), document_type="CEB311", business_key=f"{SHOP}|o1"
    )
    store.record(engine, [by_guid, by_key])
    assert {row.document_id for row in rows(engine)} == {current}
    assert status_of(engine, current) == "399"


def test_an_unknown_document_or_a_naive_time_is_refused_and_nothing_is_stored(engine: sa.Engine) -> None:
    document = add_document(engine, sender=SHOP)
    store = ReceiptStore()
    with pytest.raises(RequestError) as unknown:
        store.record(engine, [recorded(document, "120"), recorded(document + 99, "120")])
    assert unknown.value.rule == "receipt-document-unknown"
    naive = RecordedReceipt("CEB312", order_receipt("120", at=NOW.replace(tzinfo=None)), document_id=document)
    with pytest.raises(RequestError) as bad_time:
        store.record(engine, [naive])
    assert bad_time.value.rule == "receipt-time"
    assert rows(engine) == []


def test_recording_in_the_callers_transaction_rolls_back_with_it(engine: sa.Engine) -> None:
    document = add_document(engine, sender=SHOP)

    def failing_stage() -> None:
        with engine.begin() as conn:
            ReceiptStore().record(conn, [recorded(document, "120")])
            raise RuntimeError("the stage failed after recording")

    with pytest.raises(RuntimeError):
        failing_stage()
    assert rows(engine) == []
    assert status_of(engine, document) == "2"
