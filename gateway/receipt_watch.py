"""Long polling for `GET /ceb/receipts?wait=S`: wake a waiting reader when its receipts may be in.

One watcher thread per gateway process, and only while someone waits: every `interval_s` it asks
the store which enterprises have receipts past the highest id it has seen (one query however many
readers wait) and wakes those enterprises' readers, who then read their page again. Receipt ids
commit in id order (`ReceiptStore.newer`), so nothing committed after the watermark is missed.

A reader must not miss a receipt that commits between its own read and its registration, so it
goes: `prime()` (the watermark exists), register (`waiting`), read, wait for a wake-up, read. A
receipt committed before the read is in the read; one committed after it has an id above every
watermark the watcher held before, so the watcher's next query finds it and wakes the reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from declarations.errors import DependencyError
from declarations.store.receipts import ReceiptStore

log = logging.getLogger(__name__)

Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class ReceiptWatch:
    def __init__(self, engine: sa.Engine, interval_s: float = 0.05) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._waiters: dict[str, set[Waiter]] = {}
        self._someone = threading.Condition(self._lock)
        self._seen: int | None = None
        self._stopped = False
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopped(self) -> bool:
        return self._stopped

    def prime(self) -> None:
        """Make sure there is a watermark before a reader registers (a query, the first time only)."""
        if self._seen is not None:
            return
        seen, _ = ReceiptStore.newer(self._engine, None)
        with self._lock:
            if self._seen is None:
                self._seen = seen

    @contextmanager
    def waiting(self, enterprise_code: str) -> Iterator[asyncio.Event]:
        """An event set whenever `enterprise_code` may have new receipts, while the block runs."""
        waiter: Waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(enterprise_code, set()).add(waiter)
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="cebsim-receipt-watch", daemon=True)
                self._thread.start()
            self._someone.notify()
        try:
            yield waiter[1]
        finally:
            with self._lock:
                waiting = self._waiters.get(enterprise_code, set())
                waiting.discard(waiter)
                if not waiting:
                    self._waiters.pop(enterprise_code, None)

    def stop(self) -> None:
        """Stop watching and wake every reader (they answer with what they have)."""
        with self._lock:
            self._stopped = True
            self._halt.set()
            everyone = [w for waiting in self._waiters.values() for w in waiting]
            self._someone.notify()
            thread = self._thread
        _wake(everyone)
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._waiters and not self._stopped:
                    self._someone.wait()
                if self._stopped:
                    return
                seen = self._seen
            try:
                latest, codes = ReceiptStore.newer(self._engine, seen)
            except DependencyError as exc:  # the readers' own reads report it; keep watching
                log.debug("receipt watch: %s", exc)
                codes = frozenset()
            else:
                with self._lock:
                    self._seen = latest
            with self._lock:
                woken = [w for code in codes for w in self._waiters.get(code, ())]
            _wake(woken)
            self._halt.wait(self._interval_s)


def _wake(waiters: list[Waiter]) -> None:
    for loop, event in waiters:
        with contextlib.suppress(RuntimeError):  # that reader's loop has closed: nobody waits there
            loop.call_soon_threadsafe(event.set)
