"""What review sends on: a released list in the bytes it received, not built again; a tax bill
with the values the recorder files it under."""

from __future__ import annotations

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_message
from declarations.domain.import_lists import InventoryList
from declarations.stages.matching import MATCHED_TOPIC, buyer_key
from declarations.stages.receipt_events import RECEIPTS_TOPIC, MessageEvent, parse_event
from declarations.stages.review import RELEASED_TOPIC, ReviewLogic, default_policy
from declarations.stages.shell import Step
from declarations.store.receipt_rows import receipt_values
from tests.unit.codec.builders import NOW, make_base_transfer
from tests.unit.matching.sets import import_set


def _reviewed() -> tuple[InventoryList, bytes, Step]:
    inventory = import_set()[3]
    assert isinstance(inventory, InventoryList)
    received = build("CEB621", [inventory], base_transfer=make_base_transfer())
    record = BusRecord(MATCHED_TOPIC, 0, 0, buyer_key(inventory).encode(), received, ())
    return inventory, received, ReviewLogic(default_policy()).apply(None, record, NOW)


def test_a_released_list_goes_on_in_the_bytes_review_received() -> None:
    inventory, received, step = _reviewed()

    (released,) = [output for output in step.outputs if output.topic == RELEASED_TOPIC]
    assert released.value is received
    assert parse_message(released.value).documents == (inventory,)


def test_a_tax_bill_goes_to_the_recorder_with_the_values_it_is_filed_under() -> None:
    _, _, step = _reviewed()

    events = [parse_event(output.value) for output in step.outputs if output.topic == RECEIPTS_TOPIC]
    (bill,) = [event for event in events if isinstance(event, MessageEvent)]
    assert bill.message_type == "CEB816"
    assert bill.values == receipt_values(parse_message(bill.xml).documents[0])
