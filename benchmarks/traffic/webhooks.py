"""Receipts pushed by the simulator's webhooks, for `cebsim replay --receipts webhook`.

    async with WebhookReceipts(client, keys, on_rows, listen="127.0.0.1:0") as hooks: ...

On entry: a small HTTP server starts on `listen`, and each sender enterprise registers
`http://HOST:PORT/hook/CODE` with POST /api/webhooks (its own API key); a registration left by an
earlier run that stopped early is removed and made again (a new secret). Each delivery's
X-Cebsim-Signature is checked with that enterprise's secret, its receipts become the rows
GET /ceb/receipts would give (`document_guid`, `message_type`, `return_status`) and go to
`on_rows`; the answer is 204, or 401 for a bad signature (the simulator retries, and the count
shows in `refused`). On exit the webhooks are removed and the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, cast

from benchmarks.traffic.raw_http import RawHttpClient
from declarations.codec import parse_message
from declarations.domain.customs_documents import Receipt
from gateway.webhooks.signing import SIGNATURE, verify

Rows = list[dict[str, Any]]
MAX_BODY = 16 * 1024 * 1024


class WebhookError(RuntimeError):
    """The simulator would not register a webhook (its answer is in the message)."""


class WebhookReceipts:
    def __init__(self, client: RawHttpClient, keys: Mapping[str, str], on_rows: Callable[[Rows], None],
                 *, listen: str = "127.0.0.1:0") -> None:  # fmt: skip
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--webhook-listen takes HOST:PORT, not {listen!r}")
        self._client, self._keys, self._on_rows = client, dict(keys), on_rows
        self._host, self._port = host, int(port)
        self._server: asyncio.Server | None = None
        self._secrets: dict[str, str] = {}
        self._ids: dict[str, int] = {}
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}  # open, by handler
        self.delivered = 0
        self.refused = 0

    def url(self, code: str) -> str:
        return f"http://{self._host}:{self._port}/hook/{code}"

    async def __aenter__(self) -> WebhookReceipts:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]
        try:
            for code in sorted(self._keys):
                await self._register(code)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for code, webhook_id in sorted(self._ids.items()):
            # if the simulator is gone there is nothing left to remove
            with contextlib.suppress(OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                await self._client.call("DELETE", f"/api/webhooks/{webhook_id}", self._keys[code])
        self._ids.clear()
        if self._server is not None:
            self._server.close()
            await self._close_connections()
            await self._server.wait_closed()
            self._server = None

    async def _close_connections(self) -> None:
        """Close the connections the simulator keeps alive and let their handlers end. A handler
        still waiting for a request when asyncio.run cancels it at the end is printed by Python
        3.11 as an 'Exception in callback ... CancelledError' traceback."""
        for writer in self._connections.values():
            writer.close()  # the handler's read ends (IncompleteReadError) and it returns
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _register(self, code: str) -> None:
        try:
            await self._register_once(code)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            raise WebhookError(f"cannot register a webhook for {code} with the simulator: {exc!r}") from exc

    async def _register_once(self, code: str) -> None:
        key, url = self._keys[code], self.url(code)
        status, body = await self._client.call("POST", "/api/webhooks", key, {"url": url})
        if status == 409 and _rule(body) == "webhook-exists":  # left by an earlier run: make it anew
            _, listed = await self._client.call("GET", "/api/webhooks", key)
            for hook in listed.get("webhooks", []):
                if hook.get("url") == url:
                    await self._client.call("DELETE", f"/api/webhooks/{hook['id']}", key)
            status, body = await self._client.call("POST", "/api/webhooks", key, {"url": url})
        if status != 201:
            raise WebhookError(f"registering {url} for {code} was answered {status}: {body}")
        self._secrets[code], self._ids[code] = body["secret"], int(body["id"])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = cast(asyncio.Task[None], asyncio.current_task())  # start_server runs each in a task
        self._connections[handler] = writer
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, headers = _request_head(head)
                length = int(headers.get("content-length", "0"))
                if length > MAX_BODY:
                    writer.write(
                        b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    )
                    break
                body = await reader.readexactly(length)
                status = self._receive(method, path, headers, body)
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()
            del self._connections[handler]

    def _receive(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        code = path.removeprefix("/hook/")
        secret = self._secrets.get(code)
        if method != "POST" or secret is None:
            return 404
        if not verify(secret, body, headers.get(SIGNATURE.lower(), "")):
            self.refused += 1
            return 401
        self.delivered += 1
        self._on_rows(receipt_rows(body))
        return 204


def receipt_rows(body: bytes) -> Rows:
    """The rows GET /ceb/receipts would give for a pushed receipt message (the tracker's fields)."""
    message = parse_message(body)
    return [
        {"document_guid": r.guid, "message_type": message.message_type, "return_status": r.return_status}
        for r in message.documents
        if isinstance(r, Receipt)
    ]


def _request_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return method, path, headers


def _rule(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("rule", "")) if isinstance(error, dict) else ""
