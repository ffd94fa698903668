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
from collections.abc import Iterable, Mapping, Sequence

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


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._bus_lag: BusLag | None = None
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
        self._bus_lag = BusLag(bus, groups)
        self.registry.register(self._bus_lag)

    def exposition(self) -> bytes:
        """The text format for a scrape: this process's metrics, or every process's (see above)."""
        shared = os.environ.get(SHARED_DIR)
        if not shared:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=shared)  # type: ignore[no-untyped-call]
        if self._bus_lag is not None:  # read from the bus: the same answer in every process
            registry.register(self._bus_lag)
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


class BusLag(Collector):
    """Records each consumer group has not committed yet, per topic, read from the bus at scrape
    time and kept for `ttl_s` so that frequent scrapes do not each query the broker.

    When the bus cannot answer, the lag is left out and `cebsim_bus_lag_up` is 0.
    """

    def __init__(self, bus: Bus, groups: Mapping[str, Sequence[str]], ttl_s: float = 5.0) -> None:
        self._bus = bus
        self._groups = {group: tuple(topics) for group, topics in groups.items()}
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._read_at = -ttl_s
        self._lag: dict[tuple[str, str], int] | None = None

    def describe(self) -> Iterable[Metric]:
        return [self._lag_family(), GaugeMetricFamily("cebsim_bus_lag_up", "1 when the bus answered")]

    def collect(self) -> Iterable[Metric]:
        lag = self._current()
        family = self._lag_family()
        for (group, topic), records in sorted((lag or {}).items()):
            family.add_metric([group, topic], records)
        up = GaugeMetricFamily(
            "cebsim_bus_lag_up", "1 when the bus answered the last lag query", value=int(lag is not None)
        )
        return [family, up]

    def _current(self) -> dict[tuple[str, str], int] | None:
        with self._lock:
            if time.monotonic() - self._read_at >= self._ttl_s:
                try:
                    self._lag = self._bus.lag(self._groups)
                except DependencyError as exc:
                    log.warning("bus lag unavailable: %s", exc)
                    self._lag = None
                self._read_at = time.monotonic()
            return self._lag

    @staticmethod
    def _lag_family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "cebsim_bus_lag_records",
            "Records on a topic past the consumer group's committed position",
            labels=["group", "topic"],
        )
