"""The replay's webhook receiver: signed deliveries become tracker rows, forged ones are refused."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from typing import Any

import pytest

from benchmarks.traffic.raw_http import RawHttpClient
from benchmarks.traffic.webhooks import WebhookError, WebhookReceipts, receipt_rows
from declarations.codec import build
from declarations.domain.customs_documents import Receipt
from gateway.webhooks.signing import SIGNATURE, signature

AT = datetime(2025, 11, 11, 8, 0, tzinfo=UTC)
GUID = "4F2A1B3C-0000-4000-8000-000000000001"
BODY = build("CEB312", [Receipt(guid=GUID, return_status="120", return_time=AT, return_info="逻辑校验通过",
                                ebp_code="3301960001", ebc_code="3301960001", order_no="T0001")])  # fmt: skip


def test_a_receipt_message_becomes_the_rows_the_receipts_api_gives() -> None:
    (row,) = receipt_rows(BODY)
    assert row == {"document_guid": GUID, "message_type": "CEB312", "return_status": "120"}


def test_only_deliveries_signed_with_the_enterprise_secret_reach_the_tracker() -> None:
    heard: list[list[dict[str, Any]]] = []
    hooks = WebhookReceipts(RawHttpClient("http://127.0.0.1:9", 1), {"S1": "key"}, heard.append)
    hooks._secrets["S1"] = "right"  # as registration would have set it
    signed = {SIGNATURE.lower(): signature("right", BODY)}
    forged = {SIGNATURE.lower(): signature("wrong", BODY)}
    assert hooks._receive("POST", "/hook/S1", forged, BODY) == 401
    assert hooks._receive("POST", "/hook/S9", signed, BODY) == 404  # not a sender of this replay
    assert hooks._receive("POST", "/hook/S1", signed, BODY) == 204
    assert (hooks.delivered, hooks.refused) == (1, 1)
    assert heard == [receipt_rows(BODY)]


def test_the_receiver_answers_over_http_on_the_port_it_listens_on() -> None:
    async def scenario() -> tuple[int, list[list[dict[str, Any]]]]:
        heard: list[list[dict[str, Any]]] = []
        hooks = WebhookReceipts(RawHttpClient("http://127.0.0.1:9", 1), {}, heard.append)
        async with hooks:  # no senders: nothing is registered with a simulator
            hooks._secrets["S1"] = "right"
            host, port = hooks.url("S1").removeprefix("http://").split("/")[0].split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                f"POST /hook/S1 HTTP/1.1\r\nHost: x\r\n{SIGNATURE}: {signature('right', BODY)}\r\n"
                f"Content-Length: {len(BODY)}\r\n\r\n".encode()
                + BODY
            )
            status = int((await reader.readuntil(b"\r\n")).split()[1])
            writer.close()
        return status, heard

    status, heard = asyncio.run(scenario())
    assert status == 204
    assert heard == [receipt_rows(BODY)]


def test_a_simulator_that_cannot_be_reached_is_a_clear_error_and_the_receiver_stops() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]

    async def scenario() -> None:
        hooks = WebhookReceipts(RawHttpClient(f"http://127.0.0.1:{closed}", 1), {"S1": "key"}, print)
        with pytest.raises(WebhookError, match="cannot register a webhook for S1"):
            async with hooks:
                pass
        assert hooks._server is None

    asyncio.run(scenario())


def test_the_receiver_closes_the_connections_kept_alive_when_it_stops() -> None:
    """The simulator keeps its delivery connections open: left to asyncio.run's final cancel, each
    waiting handler was printed as an 'Exception in callback ... CancelledError' traceback."""

    async def scenario() -> tuple[bytes, list[dict[str, Any]]]:
        troubles: list[dict[str, Any]] = []
        asyncio.get_running_loop().set_exception_handler(lambda _, context: troubles.append(context))
        hooks = WebhookReceipts(RawHttpClient("http://127.0.0.1:9", 1), {}, print)
        async with hooks:
            host, port = hooks.url("S1").removeprefix("http://").split("/")[0].split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"POST /hook/S1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")  # answered; the connection stays open
        after = await asyncio.wait_for(reader.read(), timeout=2)  # b"": the receiver closed it
        writer.close()
        await writer.wait_closed()
        return after, troubles

    after, troubles = asyncio.run(scenario())
    assert after == b""
    assert troubles == []
