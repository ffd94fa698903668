"""The replay's ports: a clock, a sender of messages and a source of receipts, with their results.

`HttpSender`/`HttpReceipts` (`http_client`) talk to a simulator; tests use in-memory ones.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Sent:
    """The answer to one POST: HTTP status and the rule it names (X-Cebsim-Rule), or a transport error."""

    status: int  # 0 when the request never got an answer
    rule: str = ""
    error: str = ""


RECEIPT_PAGE = 1000  # receipts asked for per GET /ceb/receipts (the API's largest page)


class Sender(Protocol):
    async def post(self, api_key: str, body: bytes) -> Sent: ...


class Receipts(Protocol):
    async def page(self, api_key: str, after: int, wait_s: float = 0.0) -> tuple[list[dict[str, Any]], int]:
        """Receipts with cursor > `after` (JSON rows of GET /ceb/receipts) and the next cursor;
        with `wait_s` > 0 a long poll: the server answers once there are some, or after wait_s."""
        ...


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep_until(self, moment: float) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, moment: float) -> None:
        delay = moment - time.monotonic()
        if delay > 0.0005:
            await asyncio.sleep(delay)
