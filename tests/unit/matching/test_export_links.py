"""Export waybills wait under their own number until a list names them (`export_links`), and the
matching stage links them to the order through records it sends itself, in any arrival order."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from declarations.bus.port import BusRecord
from declarations.codec import build
from declarations.domain.export_links import NOTHING, Parked, expire, link, park
from declarations.domain.export_trade import ExportWaybill
from declarations.domain.matching import MatchDocument, order_key
from declarations.intake import facts
from declarations.stages.matching import ACCEPTED_TOPIC, MATCHED_TOPIC, MatchingLogic, bus_key
from declarations.stages.receipt_events import RECEIPTS_TOPIC, ReceiptEvent, parse_event
from declarations.store.stage_store import Output
from tests.narrowing import of_type
from tests.unit.codec.builders import NOW
from tests.unit.matching.export_builders import (
    make_collection,
    make_export_list,
    make_export_order,
    make_export_waybill,
)

WINDOW = timedelta(hours=1)


def test_a_waybill_nobody_named_waits_and_a_link_hands_it_over() -> None:
    first = make_export_waybill()
    modified = replace(first, app_type="2", app_time=NOW + timedelta(minutes=1), guid="B" * 36)
    state, forward = park(NOTHING, first, NOW, WINDOW)
    state, again = park(state, modified, NOW + timedelta(minutes=1), WINDOW)
    assert (forward, again) == ((), ())
    assert state.deadline == NOW + WINDOW  # from the first one
    linked, handed = link(state, "E:EXP1")
    assert handed == (first, modified)
    assert linked == Parked("E:EXP1")


def test_a_linked_waybill_goes_straight_on_and_never_times_out() -> None:
    linked, _ = link(NOTHING, "E:EXP1")
    waybill = make_export_waybill()
    assert park(linked, waybill, NOW, WINDOW) == (linked, (waybill,))
    assert expire(linked, NOW + 10 * WINDOW) == (linked, ())


def test_a_redelivered_waybill_waits_once() -> None:
    waybill = make_export_waybill()
    state, _ = park(NOTHING, waybill, NOW, WINDOW)
    assert park(state, waybill, NOW, WINDOW) == (state, ())


def test_an_unlinked_waybill_times_out_at_its_deadline_only() -> None:
    waybill = make_export_waybill()
    state, _ = park(NOTHING, waybill, NOW, WINDOW)
    assert expire(state, NOW + WINDOW - timedelta(seconds=1)) == (state, ())
    assert expire(state, NOW + WINDOW) == (None, (waybill,))


class _Stage:
    """The matching logic with states in a dict and its own records fed back, as the shell does."""

    def __init__(self) -> None:
        self.logic = MatchingLogic()
        self.states: dict[str, Any] = {}
        self.deadlines: dict[str, Any] = {}
        self.outputs: list[Output] = []
        self.offset = 0

    def send(self, message_type: str, document: MatchDocument) -> None:
        self._deliver(ACCEPTED_TOPIC, facts(message_type, document).routing_key.encode(),
                      build(message_type, [document]), ())  # fmt: skip

    def tick(self, now: Any) -> None:
        for key, deadline in list(self.deadlines.items()):
            if deadline is not None and deadline <= now:
                step = self.logic.tick(key, self.states[key], now)
                self._keep(key, step.state, step.deadline, step.outputs)

    def _deliver(self, topic: str, key: bytes, value: bytes, headers: Any) -> None:
        self.offset += 1
        record = BusRecord(topic, 0, self.offset, key, value, tuple(headers))
        state_key = self.logic.key(record)
        step = self.logic.apply(self.states.get(state_key), record, NOW)
        self._keep(state_key, step.state, step.deadline, step.outputs)

    def _keep(self, key: str, state: Any, deadline: Any, outputs: tuple[Output, ...]) -> None:
        self.states[key], self.deadlines[key] = state, deadline
        for output in outputs:
            if output.topic == ACCEPTED_TOPIC:
                self._deliver(output.topic, output.key, output.value, output.headers)
            else:
                self.outputs.append(output)

    def receipts(self) -> list[tuple[str, str]]:
        events = [
            of_type(ReceiptEvent, parse_event(o.value)) for o in self.outputs if o.topic == RECEIPTS_TOPIC
        ]
        return sorted((e.document_type, e.status) for e in events)


EXPORT_SET: dict[str, MatchDocument] = {
    "CEB303": make_export_order(),
    "CEB403": make_collection(),
    "CEB505": make_export_waybill(),
    "CEB603": make_export_list(),
}


@pytest.mark.parametrize("arrival", list(itertools.permutations(EXPORT_SET)))
def test_an_export_set_matches_through_the_stage_in_every_arrival_order(arrival: tuple[str, ...]) -> None:
    stage = _Stage()
    for message_type in arrival:
        stage.send(message_type, EXPORT_SET[message_type])
    assert [o.topic for o in stage.outputs].count(MATCHED_TOPIC) == 1
    # the list's own 120 comes from review, which takes the matched list
    assert stage.receipts() == [("CEB303", "120"), ("CEB403", "120"), ("CEB505", "120")]


def test_a_waybill_no_list_names_is_answered_as_incomplete_after_the_window() -> None:
    stage = _Stage()
    stage.send("CEB505", make_export_waybill())
    stage.tick(NOW + timedelta(hours=23))
    assert stage.receipts() == []
    stage.tick(NOW + timedelta(hours=25))
    (event,) = [of_type(ReceiptEvent, parse_event(o.value)) for o in stage.outputs]
    assert (event.document_type, event.status) == ("CEB505", "100")
    assert event.info.startswith("三单不齐：缺少")


def test_a_waybill_modified_after_linking_reaches_the_order() -> None:
    stage = _Stage()
    for message_type in ("CEB603", "CEB505"):
        stage.send(message_type, EXPORT_SET[message_type])
    waybill = EXPORT_SET["CEB505"]
    assert isinstance(waybill, ExportWaybill)
    later = replace(waybill, app_type="2", app_time=NOW + timedelta(minutes=5), guid="C" * 36)
    stage.send("CEB505", later)
    (state,) = [s for k, s in stage.states.items() if k.startswith("E:")]
    assert state.documents[2] == later


@pytest.mark.parametrize("message_type", sorted(EXPORT_SET))
def test_records_the_stage_sends_itself_are_keyed_like_the_acceptor_keys_documents(message_type: str) -> None:
    document = EXPORT_SET[message_type]
    assert bus_key(order_key(document)) == facts(message_type, document).routing_key.encode()
