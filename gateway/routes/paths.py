"""Numbers the API reads from paths, queries and headers itself, so that a bad one gets this API's
error shape (FastAPI's own validation would answer 422 in its own)."""

from __future__ import annotations

MAX_ROW_ID = 999_999_999
MAX_CURSOR = 2**63 - 1  # cursors are BIGINT row ids


def whole_number(text: str, most: int) -> int | None:
    """`text` as an integer from 0 to `most` in ASCII digits, else None.

    `str.isdigit` alone is not enough: it takes '²' and other Unicode digits that `int` refuses,
    and an unbounded number overflows the database's integers.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(most)):
        return None
    value = int(text)
    return value if value <= most else None


def row_id(text: str) -> int | None:
    """`text` as a row id (1 to 9 digits), else None: the caller answers 404 for it."""
    return whole_number(text, MAX_ROW_ID)
