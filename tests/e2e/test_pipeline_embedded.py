"""HTTP in, receipts out: the whole embedded pipeline (matching, review, recorder) in one process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from declarations.domain.documents import Document
from declarations.domain.import_lists import InventoryList
from declarations.domain.import_trade import Order
from declarations.identity import Enterprise, Role
from declarations.store.tables import documents, receipts
from gateway.app import create_app
from gateway.settings import Settings
from gateway.signature import KeyKind, SigningIdentity, issue_identity
from tests.e2e.parcels import guid_of, message, new_guid, parcel
from tests.unit.codec.builders import make_inventory_cancel, make_inventory_return

CODE = "1105910159"  # the builders' codes: one enterprise that holds every role
BUYER = "130681199001010011"
ALL_ROLES = frozenset({Role.PLATFORM, Role.ECOMMERCE, Role.PAYMENT, Role.LOGISTICS, Role.AGENT})


class Embedded:
    def __init__(self, client: TestClient, api_key: str, identity: SigningIdentity) -> None:
        self.client = client
        self.api_key = api_key
        self.identity = identity
        self.engine: sa.Engine = client.app.state.runtime.engine  # type: ignore[attr-defined]

    def send(self, code: str, document: Document) -> int:
        body = message(code, document, CODE, self.identity)
        answer = self.client.post(
            "/ceb/messages",
            content=body,
            headers={"Content-Type": "application/xml", "Authorization": f"Bearer {self.api_key}"},
        )
        return answer.status_code

    def trail(self, message_type: str, guid: str) -> list[str]:
        query = (
            sa.select(receipts.c.message_type, receipts.c.return_status)
            .join(documents, documents.c.id == receipts.c.document_id)
            .where(documents.c.message_type == message_type, documents.c.guid == guid)
            .order_by(receipts.c.id)
        )
        with self.engine.connect() as conn:
            return [f"{row.message_type}:{row.return_status}" for row in conn.execute(query)]

    def wait_for(self, message_type: str, guid: str, last: str, timeout_s: float = 15.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            trail = self.trail(message_type, guid)
            if any(entry.endswith(f":{last}") for entry in trail):
                return trail
            time.sleep(0.05)
        return self.trail(message_type, guid)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Embedded]:
    settings = Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", pipeline=True)
    app = create_app(settings)
    now = datetime.now(UTC)
    identity = issue_identity(
        CODE,
        "东方物通",
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
        kind=KeyKind.RSA,
    )
    with TestClient(app) as client:
        runtime = app.state.runtime
        api_key = runtime.registry.add(Enterprise(CODE, "东方物通", ALL_ROLES, f"DXPENT{CODE}"), now)
        runtime.registry.add_certificate(CODE, identity.certificate_der, identity.certificate.serial_hex, now)
        yield Embedded(client, api_key, identity)


def test_a_consistent_parcel_is_matched_reviewed_taxed_released_and_closed(embedded: Embedded) -> None:
    documents_ = parcel(CODE, BUYER)
    for code in ("CEB621", "CEB511", "CEB311", "CEB411"):  # the list first: arrival order does not matter
        assert embedded.send(code, documents_[code]) == 202
    list_trail = embedded.wait_for("CEB621", guid_of(documents_["CEB621"]), "899")
    time.sleep(0.3)  # anything after the closing receipt would be a bug: give it a chance to show
    list_trail = embedded.trail("CEB621", guid_of(documents_["CEB621"]))
    assert list_trail == ["CEB622:2", "CEB622:120", "CEB622:399", "CEB622:800", "CEB622:899", "CEB816:1"]
    for code, answer in (("CEB311", "CEB312"), ("CEB411", "CEB412"), ("CEB511", "CEB512")):
        assert embedded.trail(code, guid_of(documents_[code])) == [f"{answer}:2", f"{answer}:120"]


def test_a_payment_that_disagrees_with_the_order_gets_the_list_rejected_with_the_rule_code(
    embedded: Embedded,
) -> None:
    documents_ = parcel(CODE, BUYER, amount_paid=Decimal("1.00"))
    for code in ("CEB311", "CEB411", "CEB511", "CEB621"):
        assert embedded.send(code, documents_[code]) == 202
    trail = embedded.wait_for("CEB621", guid_of(documents_["CEB621"]), "-621106")
    assert trail == ["CEB622:2", "CEB622:-621106"]
    with embedded.engine.connect() as conn:
        info = conn.execute(
            sa.select(receipts.c.return_info).where(receipts.c.return_status == "-621106")
        ).scalar_one()
    assert "amountPaid=1.00" in info


def test_a_list_refused_in_review_may_be_declared_again_corrected_and_is_then_released(
    embedded: Embedded,
) -> None:
    """§4.5: after a rejected list "a new submission is allowed and replaces it". Here the list
    named an HS code off the positive list (100); declared again with the right one, it goes
    through matching again (the order, payment and waybill are kept, not answered twice) and
    review, to 899. Matching refused it before (-621004), the set being matched already."""
    documents_ = parcel(CODE, BUYER)
    inventory = documents_["CEB621"]
    assert isinstance(inventory, InventoryList)
    wrong = replace(inventory, lines=tuple(replace(line, gcode="9301000000") for line in inventory.lines))
    for code in ("CEB311", "CEB411", "CEB511"):
        assert embedded.send(code, documents_[code]) == 202
    assert embedded.send("CEB621", wrong) == 202
    assert embedded.wait_for("CEB621", guid_of(wrong), "100") == ["CEB622:2", "CEB622:120", "CEB622:100"]

    later = inventory.head.app_time + timedelta(minutes=5)
    corrected = replace(inventory, head=replace(inventory.head, guid=new_guid(), app_time=later))
    assert embedded.send("CEB621", corrected) == 202
    trail = embedded.wait_for("CEB621", guid_of(corrected), "899")
    assert trail == ["CEB622:2", "CEB622:120", "CEB622:399", "CEB622:800", "CEB622:899", "CEB816:1"]
    for code, answer in (("CEB311", "CEB312"), ("CEB411", "CEB412"), ("CEB511", "CEB512")):
        assert embedded.trail(code, guid_of(documents_[code])) == [f"{answer}:2", f"{answer}:120"]


def test_a_version_matching_refused_leaves_the_one_before_it_current(embedded: Embedded) -> None:
    """An order modified after its list was declared is refused (-301011) by matching, after the
    gateway stored it: the order before it is current again, in the store and for the gateway,
    which then answers a new order with that number as the duplicate it is."""
    documents_ = parcel(CODE, BUYER)
    order = documents_["CEB311"]
    assert isinstance(order, Order)
    for code in ("CEB311", "CEB621"):
        assert embedded.send(code, documents_[code]) == 202
    later = order.head.app_time + timedelta(minutes=5)
    changed = replace(
        order, head=replace(order.head, guid=new_guid(), app_type="2", app_time=later, note="x")
    )
    assert embedded.send("CEB311", changed) == 202
    assert embedded.wait_for("CEB311", guid_of(changed), "-301011") == ["CEB312:2", "CEB312:-301011"]

    with embedded.engine.connect() as conn:
        rows = conn.execute(
            sa.select(documents.c.guid, documents.c.current).where(documents.c.message_type == "CEB311")
        ).all()
    assert dict(rows) == {guid_of(order): True, guid_of(changed): False}
    again = replace(order, head=replace(order.head, guid=new_guid(), app_time=later + timedelta(minutes=1)))
    assert embedded.send("CEB311", again) == 409  # -301010 at the gateway, as matching would answer


def test_after_a_refused_version_the_next_one_is_numbered_after_it(embedded: Embedded) -> None:
    """The refused version keeps its number: the next accepted one must not collide with it (it
    did: the gateway answered 503 on every try, an IntegrityError)."""
    documents_ = parcel(CODE, BUYER, amount_paid=Decimal("1.00"))  # the payment will disagree
    order = documents_["CEB311"]
    assert isinstance(order, Order)
    for code in ("CEB311", "CEB621"):
        assert embedded.send(code, documents_[code]) == 202
    later = order.head.app_time + timedelta(minutes=5)
    refused = replace(order, head=replace(order.head, guid=new_guid(), app_type="2", app_time=later))
    assert embedded.send("CEB311", refused) == 202
    embedded.wait_for("CEB311", guid_of(refused), "-301011")
    for code in ("CEB411", "CEB511"):  # the set completes, the list is refused -621106 and dropped
        assert embedded.send(code, documents_[code]) == 202
    embedded.wait_for("CEB621", guid_of(documents_["CEB621"]), "-621106")

    head = replace(order.head, guid=new_guid(), app_type="2", app_time=later + timedelta(minutes=1))
    corrected = replace(order, head=head)
    assert embedded.send("CEB311", corrected) == 202
    with embedded.engine.connect() as conn:
        versions = conn.execute(
            sa.select(documents.c.guid, documents.c.version).where(documents.c.message_type == "CEB311")
        ).all()
    assert dict(versions) == {guid_of(order): 1, guid_of(refused): 2, guid_of(corrected): 3}


def released_list(embedded: Embedded) -> tuple[InventoryList, str]:
    """A parcel declared and its list released and closed (899): the list and its invtNo."""
    documents_ = parcel(CODE, BUYER)
    for code in ("CEB311", "CEB411", "CEB511", "CEB621"):
        assert embedded.send(code, documents_[code]) == 202
    inventory = documents_["CEB621"]
    assert isinstance(inventory, InventoryList)
    assert embedded.wait_for("CEB621", guid_of(inventory), "899")[-2] == "CEB622:899"
    with embedded.engine.connect() as conn:
        invt_no = conn.execute(
            sa.select(documents.c.invt_no).where(documents.c.guid == guid_of(inventory))
        ).scalar_one()
    return inventory, invt_no


def test_a_released_list_cancelled_is_answered_399_and_its_tax_bill_voided(embedded: Embedded) -> None:
    """CEB623 goes to review, which knows the list's outcome and the buyer's quota; it was answered
    120 and 399 whatever it named before, and nothing else happened."""
    inventory, invt_no = released_list(embedded)

    unknown = make_inventory_cancel(inventory, guid=new_guid(), invt_no="51412024I999999999")
    assert embedded.send("CEB623", unknown) == 202
    assert embedded.wait_for("CEB623", unknown.guid, "-623003") == ["CEB624:2", "CEB624:-623003"]
    request = make_inventory_cancel(inventory, guid=new_guid(), invt_no=invt_no)
    assert embedded.send("CEB623", request) == 202
    assert embedded.wait_for("CEB623", request.guid, "399") == ["CEB624:2", "CEB624:120", "CEB624:399"]
    assert embedded.wait_for("CEB621", guid_of(inventory), "3")[-2:] == ["CEB816:1", "CEB818:3"]


def test_a_released_list_returned_in_two_parts_is_answered_399_twice_and_its_tax_bill_voided(
    embedded: Embedded,
) -> None:
    """Two return requests, each with its own copNo (part of the gateway's business key of a
    return), give the list's goods back in two parts; the second empties it and voids its bill."""
    inventory, invt_no = released_list(embedded)
    (line,) = inventory.lines
    half = str(line.qty / 2)

    first = make_inventory_return(
        inventory, ((line.gnum, half),), guid=new_guid(), invt_no=invt_no, cop_no="R1"
    )
    assert embedded.send("CEB625", first) == 202
    assert embedded.wait_for("CEB625", first.head.guid, "399") == ["CEB626:2", "CEB626:120", "CEB626:399"]
    assert embedded.trail("CEB621", guid_of(inventory))[-1] == "CEB816:1"  # goods still out

    second = make_inventory_return(
        inventory, ((line.gnum, half),), guid=new_guid(), invt_no=invt_no, cop_no="R2"
    )
    assert embedded.send("CEB625", second) == 202
    assert embedded.wait_for("CEB625", second.head.guid, "399") == ["CEB626:2", "CEB626:120", "CEB626:399"]
    assert embedded.wait_for("CEB621", guid_of(inventory), "3")[-1] == "CEB818:3"
