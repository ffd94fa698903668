"""Path parameters the API checks itself, so that a bad one gets this API's error shape (FastAPI's
own validation would answer 422 in its own)."""

from __future__ import annotations


def row_id(text: str) -> int | None:
    """`text` as a row id (1 to 9 digits), else None: the caller answers 404 for it."""
    return int(text) if text.isdigit() and len(text) < 10 else None
