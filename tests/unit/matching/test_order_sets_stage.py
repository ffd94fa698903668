"""The matching stage with two platforms under one orderNo: each answer goes to its own platform's
document, import and export (whose waybill the stage forwards to the order's state), and the
states survive the store's pickling."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_message
from declarations.domain.export_lists import ExportList
from declarations.domain.export_trade import Collection, ExportOrder, ExportWaybill
from declarations.domain.matching import EMPTY, MatchDocument, header
from declarations.domain.order_sets import OrderSets
from declarations.intake import facts
from declarations.stages.matching import ACCEPTED_TOPIC, MATCHED_TOPIC, MESSAGE_TYPES, MatchingLogic
from declarations.stages.receipt_events import RECEIPTS_TOPIC
from declarations.store.stage_store import Output
from tests.unit.codec.builders import NOW
from tests.unit.matching.export_builders import (
    make_collection,
    make_export_list,
    make_export_list_head,
    make_export_order,
    make_export_waybill,
)
from tests.unit.matching.sets import PLATFORM_B, A, B

LATER = NOW + timedelta(minutes=5)


class _Stage:
    """The matching logic with pickled states in a dict and its own records fed back, as the shell does."""

    def __init__(self) -> None:
        self.logic = MatchingLogic()
        self.states: dict[str, Any] = {}
        self.outputs: list[Output] = []
        self.offset = 0

    def send(self, document: MatchDocument) -> None:
        message_type = MESSAGE_TYPES[type(document)]
        key = facts(message_type, document).routing_key.encode()
        self._deliver(key, build(message_type, [document]), ())

    def _deliver(self, key: bytes, value: bytes, headers: Any) -> None:
        self.offset += 1
        record = BusRecord(ACCEPTED_TOPIC, 0, self.offset, key, value, tuple(headers))
        state_key = self.logic.key(record)
        step = self.logic.apply(self.states.get(state_key), record, NOW)
        self.states[state_key] = pickle.loads(pickle.dumps(step.state))  # noqa: S301 - as the stage store keeps it
        for output in step.outputs:
            if output.topic == ACCEPTED_TOPIC:
                self._deliver(output.key, output.value, output.headers)
            else:
                self.outputs.append(output)

    def receipts(self) -> Counter[tuple[str, str]]:
        bodies = [json.loads(o.value) for o in self.outputs if o.topic == RECEIPTS_TOPIC]
        return Counter((body["document_guid"], body["status"]) for body in bodies)

    def matched(self) -> list[str]:
        return sorted(
            header(parse_message(o.value).documents[0]).guid  # type: ignore[arg-type]
            for o in self.outputs
            if o.topic == MATCHED_TOPIC
        )


def test_a_list_that_another_lists_correction_completes_is_the_one_answered() -> None:
    o_a, _, _, l_a = A
    o_b, p_b, w_b, l_b = B
    typo = replace(l_a, head=replace(l_a.head, guid="A-list-typo", logistics_no=w_b.logistics_no))
    fixed = replace(l_a, head=replace(l_a.head, guid="A-list-2", app_type="2", app_time=LATER))
    wrong_amount = replace(p_b, amount_paid=Decimal("1"))
    stage = _Stage()
    for document in (o_a, o_b, typo, w_b, wrong_amount, l_b, fixed):
        stage.send(document)
    # A's correction lets B's waybill go; B's list takes it and breaks the amount rule: B's list is answered
    assert [(guid, int(status) < 0) for guid, status in stage.receipts()] == [("B-list", True)]


def _export_parcel(platform: str, tag: str, logistics_no: str) -> tuple[MatchDocument, ...]:
    order = make_export_order()
    head = replace(order.head, guid=f"{tag}-order", ebp_code=platform, ebc_code=platform)
    codes = {"ebp_code": platform, "ebc_code": platform, "owner_code": platform, "agent_code": platform}
    return (
        replace(order, head=head),
        make_collection(guid=f"{tag}-collection", ebp_code=platform, ebc_code=platform),
        make_export_waybill(guid=f"{tag}-waybill", logistics_no=logistics_no),
        make_export_list(head=make_export_list_head(guid=f"{tag}-list", logistics_no=logistics_no, **codes)),
    )


EXPORT_A = _export_parcel("3301964J31", "A", "EW001")
EXPORT_B = _export_parcel(PLATFORM_B, "B", "EW-B")


@settings(max_examples=60, deadline=None)
@given(st.permutations(EXPORT_A + EXPORT_B), st.lists(st.sampled_from(EXPORT_A + EXPORT_B), max_size=3))
def test_two_export_platforms_under_one_order_number_each_match_through_the_stage(
    arrival: list[MatchDocument], again: list[MatchDocument]
) -> None:
    stage = _Stage()
    for document in (*arrival, *again):
        stage.send(document)
    assert set(stage.matched()) == {"A-list", "B-list"}
    assert stage.receipts() == Counter(
        {(header(d).guid, "120"): 1 for d in EXPORT_A + EXPORT_B if not isinstance(d, ExportList)}
    )
    assert isinstance(stage.states["E:EXP20240308001"], OrderSets)


def test_the_stage_takes_a_missing_or_empty_state_and_leaves_parked_waybills_to_their_key() -> None:
    logic = MatchingLogic()
    order, *_ = A
    record = BusRecord(ACCEPTED_TOPIC, 0, 1, b"k", build("CEB311", [order]), ())
    for state in (None, EMPTY, pickle.loads(pickle.dumps(EMPTY))):  # noqa: S301 - as the stage store keeps it
        step = logic.apply(state, record, NOW)
        assert step.state is not None
        assert step.state.documents[0] == order
    stage = _Stage()
    waybill = EXPORT_A[2]
    assert isinstance(waybill, ExportWaybill)
    stage.send(waybill)
    parked = stage.states["EW:3301980101:EW001"]
    assert logic.tick("EW:3301980101:EW001", parked, NOW).state == parked  # before its deadline
    assert all(isinstance(d, ExportOrder | Collection | ExportList | ExportWaybill) for d in EXPORT_A)
