"""How matching hands a matched list to review: as the bytes the list arrived in when it completed
the set (review then reuses matching's parse, `parse_recent`), built from the record otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from declarations.bus.port import BusRecord
from declarations.codec import DecodeError, build, parse_message, parse_recent, reader
from declarations.codec.xml_input import parse_bytes
from declarations.domain.matching import MatchDocument
from declarations.intake import facts
from declarations.stages.matching import ACCEPTED_TOPIC, MATCHED_TOPIC, MatchingLogic
from declarations.store.stage_store import Output
from tests.unit.codec.builders import NOW, make_base_transfer
from tests.unit.matching.sets import import_set

TYPES = ("CEB311", "CEB411", "CEB511", "CEB621")


def _arrive(arrival: tuple[int, ...]) -> tuple[list[Output], dict[str, bytes]]:
    """Deliver the import set in `arrival` order; the outputs and the bytes each document came in."""
    logic, states, outputs, sent = MatchingLogic(), dict[str, Any](), list[Output](), dict[str, bytes]()
    documents: tuple[MatchDocument, ...] = import_set()
    for offset, index in enumerate(arrival):
        message_type, document = TYPES[index], documents[index]
        value = build(message_type, [document], base_transfer=make_base_transfer())
        sent[message_type] = value
        key = facts(message_type, document).routing_key.encode()
        record = BusRecord(ACCEPTED_TOPIC, 0, offset, key, value, ())
        state_key = logic.key(record)
        step = logic.apply(states.get(state_key), record, NOW)
        states[state_key] = step.state
        outputs.extend(step.outputs)
    return outputs, sent


def test_a_list_that_completes_the_set_goes_to_review_in_the_bytes_it_came_in() -> None:
    outputs, sent = _arrive((0, 1, 2, 3))
    (matched,) = [o for o in outputs if o.topic == MATCHED_TOPIC]
    assert matched.value == sent["CEB621"]
    assert parse_recent(matched.value) is parse_recent(sent["CEB621"])  # review's parse is matching's


def test_a_list_that_waited_for_the_order_goes_to_review_built_from_its_record() -> None:
    outputs, sent = _arrive((3, 1, 2, 0))
    (matched,) = [o for o in outputs if o.topic == MATCHED_TOPIC]
    assert matched.value != sent["CEB621"]
    (listed,) = parse_message(matched.value).documents
    assert listed == parse_message(sent["CEB621"]).documents[0]


def test_equal_bytes_share_one_parse_and_a_bad_message_fails_every_time() -> None:
    data = build("CEB621", [import_set()[3]])
    assert parse_recent(bytes(data)) is parse_recent(bytes(bytearray(data)))  # equal, not identical
    for _ in range(2):
        with pytest.raises(DecodeError):
            parse_recent(b"<not-ceb/>")


def test_matching_parses_a_record_once_for_its_key_and_its_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shell asks for every record's key, then applies each: one parse serves both."""
    parses: list[bytes] = []

    def counted(source: bytes) -> object:
        parses.append(source)
        return reader.read_message(parse_bytes(source))

    monkeypatch.setattr(reader, "parse_message", counted)
    reader.parse_recent.cache_clear()
    document = import_set()[0]
    value = build("CEB311", [document], base_transfer=make_base_transfer())
    record = BusRecord(ACCEPTED_TOPIC, 0, 1, facts("CEB311", document).routing_key.encode(), value, ())
    logic = MatchingLogic()
    logic.key(record)
    logic.apply(None, record, NOW)
    assert parses == [value]
