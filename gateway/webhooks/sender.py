"""POSTing one delivery with httpx: bounded timeouts, and httpx's exceptions stop here as values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None  # None when no answer came (refused, timed out, ...)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender(Protocol):
    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult: ...

    def close(self) -> None: ...


class HttpSender:
    """One pooled httpx client shared by the dispatcher's workers (httpx.Client is thread-safe)."""

    def __init__(self, timeout_s: float = 5.0, connect_timeout_s: float = 2.0) -> None:
        timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        try:
            answer = self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            return SendResult(None, f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return SendResult(None, f"{type(exc).__name__}: {exc}"[:300])
        if 200 <= answer.status_code < 300:
            return SendResult(answer.status_code)
        return SendResult(answer.status_code, f"HTTP {answer.status_code}")

    def close(self) -> None:
        self._client.close()
