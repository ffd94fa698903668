"""The recorder stage: a batch is recorded in one transaction, and a bad event is dead-lettered alone."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from declarations.bus.memory import MemoryBus
from declarations.clock import SystemClock
from declarations.codec import build
from declarations.stages import recorder as recorder_module
from declarations.stages.receipt_events import (
    RECEIPTS_TOPIC,
    MessageEvent,
    ReceiptEvent,
    message_output,
    receipt_output,
)
from declarations.stages.recorder import Recorder
from declarations.stages.shell import DEAD_LETTER_TOPIC, stage_group
from declarations.store.migrate import open_store
from declarations.store.receipt_rows import receipt_values
from declarations.store.tables import documents, receipts
from tests.unit.codec.builders import make_inventory_head, make_inventory_list, make_tax_bill
from tests.unit.receipts.builders import NOW, add_document, order_receipt


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'cebsim.db'}")
    yield engine
    engine.dispose()


def _publish(bus: MemoryBus, guid: str, status: str) -> None:
    xml = build("CEB312", [order_receipt(status, guid=guid)])
    output = message_output(MessageEvent("CEB311", guid, "CEB312", xml))
    bus.publish(output.topic, output.key, output.value, output.headers)


def _stored(engine: sa.Engine, count: int) -> list[str]:
    """The guids of `count` new stored documents."""
    guids = [str(uuid.uuid4()).upper() for _ in range(count)]
    for guid in guids:
        add_document(engine, guid=guid)
    return guids


def _recorded(engine: sa.Engine) -> list[tuple[str, str]]:
    query = sa.select(receipts.c.document_guid, receipts.c.return_status).order_by(receipts.c.id)
    with engine.connect() as conn:
        return [(row.document_guid, row.return_status) for row in conn.execute(query)]


@pytest.fixture
def recorder(engine: sa.Engine) -> Iterator[tuple[Recorder, MemoryBus]]:
    """A recorder that does not wait for unknown documents (grace 0): they are dead-lettered at once."""
    bus = MemoryBus(default_partitions=1)
    stage = Recorder(engine, bus, SystemClock(), partitions=1, grace_s=0)
    stage.start()
    yield stage, bus
    stage.close()


def test_a_receipt_that_outruns_its_documents_commit_is_recorded_once_the_document_is_stored(
    engine: sa.Engine,
) -> None:
    """On Kafka the gateway publishes before it commits: the pipeline can answer a document first."""
    bus = MemoryBus(default_partitions=1)
    stage = Recorder(engine, bus, SystemClock(), partitions=1, grace_s=60)
    stage.start()
    try:
        known, late = (str(uuid.uuid4()).upper() for _ in range(2))
        add_document(engine, guid=known)
        _publish(bus, known, "120")
        _publish(bus, late, "120")
        dead = bus.consumer("test.dead", (DEAD_LETTER_TOPIC,))
        assert stage.run_once() == 0  # waits: nothing recorded, nothing dead-lettered
        assert stage.run_once() == 0
        assert _recorded(engine) == []
        add_document(engine, guid=late)  # the acceptance commits
        assert stage.run_once() == 2
        assert _recorded(engine) == [(known, "120"), (late, "120")]
        assert dead.poll(timeout_s=0.2) == []
    finally:
        stage.close()


def test_a_batch_of_events_is_recorded_in_order(
    engine: sa.Engine, recorder: tuple[Recorder, MemoryBus]
) -> None:
    stage, bus = recorder
    guids = _stored(engine, 3)
    for status in ("120", "399"):
        for guid in guids:
            _publish(bus, guid, status)

    assert stage.run_once() == 6
    assert _recorded(engine) == [(g, s) for s in ("120", "399") for g in guids]


def test_the_invt_nos_a_batch_gives_its_lists_are_stored_in_one_statement(
    engine: sa.Engine, recorder: tuple[Recorder, MemoryBus]
) -> None:
    stage, bus = recorder
    guids = [str(uuid.uuid4()).upper() for _ in range(3)]
    for number, guid in enumerate(guids):
        inventory = make_inventory_list(head=make_inventory_head(guid=guid, order_no=f"order{number}"))
        add_document(engine, message_type="CEB621", guid=guid, body=build("CEB621", [inventory]))
        for status in ("399", "800"):
            output = receipt_output(
                ReceiptEvent("CEB621", guid, status, "", NOW, f"51412026I00000000{number}")
            )
            bus.publish(output.topic, output.key, output.value, output.headers)
    updates: list[str] = []

    def count_updates(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("UPDATE documents SET invt_no"):
            updates.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count_updates)
    try:
        assert stage.run_once() == 6
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_updates)

    assert len(updates) == 1
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(documents.c.guid, documents.c.invt_no)).all())
    assert [stored[guid] for guid in guids] == [f"51412026I00000000{n}" for n in range(3)]
    assert _recorded(engine) == [(g, s) for g in guids for s in ("399", "800")]


def test_a_tax_bill_sent_with_its_values_is_recorded_without_parsing_it_again(
    engine: sa.Engine, recorder: tuple[Recorder, MemoryBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    stage, bus = recorder
    (guid,) = _stored(engine, 1)
    bill = make_tax_bill()
    xml = build("CEB816", [bill])
    event = MessageEvent("CEB311", guid, "CEB816", xml, receipt_values(bill))
    output = message_output(event)
    bus.publish(output.topic, output.key, output.value, output.headers)

    def no_parse(data: bytes) -> None:
        raise AssertionError("the tax bill was parsed again")

    monkeypatch.setattr(recorder_module, "parse_message", no_parse)
    assert stage.run_once() == 1

    query = sa.select(
        receipts.c.message_type, receipts.c.return_status, receipts.c.return_info, receipts.c.body
    )
    with engine.connect() as conn:
        row = conn.execute(query).one()
    _, status, _, info = receipt_values(bill)
    assert (row.message_type, row.return_status, row.return_info, bytes(row.body)) == (
        "CEB816",
        status,
        info,
        xml,
    )


def test_an_event_for_an_unknown_document_is_dead_lettered_and_the_rest_is_recorded(
    engine: sa.Engine, recorder: tuple[Recorder, MemoryBus]
) -> None:
    stage, bus = recorder
    first, last, unknown = (str(uuid.uuid4()).upper() for _ in range(3))
    add_document(engine, guid=first)
    add_document(engine, guid=last)
    _publish(bus, first, "120")
    _publish(bus, unknown, "120")
    _publish(bus, last, "120")
    dead = bus.consumer("test.dead", (DEAD_LETTER_TOPIC,))

    assert stage.run_once() == 3

    assert _recorded(engine) == [(first, "120"), (last, "120")]
    letters = dead.poll(timeout_s=0.5)
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert headers["dead_letter_stage"] == b"recorder"
    assert unknown.encode() in headers["dead_letter_reason"]


def test_a_dead_letter_keeps_the_whole_reason_but_the_log_line_no_document_value(
    engine: sa.Engine, recorder: tuple[Recorder, MemoryBus], caplog: pytest.LogCaptureFixture
) -> None:
    stage, bus = recorder
    guid = str(uuid.uuid4()).upper()
    add_document(engine, guid=guid)
    xml = build("CEB312", [order_receipt("120", guid=guid)])
    broken = re.sub(rb"<returnTime>\d+<", b"<returnTime>TIME-SECRET-42<", xml)
    assert broken != xml
    output = message_output(MessageEvent("CEB311", guid, "CEB312", broken))
    bus.publish(output.topic, output.key, output.value, output.headers)
    dead = bus.consumer("test.dead", (DEAD_LETTER_TOPIC,))

    with caplog.at_level(logging.INFO):
        assert stage.run_once() == 1

    (letter,) = dead.poll(timeout_s=0.5)
    assert b"TIME-SECRET-42" in dict(letter.headers)["dead_letter_reason"]
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("declarations")]
    assert any("dead-lettered: DecodeError decode /CEB312Message" in line for line in logged), logged
    assert not any("TIME-SECRET-42" in line for line in logged)


def test_the_recorder_commits_at_most_once_a_second_and_when_idle(
    engine: sa.Engine, recorder: tuple[Recorder, MemoryBus]
) -> None:
    stage, bus = recorder
    guids = _stored(engine, 2)
    group = {stage_group("recorder"): (RECEIPTS_TOPIC,)}
    _publish(bus, guids[0], "120")
    assert stage.run_once() == 1  # the first batch commits
    assert bus.lag(group) == {(stage_group("recorder"), RECEIPTS_TOPIC): 0}
    _publish(bus, guids[1], "120")
    assert stage.run_once() == 1  # recorded within the second: not committed yet
    assert bus.lag(group) == {(stage_group("recorder"), RECEIPTS_TOPIC): 1}
    assert stage.run_once(timeout_s=0.05) == 0  # an empty poll commits
    assert bus.lag(group) == {(stage_group("recorder"), RECEIPTS_TOPIC): 0}
    assert _recorded(engine) == [(guids[0], "120"), (guids[1], "120")]
