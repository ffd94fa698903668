"""A minimal HTTP/1.1 keep-alive client on asyncio streams: the replay's default transport.

httpx's async pool drives about 200 requests/s with 64 connections in flight on this machine (about
800/s one at a time); this client writes each request in one `write` and parses only what the replay
needs (status, Content-Length or chunked body, X-Cebsim-Rule), so the load generator is not the
bottleneck. Plain `http://` only. Connection errors become `Sent(0, error=...)`.

Idle connections are reused for at most IDLE_S, below the server's keep-alive timeout; a reused
connection that closes before the first byte of the answer (the server timed it out just then) is
replaced by a new one and the request sent once more (the server had not read it; and a CEB
message sent twice is answered as a duplicate anyway).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from benchmarks.traffic.ports import RECEIPT_PAGE, Sent

RETURN_STATUS = re.compile(rb"<(?:\w+:)?returnStatus>\s*(-?\d+)\s*<")
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
# uvicorn closes a keep-alive connection after 5 s idle; one older than this is not reused
IDLE_S = 2.0


class _StaleConnectionError(Exception):
    """The connection closed before any byte of the answer: the server did not take the request."""


class RawHttpClient:
    def __init__(self, target: str, concurrency: int, timeout_s: float = 30.0) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"the replay speaks plain http://, not {target!r}")
        self._host, self._port = parts.hostname, parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._timeout = timeout_s
        self._host_header = f"{self._host}:{self._port}"

    async def post(self, api_key: str, body: bytes) -> Sent:
        head = (f"POST {self._prefix}/ceb/messages HTTP/1.1\r\nHost: {self._host_header}\r\n"
                f"Authorization: Bearer {api_key}\r\nContent-Type: application/xml\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")  # fmt: skip
        try:
            status, headers, content = await self._exchange(head.encode() + body)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            return Sent(0, error=type(exc).__name__)
        rule = headers.get("x-cebsim-rule", "")
        if not rule and status >= 300:
            found = RETURN_STATUS.search(content)
            rule = found.group(1).decode() if found else ""
        return Sent(status, rule)

    async def page(self, api_key: str, after: int, wait_s: float = 0.0) -> tuple[list[dict[str, Any]], int]:
        wait = f"&wait={wait_s:g}" if wait_s > 0 else ""
        head = (f"GET {self._prefix}/ceb/receipts?after={after}&limit={RECEIPT_PAGE}{wait} HTTP/1.1\r\n"
                f"Host: {self._host_header}\r\nAuthorization: Bearer {api_key}\r\n"
                "Accept: application/json\r\n\r\n")  # fmt: skip
        try:
            status, _, content = await self._exchange(head.encode())
            body = json.loads(content) if status == 200 else {}
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            return [], after
        return list(body.get("receipts", [])), int(body.get("next_cursor", after))

    async def call(
        self, method: str, path: str, api_key: str, payload: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """A JSON API call (e.g. POST /api/webhooks): its status and decoded body ({} if none)."""
        body = json.dumps(payload).encode() if payload is not None else b""
        head = (f"{method} {self._prefix}{path} HTTP/1.1\r\nHost: {self._host_header}\r\n"
                f"Authorization: Bearer {api_key}\r\nAccept: application/json\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")  # fmt: skip
        status, _, content = await self._exchange(head.encode() + body)
        return status, json.loads(content) if content else {}

    async def _exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = self._reusable()
        if connection is not None:
            try:
                return await self._over(connection, request)
            except _StaleConnectionError:
                pass  # the server closed it while it sat idle: send again on a new connection
        connection = await asyncio.open_connection(self._host, self._port)
        try:
            return await self._over(connection, request)
        except _StaleConnectionError as stale:
            raise asyncio.IncompleteReadError(b"", None) from stale

    def _reusable(self) -> Connection | None:
        """The most recently used idle connection that the server has not timed out yet."""
        now = time.monotonic()
        while self._idle:
            reader, writer, since = self._idle.pop()
            if now - since < IDLE_S and not reader.at_eof():
                return reader, writer
            writer.close()
        return None

    async def _over(self, connection: Connection, request: bytes) -> tuple[int, dict[str, str], bytes]:
        reader, writer = connection
        try:
            writer.write(request)
            first = await asyncio.wait_for(reader.read(1), self._timeout)
            if not first:  # closed before any byte of an answer: the request was not taken
                raise _StaleConnectionError
            status, headers, content = await asyncio.wait_for(_response(reader, first), self._timeout)
        except BaseException:
            writer.close()
            raise
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append((reader, writer, time.monotonic()))
        return status, headers, content

    async def close(self) -> None:
        """Close the idle connections and wait until their sockets are closed: a transport still
        closing when the event loop ends is never closed, and warns when it is collected."""
        writers = [writer for _, writer, _ in self._idle]
        self._idle.clear()
        for writer in writers:
            writer.close()
        await asyncio.gather(*(writer.wait_closed() for writer in writers), return_exceptions=True)
        await asyncio.sleep(0)  # connections dropped earlier finish closing too


async def _response(reader: asyncio.StreamReader, first: bytes) -> tuple[int, dict[str, str], bytes]:
    lines = (first + await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return status, headers, await _chunked(reader)
    return status, headers, await reader.readexactly(int(headers.get("content-length", "0")))


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
