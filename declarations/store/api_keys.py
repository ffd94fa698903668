"""The enterprises' API keys: shown once, at creation, and stored only as their SHA-256.

A key is 32 random bytes, so a fast hash is enough (no dictionary to guess from), and lookups stay
one indexed read.

    hash_key(api_key) / new_api_key()
    insert_key(conn, code, now, given=)    store a key: its listing entry, and the key itself
    check_key_limit(conn, code, limit)     ConflictError `key-limit` at `limit` live keys
    keys_of(conn, code)                    every key `code` was given, revoked ones included

The enterprise registry runs these in its transactions, counts every key it issues or revokes in
its generation (gateways that remember a key look again), and revokes a key by stamping its
`revoked_at`: the row is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from declarations.errors import ConflictError
from declarations.store.tables import api_keys

KEY_PREFIX = "cebsim_"
MIN_GIVEN_KEY = 32
MAX_KEYS = 10  # live API keys an enterprise may issue itself (POST /api/keys): enough to rotate


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """A key as listings show it: never the key itself, only its first characters."""

    id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    def listed(self) -> dict[str, object]:
        """The entry as GET /api/keys and `cebsim enterprise keys --json` show it."""
        return {
            "id": self.id,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def insert_key(
    conn: sa.Connection, code: str, now: datetime, given: str | None = None
) -> tuple[ApiKeyInfo, str]:
    """Store a key (`given`, or a new one) for `code`: its listing entry, and the key itself."""
    api_key = given or new_api_key()
    prefix = api_key[: len(KEY_PREFIX) + 6]
    inserted = conn.execute(
        api_keys.insert().values(
            enterprise_code=code, key_hash=hash_key(api_key), prefix=prefix, created_at=now
        )
    ).inserted_primary_key
    return ApiKeyInfo(int(inserted[0]) if inserted else 0, prefix, now, None), api_key


def check_key_limit(conn: sa.Connection, code: str, limit: int) -> None:
    """ConflictError `key-limit` when `code` already has `limit` live keys (the caller holds
    `code`'s row locked, so that two issues at once take turns and the count holds)."""
    live = sa.select(sa.func.count()).where(
        api_keys.c.enterprise_code == code, api_keys.c.revoked_at.is_(None)
    )
    if conn.execute(live).scalar_one() >= limit:
        raise ConflictError(
            f"you have {limit} live API keys; revoke one (DELETE /api/keys/{{id}}) first",
            rule="key-limit",
        )


def keys_of(conn: sa.Connection, code: str) -> list[ApiKeyInfo]:
    """Every API key `code` was given, revoked ones included, oldest first."""
    query = sa.select(api_keys).where(api_keys.c.enterprise_code == code).order_by(api_keys.c.id)
    rows = conn.execute(query).all()
    return [ApiKeyInfo(row.id, row.prefix, row.created_at, row.revoked_at) for row in rows]
