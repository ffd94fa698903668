"""What the acceptor stores and publishes as a document's body.

A message of one document is kept as it came (unwrapped from a DxpMsg): the raw XML the recorder
promises, and no second serialisation on the hot path. A document that gets numbers at
acceptance (an import list: its preNo) and each document of a multi-document message are
re-serialised as a one-document message of their own.
"""

from __future__ import annotations

import sqlalchemy as sa

from declarations.codec import parse_message
from declarations.domain.documents import InventoryList, Order
from declarations.store.tables import documents
from tests.e2e.builders import dxp_envelope, inventory_list, order
from tests.e2e.conftest import Gateway
from tests.narrowing import of_type


def _body(gateway: Gateway, guid: str) -> bytes:
    with gateway.runtime.engine.connect() as conn:
        query = sa.select(documents.c.body).where(documents.c.guid == guid)
        return bytes(conn.execute(query).scalar_one())


def test_a_one_document_message_is_stored_byte_for_byte_as_received(gateway: Gateway) -> None:
    document = order(gateway.shop)
    message = gateway.shop.message("CEB311", [document])

    assert gateway.post(message, gateway.shop).status_code == 202
    assert _body(gateway, document.head.guid) == message


def test_a_dxp_envelope_stores_the_message_it_carries(gateway: Gateway) -> None:
    document = order(gateway.shop)
    inner = gateway.shop.message("CEB311", [document])

    assert gateway.post(dxp_envelope(inner, gateway.shop), gateway.shop).status_code == 202
    assert _body(gateway, document.head.guid) == inner


def test_each_document_of_a_multi_document_message_is_stored_on_its_own(gateway: Gateway) -> None:
    first, second = order(gateway.shop), order(gateway.shop)
    message = gateway.shop.message("CEB311", [first, second])

    assert gateway.post(message, gateway.shop).status_code == 202
    for document in (first, second):
        stored = parse_message(_body(gateway, document.head.guid))
        assert [of_type(Order, d).head.guid for d in stored.documents] == [document.head.guid]
        assert stored.documents[0] == document


def test_a_list_is_stored_with_the_pre_no_assigned_at_acceptance(gateway: Gateway) -> None:
    document = inventory_list(gateway.shop)
    message = gateway.shop.message("CEB621", [document])

    response = gateway.post(message, gateway.shop, json=True)

    assert response.status_code == 202, response.text
    stored = parse_message(_body(gateway, document.head.guid)).documents[0]
    assert isinstance(stored, InventoryList)
    receipt = response.json()["receipts"][0]
    assert receipt["pre_no"]
    assert stored.head.pre_no == receipt["pre_no"]
