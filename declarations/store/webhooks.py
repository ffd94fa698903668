"""The registered webhooks: the URLs an enterprise's receipts are posted to, with their HMAC secrets.

    check_url(url)                          what a webhook URL must be (RequestError `webhook-url`)
    insert_webhook(conn, code, url, now)    a new live webhook, with a new secret
    live_webhooks(conn, code)               `code`'s live webhooks, oldest first

The enterprise registry runs these in its transactions (`add_webhook`, `webhooks`) and removes a
webhook by stamping its `removed_at` (`remove_webhook`): the row is kept for the delivery log
(gateway.webhooks.deliveries), which also reads this table to fan receipts out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa

from declarations.errors import ConflictError, RequestError
from declarations.store.tables import webhooks

MAX_WEBHOOKS = 10  # live webhooks per enterprise: each receipt is posted to every one of them
MAX_URL = 500  # the column's size


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    enterprise_code: str
    url: str
    secret: str
    created_at: datetime | None = None


def insert_webhook(conn: sa.Connection, code: str, url: str, now: datetime) -> Webhook:
    """Store a live webhook for `code` with a new secret; the caller holds `code`'s row locked, so
    that registrations of one enterprise take turns and the count below holds (the partial unique
    index ix_webhooks_live_url backs the URL check). ConflictError `webhook-exists` for a URL live
    already, `webhook-limit` past MAX_WEBHOOKS live ones."""
    secret = secrets.token_urlsafe(24)
    live = sa.and_(webhooks.c.enterprise_code == code, webhooks.c.removed_at.is_(None))
    existing = conn.execute(sa.select(webhooks.c.id, webhooks.c.url).where(live)).all()
    same = [row.id for row in existing if row.url == url]
    if same:
        raise ConflictError(
            f"webhook {same[0]} already delivers to this URL; remove it to register again",
            rule="webhook-exists",
        )
    if len(existing) >= MAX_WEBHOOKS:
        raise ConflictError(
            f"{len(existing)} webhooks are registered, the most allowed is {MAX_WEBHOOKS}",
            rule="webhook-limit",
        )
    webhook_id = conn.execute(
        webhooks.insert().values(enterprise_code=code, url=url, secret=secret, created_at=now)
    ).inserted_primary_key
    return Webhook(int(webhook_id[0]) if webhook_id else 0, code, url, secret, now)


def live_webhooks(conn: sa.Connection, code: str) -> list[Webhook]:
    """`code`'s live webhooks, oldest first."""
    query = (
        sa.select(webhooks)
        .where(webhooks.c.enterprise_code == code, webhooks.c.removed_at.is_(None))
        .order_by(webhooks.c.id)
    )
    rows = conn.execute(query).all()
    return [Webhook(row.id, row.enterprise_code, row.url, row.secret, row.created_at) for row in rows]


def check_url(url: str) -> None:
    try:
        parsed = urlsplit(url)
        _ = parsed.port  # a port that is not a number raises here
    except ValueError as exc:  # e.g. an unclosed [IPv6] host
        raise RequestError(f"a webhook URL that cannot be read: {exc}", rule="webhook-url") from exc
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise RequestError(f"a webhook URL must be http(s) with a host: {url[:100]!r}", rule="webhook-url")
    if parsed.username or parsed.password:
        raise RequestError("a webhook URL must not carry credentials: the secret signs each delivery",
                           rule="webhook-url")  # fmt: skip
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise RequestError(f"a webhook URL must be at most {MAX_URL} characters, without spaces",
                           rule="webhook-url")  # fmt: skip
