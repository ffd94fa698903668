"""Follows the clearance pipeline's receipts in the database until every parcel is terminal.

    watch = ClearanceWatch(traffic, db)      # after acceptance: starts after the receipts already stored
    watch.follow(started, idle_s) -> Tracker

The receipts table is read by its id (the receipts API's cursor: ids become visible in id order),
and each row goes to the replay's `Tracker`, which decides, as for a replay over HTTP, when a
parcel's list receipt is terminal and whether it is the one the manifest expects. Every parcel
counts as sent at `started` (the pipeline's start), so the tracker's clearance latency runs from
there. A poll sees a receipt at most `poll_s` after its commit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from benchmarks.traffic.ports import Sent
from benchmarks.traffic.source import Traffic
from benchmarks.traffic.tracker import Tracker
from declarations.store.tables import receipts

PAGE = 5000
ACCEPTED = Sent(202)


@dataclass
class ClearanceWatch:
    traffic: Traffic
    db: str
    poll_s: float = 0.1
    after: int = 0  # the last receipt id stored before the pipeline started
    receipts_seen: int = 0  # receipt rows (one per recipient) stored since
    first_receipt_at: float | None = None
    _engine: sa.Engine = field(init=False)

    def __post_init__(self) -> None:
        self._engine = sa.create_engine(self.db)
        with self._engine.connect() as conn:
            self.after = conn.execute(sa.select(sa.func.coalesce(sa.func.max(receipts.c.id), 0))).scalar_one()

    def follow(self, started: float, idle_s: float) -> Tracker:
        """Until every parcel is terminal, or no parcel became terminal for `idle_s` seconds."""
        tracker = Tracker(self.traffic, self.traffic.parcels)
        for message in self.traffic.messages:
            tracker.on_sent(message, started, ACCEPTED, started)
        progress_at, terminal = time.perf_counter(), 0
        try:
            while tracker.outstanding and time.perf_counter() - progress_at < idle_s:
                full = self._poll(tracker)
                if tracker.terminal > terminal:
                    progress_at, terminal = time.perf_counter(), tracker.terminal
                if not full:
                    time.sleep(self.poll_s)
        finally:
            self._engine.dispose()
        return tracker

    def _poll(self, tracker: Tracker) -> bool:
        """Feed the receipts stored since the last poll to `tracker`; True if the page was full."""
        columns = (receipts.c.id, receipts.c.document_guid, receipts.c.message_type, receipts.c.return_status)
        query = sa.select(*columns).where(receipts.c.id > self.after).order_by(receipts.c.id).limit(PAGE)
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        now = time.perf_counter()
        for row in rows:
            tracker.on_receipt(dict(row), now)
        if rows:
            self.after = rows[-1]["id"]
            self.receipts_seen += len(rows)
            self.first_receipt_at = self.first_receipt_at or now
        return len(rows) == PAGE
