"""`POST /ceb/messages` is served beside FastAPI (`GatewayApp`), and answers as its FastAPI route does.

The route stays declared in FastAPI (for `/docs`) and still answers when the fast path is off;
these tests hold the two to the same answers, and the fast path to the behaviour FastAPI's
middleware gave: metrics and access log, a 500 for an unexpected error, and serving on after it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from declarations.codec import parse_message
from declarations.domain.customs_documents import FormatReceipt
from gateway.app import GatewayApp
from gateway.routes import messages
from tests.e2e.builders import Firm, order
from tests.e2e.conftest import MAX_BODY_BYTES, Gateway


def _cases(firm: Firm) -> list[tuple[str, dict[str, Any]]]:
    """(name, request) for answers that store nothing and carry no clock: the same under both paths."""
    plain = {"Content-Type": "application/xml", "Accept": "application/json"}
    xml = plain | {"Authorization": f"Bearer {firm.api_key}"}
    valid = firm.message("CEB311", [order(firm)])
    foreign = firm.message("CEB311", [order(firm, ebc_code="3301969999", ebp_code="3301969999")])
    return [
        ("content type", {"content": valid, "headers": xml | {"Content-Type": "text/plain"}}),
        ("too large", {"content": b"<a>" + b" " * MAX_BODY_BYTES + b"</a>", "headers": xml}),
        ("no key", {"content": valid, "headers": plain}),
        ("unknown key", {"content": valid, "headers": xml | {"Authorization": "Bearer nope"}}),
        ("malformed", {"content": b"<ceb:CEB311Message", "headers": xml}),
        ("another's order", {"content": foreign, "headers": xml}),
    ]  # fmt: skip


def _answer(response: httpx2.Response) -> tuple[int, str, str]:
    """Status, type and body, without the answer's own clock (`return_time`) and CEB900 guid."""
    body = re.sub(r'"(return_time|guid)": "[^"]*"', "", json.dumps(response.json(), ensure_ascii=False))
    return response.status_code, response.headers["content-type"], body


def test_the_fast_path_answers_as_the_fastapi_route(
    lenient_gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = lenient_gateway.client.app
    assert isinstance(app, GatewayApp)
    served: list[int] = []
    monkeypatch.setattr(messages, "serve_message", _spy(messages.serve_message, served))
    cases = _cases(lenient_gateway.shop)
    fast = [_answer(lenient_gateway.client.post("/ceb/messages", **request)) for _, request in cases]
    assert len(served) == len(cases)  # every request went the fast way

    monkeypatch.setattr(app, "_messages", None)  # FastAPI's route, through its middleware
    slow = [_answer(lenient_gateway.client.post("/ceb/messages", **request)) for _, request in cases]
    assert len(served) == len(cases)
    assert [status for status, _, _ in fast] == [415, 413, 401, 401, 400, 403]
    for (name, _), one, other in zip(cases, fast, slow, strict=True):
        assert one == other, name
    assert lenient_gateway.stored() == (0, 0)


def test_an_error_inside_the_intake_is_a_500_counted_and_the_gateway_serves_on(
    lenient_gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, shop = lenient_gateway.runtime, lenient_gateway.shop
    client = TestClient(lenient_gateway.client.app, raise_server_exceptions=False)
    headers = {"Content-Type": "application/xml", "Authorization": f"Bearer {shop.api_key}"}
    check = runtime.intake.check

    def broken(*_: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(runtime.intake, "check", broken)
    failed = client.post("/ceb/messages", content=shop.message("CEB311", [order(shop)]), headers=headers)
    monkeypatch.setattr(runtime.intake, "check", check)
    assert failed.status_code == 500
    assert lenient_gateway.stored() == (0, 0)

    again = client.post("/ceb/messages", content=shop.message("CEB311", [order(shop)]), headers=headers)
    assert again.status_code == 202
    exposed = client.get("/metrics").text
    assert 'cebsim_http_requests_total{route="/ceb/messages",status="500"} 1.0' in exposed
    assert 'cebsim_http_requests_total{route="/ceb/messages",status="202"} 1.0' in exposed


def _spy(serve: Any, calls: list[int]) -> Any:
    async def spied(*args: Any) -> None:
        calls.append(1)
        await serve(*args)

    return spied


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        ("APPLICATION/JSON", "application/json"),
        ("application/json;q=0.1, application/xml", "application/xml"),
        ("application/json, text/plain, */*", "application/json"),
        ("*/*", "application/xml"),
    ],
)
def test_the_answer_takes_the_format_the_accept_header_ranks_highest(
    lenient_gateway: Gateway, accept: str, answered: str
) -> None:
    shop = lenient_gateway.shop
    answer = lenient_gateway.post(shop.message("CEB311", [order(shop)]), shop, headers={"Accept": accept})
    assert answer.status_code == 202
    assert answer.headers["content-type"].startswith(answered)


def test_a_format_receipt_names_the_same_original_cop_msg_id_in_xml_and_json(
    lenient_gateway: Gateway,
) -> None:
    shop = lenient_gateway.shop
    as_xml = lenient_gateway.post(b"<ceb:CEB311Message", shop)
    as_json = lenient_gateway.post(b"<ceb:CEB311Message", shop, json=True)
    (receipt,) = parse_message(as_xml.content).documents
    assert isinstance(receipt, FormatReceipt)
    assert as_json.json()["ori_cop_msg_id"] == receipt.ori_cop_msg_id == "-"


def test_a_document_the_database_refuses_is_a_500_without_retry_after(lenient_gateway: Gateway) -> None:
    shop = lenient_gateway.shop
    refused = order(shop)
    with lenient_gateway.runtime.engine.begin() as conn:  # a constraint every check let through
        conn.exec_driver_sql(
            f"CREATE TRIGGER refuse BEFORE INSERT ON documents WHEN NEW.guid = '{refused.head.guid}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )

    answer = lenient_gateway.post(shop.message("CEB311", [refused]), shop, json=True)

    assert answer.status_code == 500
    assert "retry-after" not in answer.headers  # the same document would be refused again
    assert answer.json()["error"]["rule"] == "store-refused"
    assert "IntegrityError" in answer.json()["error"]["message"]
    assert lenient_gateway.stored() == (0, 0)
    accepted = lenient_gateway.post(shop.message("CEB311", [order(shop)]), shop)
    assert accepted.status_code == 202
