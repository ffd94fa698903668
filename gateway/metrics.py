"""Prometheus metrics of the gateway, on a registry of its own (one per app, so tests do not collide).

Under `cebsim serve --workers N` each process counts in files of one shared directory
(PROMETHEUS_MULTIPROC_DIR, set by the parent before the processes start), and `/metrics` answers
with every process's counters and histograms summed, whichever process the scrape reaches.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from declarations.bus.port import Bus
from declarations.errors import DependencyError
from declarations.intake import answered_type
from gateway.intake.answers import Answer, FormatAnswer, Problem, ReceiptAnswer

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SHARED_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name for it
Value = TypeVar("Value")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._read_at_scrape: list[Collector] = []  # the same answer in every process
        self.requests = Counter(
            "cebsim_http_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cebsim_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rejections = Counter(
            "cebsim_rejections",
            "Refused documents and messages by code or rule",
            ["code"],
            registry=self.registry,
        )
        self.documents = Counter(
            "cebsim_documents_accepted",
            "Documents accepted by message type",
            ["message_type"],
            registry=self.registry,
        )

    def watch_bus(self, bus: Bus, groups: Mapping[str, Sequence[str]]) -> None:
        """Report the stages' consumer lag (`cebsim_bus_lag_records{group, topic}`) at each scrape."""
        self._watch(BusLag(bus, groups))

    def watch_certificates(self, read: Callable[[], list[Expiry]]) -> None:
        """Report when the registered certificates expire (`cebsim_certificate_not_after_seconds`)."""
        self._watch(CertificateExpiry(read))

    def _watch(self, collector: Collector) -> None:
        self._read_at_scrape.append(collector)
        self.registry.register(collector)

    def exposition(self) -> bytes:
        """The text format for a scrape: this process's metrics, or every process's (see above)."""
        shared = os.environ.get(SHARED_DIR)
        if not shared:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=shared)  # type: ignore[no-untyped-call]
        for collector in self._read_at_scrape:  # read from the bus or the database
            registry.register(collector)
        return generate_latest(registry)

    def observe_answer(self, answer: Answer) -> None:
        if isinstance(answer, Problem):
            self.rejections.labels(answer.code or answer.rule).inc()
        elif isinstance(answer, FormatAnswer):
            self.rejections.labels(answer.return_status).inc()
        elif isinstance(answer, ReceiptAnswer):
            for receipt in answer.receipts:
                if receipt.return_status.startswith("-"):
                    self.rejections.labels(receipt.return_status).inc()
                elif answer.status_code == 202:  # labelled by the document's type, not its receipt's
                    self.documents.labels(answered_type(answer.message_type)).inc()


class Remembered(Generic[Value]):
    """`read()` at most once per `ttl_s`, so that frequent scrapes do not each query the broker or
    the database; None (and a warning) while what it reads from cannot answer."""

    def __init__(self, what: str, read: Callable[[], Value], ttl_s: float) -> None:
        self._what = what
        self._read = read
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._read_at = -ttl_s
        self._value: Value | None = None

    def current(self) -> Value | None:
        with self._lock:
            if time.monotonic() - self._read_at >= self._ttl_s:
                try:
                    self._value = self._read()
                except DependencyError as exc:
                    log.warning("%s unavailable: %s", self._what, exc)
                    self._value = None
                self._read_at = time.monotonic()
            return self._value


class BusLag(Collector):
    """Records each consumer group has not committed yet, per topic, read from the bus at scrape
    time and kept for `ttl_s`.

    When the bus cannot answer, the lag is left out and `cebsim_bus_lag_up` is 0.
    """

    def __init__(self, bus: Bus, groups: Mapping[str, Sequence[str]], ttl_s: float = 5.0) -> None:
        watched = {group: tuple(topics) for group, topics in groups.items()}
        self._lag = Remembered("bus lag", lambda: bus.lag(watched), ttl_s)

    def describe(self) -> Iterable[Metric]:
        return [self._lag_family(), GaugeMetricFamily("cebsim_bus_lag_up", "1 when the bus answered")]

    def collect(self) -> Iterable[Metric]:
        lag = self._lag.current()
        family = self._lag_family()
        for (group, topic), records in sorted((lag or {}).items()):
            family.add_metric([group, topic], records)
        up = GaugeMetricFamily(
            "cebsim_bus_lag_up", "1 when the bus answered the last lag query", value=int(lag is not None)
        )
        return [family, up]

    @staticmethod
    def _lag_family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "cebsim_bus_lag_records",
            "Records on a topic past the consumer group's committed position",
            labels=["group", "topic"],
        )


Expiry = tuple[str, str, datetime]  # enterprise code, certificate SHA-256, notAfter


class CertificateExpiry(Collector):
    """When each registered signing certificate expires, as Unix time, read from the registry at
    scrape time and kept for `ttl_s`: alert on `cebsim_certificate_not_after_seconds - time() <
    30 * 86400` to rotate in time (a message signed after notAfter is refused with code 1002).

    When the database cannot answer, the gauge is left out and `cebsim_certificates_up` is 0.
    """

    def __init__(self, read: Callable[[], list[Expiry]], ttl_s: float = 60.0) -> None:
        self._expiries = Remembered("certificate expiries", read, ttl_s)

    def describe(self) -> Iterable[Metric]:
        return [self._family(), GaugeMetricFamily("cebsim_certificates_up", "1 when the registry answered")]

    def collect(self) -> Iterable[Metric]:
        expiries = self._expiries.current()
        family = self._family()
        for code, sha256, not_after in sorted(expiries or []):
            family.add_metric([code, sha256], not_after.timestamp())
        up = GaugeMetricFamily(
            "cebsim_certificates_up",
            "1 when the registry answered the last query",
            value=int(expiries is not None),
        )
        return [family, up]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "cebsim_certificate_not_after_seconds",
            "When a registered signing certificate expires (Unix time)",
            labels=["enterprise", "sha256"],
        )
