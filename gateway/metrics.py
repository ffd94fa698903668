"""Prometheus metrics of the gateway, on a registry of its own (one per app, so tests do not collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from gateway.intake.answers import Answer, FormatAnswer, Problem, ReceiptAnswer

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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

    def observe_answer(self, answer: Answer) -> None:
        if isinstance(answer, Problem):
            self.rejections.labels(answer.code or answer.rule).inc()
        elif isinstance(answer, FormatAnswer):
            self.rejections.labels(answer.return_status).inc()
        elif isinstance(answer, ReceiptAnswer):
            for receipt in answer.receipts:
                if receipt.return_status.startswith("-"):
                    self.rejections.labels(receipt.return_status).inc()
                elif answer.status_code == 202:
                    self.documents.labels(answer.message_type).inc()
