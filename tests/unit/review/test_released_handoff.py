"""How review sends a released list on: in the bytes it received, not built again."""

from __future__ import annotations

from declarations.bus.port import BusRecord
from declarations.codec import build, parse_message
from declarations.domain.import_lists import InventoryList
from declarations.stages.matching import MATCHED_TOPIC, buyer_key
from declarations.stages.review import RELEASED_TOPIC, ReviewLogic, default_policy
from tests.unit.codec.builders import NOW, make_base_transfer
from tests.unit.matching.sets import import_set


def test_a_released_list_goes_on_in_the_bytes_review_received() -> None:
    inventory = import_set()[3]
    assert isinstance(inventory, InventoryList)
    received = build("CEB621", [inventory], base_transfer=make_base_transfer())
    record = BusRecord(MATCHED_TOPIC, 0, 0, buyer_key(inventory).encode(), received, ())

    step = ReviewLogic(default_policy()).apply(None, record, NOW)

    (released,) = [output for output in step.outputs if output.topic == RELEASED_TOPIC]
    assert released.value is received
    assert parse_message(released.value).documents == (inventory,)
