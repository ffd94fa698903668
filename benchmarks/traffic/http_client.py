"""The replay's HTTP adapters: POST /ceb/messages and GET /ceb/receipts over one keep-alive httpx pool.

Transport failures become `Sent(0, error=<exception name>)`: the replay counts them, it does not stop.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from benchmarks.traffic.ports import RECEIPT_PAGE, Sent

RETURN_STATUS = re.compile(rb"<(?:\w+:)?returnStatus>\s*(-?\d+)\s*<")  # a refusal's code, when no rule header


class HttpClient:
    """Both ports over one `httpx.AsyncClient` (connections: the replay's concurrency plus the pollers)."""

    def __init__(self, target: str, concurrency: int, timeout_s: float = 30.0) -> None:
        limits = httpx.Limits(max_connections=concurrency + 8, max_keepalive_connections=concurrency + 8)
        self._client = httpx.AsyncClient(base_url=target.rstrip("/"), limits=limits, timeout=timeout_s)

    async def post(self, api_key: str, body: bytes) -> Sent:
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/xml"}
        try:
            answer = await self._client.post("/ceb/messages", content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Sent(0, error=type(exc).__name__)
        rule = answer.headers.get("X-Cebsim-Rule", "")
        if not rule and answer.status_code >= 300:
            found = RETURN_STATUS.search(answer.content)
            rule = found.group(1).decode() if found else ""
        return Sent(answer.status_code, rule)

    async def page(self, api_key: str, after: int, wait_s: float = 0.0) -> tuple[list[dict[str, Any]], int]:
        headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        params = {"after": str(after), "limit": str(RECEIPT_PAGE)}
        if wait_s > 0:
            params["wait"] = f"{wait_s:g}"
        try:
            answer = await self._client.get("/ceb/receipts", params=params, headers=headers)
            answer.raise_for_status()
            body = answer.json()
        except (httpx.HTTPError, ValueError):
            return [], after
        return list(body.get("receipts", [])), int(body.get("next_cursor", after))

    async def close(self) -> None:
        await self._client.aclose()
