"""Follows each parcel from its POSTs to its list's terminal receipt, and checks it against the manifest.

Clearance latency runs from the intended send time of the parcel's last own document (`last_seq`)
to the moment the poller saw the list's terminal receipt, so it includes the polling interval.
Terminal list statuses: 899 (closed), 100, 700, 501-503/599 and every negative code; 800 is
terminal only when the manifest expects 800. A list message refused at intake (HTTP 4xx/5xx)
ends its parcels as `http:<status>`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from benchmarks.traffic.hdr import Histogram
from benchmarks.traffic.ports import Sent
from benchmarks.traffic.source import LIST_TYPES, Expectation, Outgoing, Traffic

FUNNEL = ("2", "120", "399", "300", "500", "800", "899")
EXAMPLES = 20


def is_terminal(status: str, expected: str | None) -> bool:
    if status in ("899", expected):
        return True
    if status.startswith("-") or status in ("100", "700"):
        return True
    return status.isdigit() and 501 <= int(status) <= 599 and status != "505"


@dataclass
class Outcome:
    statuses: list[str] = field(default_factory=list)
    terminal: str | None = None
    terminal_at: float = 0.0


class Tracker:
    def __init__(self, traffic: Traffic, parcels: dict[str, Expectation]) -> None:
        self.checked = traffic.checked
        self.parcels = parcels
        self._by_guid = {e.list_guid: e for e in parcels.values()}
        self._closing: dict[int, list[str]] = {}
        for e in parcels.values():
            self._closing.setdefault(e.last_seq, []).append(e.parcel)
        self.sent_at: dict[str, float] = {}  # parcel → intended time of its last own document
        self.outcomes: dict[str, Outcome] = {}
        self.clearance = Histogram()
        self.funnel: Counter[str] = Counter()
        self.terminal_times: list[float] = []

    def on_sent(self, message: Outgoing, intended: float, answer: Sent, now: float) -> None:
        for parcel in self._closing.get(message.seq, ()):
            self.sent_at[parcel] = intended
        if message.message_type in LIST_TYPES and not 200 <= answer.status < 300:
            for parcel in message.parcels:
                if parcel in self.parcels:
                    self._end(parcel, f"http:{answer.status or answer.error}", now)

    def on_receipt(self, row: dict[str, Any], now: float) -> None:
        expectation = self._by_guid.get(str(row.get("document_guid")))
        if expectation is None or row.get("message_type") != expectation.receipt_type:
            return
        status = str(row.get("return_status"))
        outcome = self.outcomes.setdefault(expectation.parcel, Outcome())
        if status in outcome.statuses:
            return
        outcome.statuses.append(status)
        self.funnel[status if status in FUNNEL else ("refused" if is_terminal(status, None) else status)] += 1
        if is_terminal(status, expectation.status):
            self._end(expectation.parcel, status, now)

    def _end(self, parcel: str, status: str, now: float) -> None:
        outcome = self.outcomes.setdefault(parcel, Outcome())
        if outcome.terminal is not None:
            return
        outcome.terminal, outcome.terminal_at = status, now
        if parcel in self.sent_at:
            self.clearance.record(max(now - self.sent_at[parcel], 0.0))
        self.terminal_times.append(now)

    @property
    def sent(self) -> int:
        return len(self.sent_at)

    @property
    def terminal(self) -> int:
        return sum(1 for parcel in self.sent_at if self._ended(parcel) is not None)

    def _ended(self, parcel: str) -> str | None:
        outcome = self.outcomes.get(parcel)
        return outcome.terminal if outcome is not None else None

    @property
    def outstanding(self) -> int:
        return self.sent - self.terminal

    def unexpected(self) -> list[dict[str, Any]]:
        """Parcels sent in full whose list did not end as the manifest says (or did not end at all)."""
        if not self.checked:
            return []
        wrong: list[dict[str, Any]] = []
        for parcel in self.sent_at:
            e, outcome = self.parcels[parcel], self.outcomes.get(parcel, Outcome())
            if outcome.terminal == e.status or any(code in outcome.statuses for code in e.codes):
                continue
            row = {"parcel": parcel, "scenario": e.scenario, "expected": e.status}
            wrong.append(row | {"actual": outcome.terminal or "none", "statuses": outcome.statuses})
        return wrong

    def outcome_counts(self) -> dict[str, int]:
        counts = Counter(self._ended(parcel) or "none" for parcel in self.sent_at)
        return dict(sorted(counts.items()))
