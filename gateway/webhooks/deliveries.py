"""The delivery log (`webhook_deliveries`) and the scan cursor (`counters` row `webhooks:cursor`).

`enqueue_new` turns receipts after the cursor into one pending delivery per webhook of the
receipt's enterprise and moves the cursor, in one transaction: a restart resumes where the last
committed scan stopped, and a receipt is never skipped. `claim_due` leases due deliveries (their
`next_attempt_at` moves `lease` ahead) so a crashed sender's claims come due again: at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from declarations.errors import StoreUnavailableError
from declarations.store.counters import insert_for, lock_counter, set_counter
from declarations.store.engine import READ_ONLY
from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.receipt_rows import aware
from declarations.store.tables import receipts, webhook_deliveries, webhooks

CURSOR = "webhooks:cursor"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
REMOVED = "webhook removed"  # last_error of the pending deliveries of a webhook that was removed


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: int
    attempts: int
    url: str
    secret: str
    receipt_cursor: int
    body: bytes


@dataclass(frozen=True, slots=True)
class DeliveryEntry:
    """One line of an enterprise's delivery log."""

    id: int
    webhook_id: int
    url: str
    receipt_cursor: int
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryLog:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def enqueue_new(self, now: datetime, batch: int = 500) -> int:
        """Create pending deliveries for up to `batch` receipts after the cursor; how many created."""
        try:
            with self._engine.begin() as conn:
                return _enqueue(conn, now.astimezone(UTC), batch)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot scan receipts: {type(exc).__name__}") from exc

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[DueDelivery]:
        try:
            with self._engine.begin() as conn:
                return _claim(conn, now.astimezone(UTC), limit, lease)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read deliveries: {type(exc).__name__}") from exc

    def settle(self, delivery_id: int, values: dict[str, object]) -> None:
        """Write the outcome of one attempt (state, attempts, status code, error, times)."""
        values = {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in values.items()}
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    webhook_deliveries.update().where(webhook_deliveries.c.id == delivery_id).values(**values)
                )
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot log a delivery: {type(exc).__name__}") from exc

    def abandon(self, webhook_id: int) -> int:
        """Mark a removed webhook's pending deliveries failed (REMOVED); how many."""
        try:
            with self._engine.begin() as conn:
                return int(
                    conn.execute(
                        webhook_deliveries.update()
                        .where(
                            webhook_deliveries.c.webhook_id == webhook_id,
                            webhook_deliveries.c.state == PENDING,
                        )
                        .values(state=FAILED, next_attempt_at=None, last_error=REMOVED)
                    ).rowcount
                )
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot log a delivery: {type(exc).__name__}") from exc

    def for_enterprise(self, code: str, after: int, limit: int) -> list[DeliveryEntry]:
        """The enterprise's deliveries with id > `after`, oldest first."""
        query = (
            sa.select(webhook_deliveries, webhooks.c.url)
            .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
            .where(webhooks.c.enterprise_code == code, webhook_deliveries.c.id > after)
            .order_by(webhook_deliveries.c.id)
            .limit(limit)
        )
        try:
            with self._engine.connect().execution_options(**READ_ONLY) as conn:
                return [_entry(row) for row in conn.execute(query)]
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read deliveries: {type(exc).__name__}") from exc


def remove_webhook(engine: sa.Engine, code: str, webhook_id: int, now: datetime) -> int | None:
    """Stop `code`'s webhook `webhook_id` (DELETE /api/webhooks/{id}, `cebsim enterprise
    webhook-remove`): no new deliveries, and its pending ones marked failed (REMOVED), kept in the
    log. None if it is not `code`'s live webhook, else how many pending deliveries were failed."""
    if not EnterpriseRegistry(engine).remove_webhook(code, webhook_id, now):
        return None
    return DeliveryLog(engine).abandon(webhook_id)


def _enqueue(conn: sa.Connection, now: datetime, batch: int) -> int:
    cursor = lock_counter(conn, CURSOR)
    scanned = conn.execute(
        sa.select(receipts.c.id, receipts.c.enterprise_code)
        .where(receipts.c.id > cursor)
        .order_by(receipts.c.id)
        .limit(batch)
    ).all()
    if not scanned:
        return 0
    codes = sorted({row.enterprise_code for row in scanned})
    hooks: dict[str, list[int]] = {}
    for hook in conn.execute(
        sa.select(webhooks.c.id, webhooks.c.enterprise_code).where(
            webhooks.c.enterprise_code.in_(codes), webhooks.c.removed_at.is_(None)
        )
    ):
        hooks.setdefault(hook.enterprise_code, []).append(int(hook.id))
    rows = [
        {
            "webhook_id": hook_id,
            "receipt_id": int(row.id),
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for row in scanned
        for hook_id in hooks.get(row.enterprise_code, [])
    ]
    if rows:
        conn.execute(insert_for(conn, webhook_deliveries).on_conflict_do_nothing(), rows)
    set_counter(conn, CURSOR, int(scanned[-1].id))
    return len(rows)


def _claim(conn: sa.Connection, now: datetime, limit: int, lease: timedelta) -> list[DueDelivery]:
    query = (
        sa.select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.attempts,
            webhooks.c.url,
            webhooks.c.secret,
            receipts.c.id.label("receipt_cursor"),
            receipts.c.body,
        )
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .join(receipts, receipts.c.id == webhook_deliveries.c.receipt_id)
        .where(
            webhook_deliveries.c.state == PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            webhooks.c.removed_at.is_(None),  # a removed webhook gets no more attempts
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=webhook_deliveries)
    )
    due = [
        DueDelivery(int(r.id), int(r.attempts), r.url, r.secret, int(r.receipt_cursor), bytes(r.body))
        for r in conn.execute(query)
    ]
    if due:
        conn.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.id.in_([d.id for d in due]))
            .values(next_attempt_at=now + lease)
        )
    return due


def _entry(row: sa.Row[tuple[object, ...]]) -> DeliveryEntry:
    m = row._mapping
    return DeliveryEntry(
        id=int(m["id"]),
        webhook_id=int(m["webhook_id"]),
        url=str(m["url"]),
        receipt_cursor=int(m["receipt_id"]),
        state=str(m["state"]),
        attempts=int(m["attempts"]),
        next_attempt_at=aware(m["next_attempt_at"]) if m["next_attempt_at"] else None,
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        delivered_at=aware(m["delivered_at"]) if m["delivered_at"] else None,
    )
