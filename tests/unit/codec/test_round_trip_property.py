"""Property: any records, built into a message and parsed back, are the same records."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarations.codec import build, parse_message
from schemas.definition import MESSAGES, Sender
from tests.unit.codec.strategies import base_transfers, documents

ROUND_TRIP = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("code", [m.code for m in MESSAGES])
@given(data=st.data())
@ROUND_TRIP
def test_generated_records_survive_build_then_parse(code: str, data: st.DataObject) -> None:
    message = next(m for m in MESSAGES if m.code == code)
    docs: list[Any] = data.draw(documents(code, min(3, message.documents.max_occurs or 3)))
    transfer = data.draw(base_transfers) if message.sender is Sender.ENTERPRISE else None
    parsed = parse_message(build(code, docs, base_transfer=transfer))
    assert parsed.documents == tuple(docs)
    assert parsed.base_transfer == transfer
