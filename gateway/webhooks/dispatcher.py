"""The webhook dispatcher: a thread that pushes every receipt to its enterprise's webhook URLs.

One pass (`dispatch_once(now)`), in order:

    1. scan receipts after the stored cursor into pending deliveries, moving the cursor (one tx);
    2. claim the due deliveries (leased `lease` ahead, so a crash makes them due again);
    3. POST them on a bounded pool of workers, each with httpx timeouts, so a slow or failing
       endpoint holds at most one worker for one timeout and never blocks the others;
    4. log each outcome: `delivered`, or the next attempt after the policy's backoff, or `failed`.

A delivery is marked delivered only after a 2xx answer, and the receiver may see it twice (after
a crash between 3 and 4): at least once. Time comes from the caller (`now`), so tests drive the
dispatcher with a ManualClock; the thread calls it with `clock.now()` every `interval_s`.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from declarations.clock import Clock
from declarations.errors import DependencyError
from gateway.webhooks.deliveries import DELIVERED, FAILED, DeliveryLog, DueDelivery
from gateway.webhooks.policy import RetryPolicy
from gateway.webhooks.sender import Sender, SendResult
from gateway.webhooks.signing import delivery_headers

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    enqueued: int
    attempted: int
    delivered: int
    failed: int  # given up for good in this pass


class WebhookDispatcher:
    def __init__(
        self,
        log_: DeliveryLog,
        sender: Sender,
        clock: Clock,
        policy: RetryPolicy | None = None,
        *,
        workers: int = 8,
        batch: int = 100,
        interval_s: float = 0.5,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self._log = log_
        self._sender = sender
        self._clock = clock
        self._policy = policy or RetryPolicy()
        self._batch = batch
        self._interval_s = interval_s
        self._lease = lease
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cebsim-webhook")
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cebsim-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)
        self._sender.close()

    def dispatch_once(self, now: datetime) -> DispatchReport:
        enqueued = self._log.enqueue_new(now)
        due = self._log.claim_due(now, self._batch, self._lease)
        outcomes = list(self._pool.map(lambda d: self._attempt(d, now), due))
        return DispatchReport(
            enqueued=enqueued,
            attempted=len(due),
            delivered=sum(state == DELIVERED for state in outcomes),
            failed=sum(state == FAILED for state in outcomes),
        )

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self.dispatch_once(self._clock.now())
            except DependencyError as exc:
                log.warning("webhook pass skipped: %s", exc)
                report = None
            busy = report is not None and report.attempted >= self._batch
            if not busy:
                self._stopping.wait(self._interval_s)

    def _attempt(self, delivery: DueDelivery, now: datetime) -> str:
        headers = delivery_headers(delivery.secret, delivery.body, delivery.id, delivery.receipt_cursor, now)
        result = self._sender.send(delivery.url, delivery.body, headers)
        values, state = self._outcome(delivery, result, now)
        self._log.settle(delivery.id, values)
        return state

    def _outcome(
        self, delivery: DueDelivery, result: SendResult, now: datetime
    ) -> tuple[dict[str, object], str]:
        attempts = delivery.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "last_status_code": result.status_code,
            "last_error": result.error,
        }
        if result.ok:
            values.update(state=DELIVERED, delivered_at=now, next_attempt_at=None)
            return values, DELIVERED
        if self._policy.gives_up(attempts):
            values.update(state=FAILED, next_attempt_at=None)
            return values, FAILED
        values["next_attempt_at"] = now + self._policy.delay(attempts)
        return values, "pending"
