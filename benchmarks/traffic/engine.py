"""The open-loop replay: send every message at its intended time, whatever the server does.

    Replay(traffic, sender, receipts, clock, options).run(progress) -> Results

Message i is due at `start + intended_offset(i)` (`schedule`). The dispatcher waits for that time,
then for a free slot (at most `concurrency` requests in flight), then starts the request. Latency is
measured from the **intended** time, so time spent waiting for a slot — the server being slow — is
counted: no coordinated omission. A poller per enterprise follows `/ceb/receipts` for the tracker
until every fully sent parcel is terminal or `drain_s` has passed since the last send.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.traffic.hdr import Histogram
from benchmarks.traffic.ports import RECEIPT_PAGE, Clock, Receipts, Sender, Sent
from benchmarks.traffic.schedule import intended_offset
from benchmarks.traffic.source import Outgoing, Traffic
from benchmarks.traffic.tracker import Tracker


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    rate: float = 100.0  # messages (requests) per second at full rate
    ramp_s: float = 0.0
    duration_s: float | None = None
    parcels: int | None = None
    concurrency: int = 64
    follow_receipts: bool = True
    poll_interval_s: float = 0.1  # a reader's pause after each page that was not full
    # GET /ceb/receipts?wait=: the server holds an empty poll this long (0: plain polls)
    long_poll_s: float = 1.0
    drain_s: float = 30.0
    # where each enterprise's receipt reader starts (its `after` cursor; 0 when absent): a replay
    # that follows an earlier one on the same server starts where that one's readers stopped,
    # instead of reading the earlier replay's receipts again while it measures
    receipts_after: Mapping[str, int] = field(default_factory=dict)
    # receipts are pushed (webhooks, `benchmarks.traffic.webhooks`) to `Replay.on_pushed` instead of
    # being read with GET /ceb/receipts: the replay only waits for them
    pushed: bool = False

    @property
    def receipts_mode(self) -> str:
        if not self.follow_receipts:
            return "none"
        if self.pushed:
            return "webhook"
        return "long-poll" if self.long_poll_s > 0 else "poll"


@dataclass
class Second:
    sent: int = 0
    accepted: int = 0
    errors: int = 0
    terminal: int = 0
    latency: Histogram = field(default_factory=Histogram)


@dataclass
class Results:
    tracker: Tracker
    started: float = 0.0
    last_sent: float = 0.0
    finished: float = 0.0
    messages: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    acceptance: Histogram = field(default_factory=Histogram)
    responses: Histogram = field(default_factory=Histogram)  # every answer, accepted or not
    timeline: dict[int, Second] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    polls: int = 0
    receipts_seen: int = 0
    cursors: dict[str, int] = field(default_factory=dict)  # each reader's last `next_cursor`

    def second(self, moment: float) -> Second:
        return self.timeline.setdefault(max(int(moment - self.started), 0), Second())


def selected(traffic: Traffic, options: ReplayOptions) -> list[Outgoing]:
    """The messages to send: all, or up to the last one of the first `parcels` parcels."""
    if options.parcels is None:
        return traffic.messages
    chosen = list(traffic.parcels.values())[: options.parcels]
    last = max((e.last_seq for e in chosen), default=0)
    return [message for message in traffic.messages if message.seq <= last]


class Replay:
    def __init__(self, traffic: Traffic, sender: Sender, receipts: Receipts | None, clock: Clock,
                 options: ReplayOptions) -> None:  # fmt: skip
        self.traffic, self.sender, self.receipts, self.clock = traffic, sender, receipts, clock
        self.options = options
        self.messages = selected(traffic, options)
        self.results = Results(Tracker(traffic, traffic.parcels))
        self._sending = True

    async def run(self, progress: Callable[[Results], None] | None = None) -> Results:
        results = self.results
        results.started = self.clock.now()
        follow = self.options.follow_receipts and (self.receipts is not None or self.options.pushed)
        follower = asyncio.create_task(self._follow()) if follow else None
        reporter = asyncio.create_task(self._report(progress)) if progress is not None else None
        await self._dispatch()
        if follower is not None:
            await follower
        if reporter is not None:
            reporter.cancel()
            await asyncio.gather(reporter, return_exceptions=True)
            assert progress is not None
            progress(results)
        results.finished = self.clock.now()
        return results

    async def _dispatch(self) -> None:
        slots = asyncio.Semaphore(self.options.concurrency)
        running: set[asyncio.Task[None]] = set()
        start, options = self.results.started, self.options
        for index, message in enumerate(self.messages):
            offset = intended_offset(index, options.rate, options.ramp_s)
            if options.duration_s is not None and offset > options.duration_s:
                break
            intended = start + offset
            await self.clock.sleep_until(intended)
            await slots.acquire()
            task = asyncio.create_task(self._send(message, intended, slots))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)
        self._sending = False
        self.results.last_sent = self.clock.now()

    async def _send(self, message: Outgoing, intended: float, slots: asyncio.Semaphore) -> None:
        results = self.results
        results.in_flight += 1
        results.max_in_flight = max(results.max_in_flight, results.in_flight)
        try:
            answer = await self.sender.post(self.traffic.keys[message.sender], message.body)
        finally:
            results.in_flight -= 1
            slots.release()
        now = self.clock.now()
        self._account(message, intended, answer, now)

    def _account(self, message: Outgoing, intended: float, answer: Sent, now: float) -> None:
        results, latency = self.results, max(now - intended, 0.0)
        results.messages += 1
        second = results.second(intended)
        second.sent += 1
        results.responses.record(latency)
        if 200 <= answer.status < 300:
            results.accepted += 1
            second.accepted += 1
            results.acceptance.record(latency)
            second.latency.record(latency)
        else:
            second.errors += 1
            results.rejected[_code(answer)] += 1
        results.tracker.on_sent(message, intended, answer, now)

    def on_pushed(self, rows: list[dict[str, Any]]) -> None:
        """Receipts pushed to the replay (rows as GET /ceb/receipts gives them)."""
        self._take(rows, self.clock.now())

    def _take(self, rows: list[dict[str, Any]], now: float) -> None:
        for row in rows:
            self.results.tracker.on_receipt(row, now)
        self.results.receipts_seen += len(rows)

    def _done_following(self, now: float) -> bool:
        results = self.results
        return not self._sending and (
            results.tracker.outstanding == 0 or now - results.last_sent > self.options.drain_s
        )

    async def _follow(self) -> None:
        """One reader per sender, until every parcel is terminal or DRAIN_S after the last send;
        then the readers still waiting on a long poll are cancelled. Pushed receipts: just wait."""
        if self.options.pushed:
            while not self._done_following(self.clock.now()):
                await self.clock.sleep_until(self.clock.now() + self.options.poll_interval_s)
            return
        finished = asyncio.Event()
        readers = [asyncio.create_task(self._read(code, finished))
                   for code in sorted({message.sender for message in self.messages})]  # fmt: skip
        await finished.wait()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    async def _read(self, code: str, finished: asyncio.Event) -> None:
        assert self.receipts is not None
        cursor, wait = self.options.receipts_after.get(code, 0), self.options.long_poll_s
        results = self.results
        while True:
            rows, next_cursor = await self.receipts.page(self.traffic.keys[code], cursor, wait)
            results.polls += 1
            now = self.clock.now()
            self._take(rows, now)
            cursor = results.cursors[code] = max(cursor, next_cursor)
            if self._done_following(now):
                finished.set()
                return
            if len(rows) >= RECEIPT_PAGE:
                continue  # a full page: more are waiting
            # even when long polling: a pause lets receipts gather into one page while they flow
            await self.clock.sleep_until(now + self.options.poll_interval_s)

    async def _report(self, progress: Callable[[Results], None]) -> None:
        while True:
            progress(self.results)
            await asyncio.sleep(0.5)


def _code(answer: Sent) -> str:
    if answer.status == 0:
        return f"transport:{answer.error}"
    return f"{answer.status} {answer.rule}".strip()
