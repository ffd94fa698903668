"""Registry answers the gateway remembers for a few seconds, so a request does not query the database.

    ApiKeys(registry).get(api_key) -> Enterprise | None     intake and every API route
    Recent[V](ttl_s, keep_missing).get(key, load) -> V | None

    RegistryWatch(registry, forget).start()                 drops them all when the registry changes

Both answer from memory for `ttl_s` (10 s), and an unknown key is remembered too, so that a client
retrying a bad key costs no query. A key revoked or issued, or a certificate removed, anywhere (the
CLI, another gateway process) bumps the registry's generation; each gateway process reads it once a
second (`RegistryWatch`) and forgets everything when it moved, so such a change takes effect within
about a second, and within the 10 s at worst (while the database cannot be read). A key revoked
through this process's API is forgotten at once.
Only one thread loads a given key at a time; the others wait for its answer instead of all
querying the database together when an entry expires under load.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import sqlalchemy as sa

from declarations.errors import DependencyError
from declarations.identity import Enterprise
from declarations.store.api_keys import hash_key
from declarations.store.enterprises import EnterpriseRegistry

V = TypeVar("V")
log = logging.getLogger(__name__)

MAX_ENTRIES = 10_000


class Recent(Generic[V]):
    """A TTL map filled on demand. `keep_missing=False` remembers found values only: a certificate
    registered a moment after a refusal is then recognised at once."""

    def __init__(self, ttl_s: float = 10.0, *, keep_missing: bool = True) -> None:
        self._ttl_s = ttl_s
        self._keep_missing = keep_missing
        self._entries: dict[str, tuple[float, V | None]] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], V | None]) -> V | None:
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # one loader per key; the others find its answer when they get the lock
            hit = self._fresh(key)
            if hit is not None:
                return hit[1]
            try:
                value = load()
                if value is not None or self._keep_missing:
                    with self._lock:
                        if len(self._entries) >= MAX_ENTRIES:
                            self._entries.clear()
                        self._entries[key] = (time.monotonic(), value)
                return value
            finally:
                with self._lock:
                    self._loading.pop(key, None)

    def forget(self, remembered: Callable[[V | None], bool]) -> None:
        """Drop the remembered answers `remembered` picks: the next `get` loads them again."""
        with self._lock:
            for key in [k for k, (_, value) in self._entries.items() if remembered(value)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _fresh(self, key: str) -> tuple[float, V | None] | None:
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._ttl_s:
            return hit
        return None


class ApiKeys:
    """API key → enterprise (a bad key is remembered too), keyed by the key's SHA-256."""

    def __init__(self, registry: EnterpriseRegistry, ttl_s: float = 10.0) -> None:
        self._registry = registry
        self._recent: Recent[Enterprise] = Recent(ttl_s)

    def get(self, api_key: str) -> Enterprise | None:
        return self._recent.get(hash_key(api_key), lambda: self._registry.by_api_key(api_key))

    def forget(self, code: str) -> None:
        """Look `code`'s keys up again (one was just revoked here), before the `RegistryWatch` of
        this and the other gateway processes notices."""
        self._recent.forget(lambda enterprise: enterprise is not None and enterprise.code == code)

    def forget_all(self) -> None:
        self._recent.clear()


class RegistryWatch:
    """Calls `forget` whenever the registry's generation moves (`EnterpriseRegistry.generation`):
    one small query every `interval_s` per gateway process, in a thread of its own."""

    def __init__(
        self, registry: EnterpriseRegistry, forget: Callable[[], None], interval_s: float = 1.0
    ) -> None:
        self._registry = registry
        self._forget = forget
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cebsim-registry-watch", daemon=True)
        self._seen: int | None = None

    def start(self) -> None:
        self._seen = self._generation()  # before serving: a change after this is noticed
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            generation = self._generation()
            if generation is None:
                continue  # the database cannot say: the 10 s of `Recent` still bound staleness
            if generation != self._seen:
                self._forget()
                self._seen = generation

    def _generation(self) -> int | None:
        try:
            return self._registry.generation()
        except (DependencyError, sa.exc.SQLAlchemyError) as exc:
            log.debug("registry generation unavailable: %s", exc)
            return None
