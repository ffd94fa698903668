"""The replay's accounting: latency from the intended send time, outcomes against the manifest.

Two ways: a virtual clock with an in-memory sender (exact figures, no network), and a tiny HTTP server
on 127.0.0.1 with a known injected delay (the real httpx client and a real clock).
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from benchmarks.traffic.engine import Replay, ReplayOptions, Results
from benchmarks.traffic.hdr import Histogram, bucket_bounds, bucket_of
from benchmarks.traffic.ports import MonotonicClock, Sent
from benchmarks.traffic.raw_http import RawHttpClient
from benchmarks.traffic.schedule import intended_offset
from benchmarks.traffic.source import Expectation, Outgoing, Traffic


class VirtualClock:
    """Simulated time: when every task waits, time jumps to the earliest wake-up (a discrete-event clock)."""

    def __init__(self) -> None:
        self.t = 0.0
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def now(self) -> float:
        return self.t

    async def sleep_until(self, moment: float) -> None:
        if moment <= self.t:
            await asyncio.sleep(0)
            return
        self._count += 1
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (moment, self._count, wake))
        await wake

    async def drive(self) -> None:
        while True:
            for _ in range(50):  # let every runnable task run until it waits
                await asyncio.sleep(0)
            if self._waiting:
                moment, _, wake = heapq.heappop(self._waiting)
                self.t = max(self.t, moment)
                wake.set_result(None)


class SlowServer:
    """Serves one request at a time, `service_s` each: the sender (concurrency 1) sees it exactly."""

    def __init__(self, clock: VirtualClock, service_s: float) -> None:
        self.clock, self.service_s = clock, service_s

    async def post(self, api_key: str, body: bytes) -> Sent:
        await self.clock.sleep_until(self.clock.now() + self.service_s)
        return Sent(202)


class ListReceipts:
    """Answers every list guid with the statuses of `outcomes` (guid → statuses), once."""

    def __init__(self, outcomes: dict[str, list[str]]) -> None:
        self.outcomes, self.given = outcomes, False

    async def page(self, api_key: str, after: int, wait_s: float = 0.0) -> tuple[list[dict[str, Any]], int]:
        if self.given:
            return [], after
        self.given = True
        rows = [{"document_guid": guid, "message_type": "CEB622", "return_status": status}
                for guid, statuses in self.outcomes.items() for status in statuses]  # fmt: skip
        return rows, len(rows)


def _traffic(count: int, parcels: dict[str, Expectation] | None = None) -> Traffic:
    messages = [Outgoing(seq, "3301960001", "CEB311", (), b"<x/>") for seq in range(1, count + 1)]
    return Traffic(messages, {"3301960001": "cebsim_test_key"}, parcels or {}, checked=parcels is not None)


def _run(replay: Replay) -> Results:
    async def main() -> Results:
        clock = replay.clock
        driver = asyncio.create_task(clock.drive()) if isinstance(clock, VirtualClock) else None
        try:  # a replay that never ends fails here instead of hanging the suite
            return await asyncio.wait_for(replay.run(), timeout=60)
        finally:
            if driver is not None:
                driver.cancel()
                await asyncio.gather(driver, return_exceptions=True)

    return asyncio.run(main())


def test_a_slow_server_shows_latency_growing_from_the_intended_send_times() -> None:
    clock = VirtualClock()
    options = ReplayOptions(rate=40, concurrency=1, follow_receipts=False)
    results = _run(Replay(_traffic(80), SlowServer(clock, 0.05), None, clock, options))
    # message k is due at k/40 s but starts when k earlier ones are done: latency 0.05 (k + 1) - k/40
    assert results.acceptance.count == 80
    assert results.acceptance.percentile_ms(0) == pytest.approx(50, rel=0.01)
    assert results.acceptance.max_us / 1000 == pytest.approx(50 * 80 - 79 * 25, rel=0.01)
    first, second = results.timeline[0].latency, results.timeline[1].latency
    assert second.percentile_ms(50) > first.percentile_ms(50) + 400


def test_a_fast_server_at_a_low_rate_shows_its_service_time() -> None:
    clock = VirtualClock()
    options = ReplayOptions(rate=10, concurrency=1, follow_receipts=False)
    results = _run(Replay(_traffic(20), SlowServer(clock, 0.02), None, clock, options))
    assert results.acceptance.percentile_ms(99) == pytest.approx(20, rel=0.01)


def test_outcomes_are_checked_against_the_manifest() -> None:
    expectations = {
        "P1": Expectation("P1", "G1", 1, "CEB622", "899"),
        "P2": Expectation("P2", "G2", 2, "CEB622", "-621106", ("-621106",)),
        "P3": Expectation("P3", "G3", 3, "CEB622", "899"),
    }
    receipts = ListReceipts(
        {"G1": ["2", "120", "399", "800", "899"], "G2": ["2", "-621106"], "G3": ["2", "100"]}
    )
    clock = VirtualClock()
    options = ReplayOptions(rate=100, concurrency=4, poll_interval_s=0.01, drain_s=0.1)
    results = _run(Replay(_traffic(3, expectations), SlowServer(clock, 0.001), receipts, clock, options))
    tracker = results.tracker
    assert (tracker.sent, tracker.terminal, tracker.outstanding) == (3, 3, 0)
    assert [row["parcel"] for row in tracker.unexpected()] == ["P3"]
    assert tracker.funnel["899"] == 1
    assert tracker.funnel["refused"] == 2


class OneSilentSender(ListReceipts):
    """Long polls: the first sender's are answered like ListReceipts, the other's never are."""

    def __init__(self, outcomes: dict[str, list[str]], silent_key: str) -> None:
        super().__init__(outcomes)
        self.silent_key, self.cancelled = silent_key, 0
        self.waits: set[float] = set()

    async def page(self, api_key: str, after: int, wait_s: float = 0.0) -> tuple[list[dict[str, Any]], int]:
        self.waits.add(wait_s)
        if api_key != self.silent_key:
            return await super().page(api_key, after, wait_s)
        try:
            await asyncio.Event().wait()  # a long poll that nothing ends
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return [], after


def test_a_finished_replay_cancels_the_long_polls_still_waiting() -> None:
    expectations = {"P1": Expectation("P1", "G1", 1, "CEB622", "899")}
    traffic = _traffic(2, expectations)
    traffic.messages[1] = dataclasses.replace(traffic.messages[1], sender="3301960002")
    traffic.keys["3301960002"] = "cebsim_silent_key"
    receipts = OneSilentSender({"G1": ["2", "120", "399", "800", "899"]}, "cebsim_silent_key")
    clock = VirtualClock()
    options = ReplayOptions(rate=100, concurrency=4, poll_interval_s=0.01, drain_s=60, long_poll_s=5)
    results = _run(Replay(traffic, SlowServer(clock, 0.001), receipts, clock, options))
    assert results.tracker.terminal == 1
    assert receipts.waits == {5}
    assert receipts.cancelled == 1
    assert clock.now() < 1  # done when P1 was, not at the end of the drain


class FeedFrom(ListReceipts):
    """A feed whose cursors continue from 100; it records the cursor of every read."""

    def __init__(self, outcomes: dict[str, list[str]]) -> None:
        super().__init__(outcomes)
        self.afters: list[int] = []

    async def page(self, api_key: str, after: int, wait_s: float = 0.0) -> tuple[list[dict[str, Any]], int]:
        self.afters.append(after)
        rows, count = await super().page(api_key, after, wait_s)
        return rows, (100 + count if rows else after)


def test_readers_start_at_the_given_cursors_and_report_where_they_stopped() -> None:
    """A measured replay after a warm-up on the same server reads only its own receipts."""
    expectations = {"P1": Expectation("P1", "G1", 1, "CEB622", "899")}
    receipts = FeedFrom({"G1": ["2", "120", "399", "800", "899"]})
    clock = VirtualClock()
    options = ReplayOptions(rate=100, concurrency=4, poll_interval_s=0.01, drain_s=0.1,
                            receipts_after={"3301960001": 100})  # fmt: skip
    results = _run(Replay(_traffic(1, expectations), SlowServer(clock, 0.001), receipts, clock, options))
    assert receipts.afters[0] == 100
    assert results.cursors == {"3301960001": 105}
    assert results.tracker.terminal == 1


def test_the_ramp_reaches_the_rate_and_then_keeps_it() -> None:
    assert intended_offset(0, 100, 10) == 0
    assert intended_offset(500, 100, 10) == pytest.approx(10)  # rate x ramp / 2 messages during the ramp
    assert intended_offset(600, 100, 10) == pytest.approx(11)
    assert intended_offset(7, 100, 0) == pytest.approx(0.07)


def test_the_histogram_keeps_values_within_one_percent() -> None:
    histogram = Histogram()
    for value_us in range(1, 200_000, 7):
        index = bucket_of(value_us)
        low, high = bucket_bounds(index)
        assert low <= value_us < high
        assert (high - low) <= max(1, value_us / 100)
        histogram.record(value_us / 1_000_000)
    assert histogram.percentile_ms(50) == pytest.approx(100, rel=0.01)


class _Delayed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the simulator's server does
    delay_s = 0.02
    lock: threading.Lock | None = None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.lock is not None:
            with self.lock:
                time.sleep(self.delay_s)
        else:
            time.sleep(self.delay_s)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def delayed_server() -> Iterator[str]:
    yield from _serve(type("Delayed20ms", (_Delayed,), {"delay_s": 0.02, "lock": None}))


@pytest.fixture
def stalled_server() -> Iterator[str]:
    yield from _serve(type("Stalled", (_Delayed,), {"delay_s": 0.05, "lock": threading.Lock()}))


async def _over_http(target: str, count: int, options: ReplayOptions) -> Results:
    client = RawHttpClient(target, options.concurrency)
    try:
        return await Replay(_traffic(count), client, None, MonotonicClock(), options).run()
    finally:
        await client.close()


class _ClosesAfterEachAnswer(BaseHTTPRequestHandler):
    """Keeps HTTP/1.1 but drops each connection after one answer, without saying so: what a
    server's keep-alive timeout does to an idle connection the client is about to reuse."""

    protocol_version = "HTTP/1.1"
    posts = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).posts += 1
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True

    def log_message(self, *args: Any) -> None:
        return None


def test_a_kept_alive_connection_the_server_dropped_is_replaced_not_reported_as_an_error() -> None:
    server = iter(_serve(_ClosesAfterEachAnswer))
    target = next(server)

    async def send() -> list[Sent]:
        client = RawHttpClient(target, 1)
        try:
            return [await client.post("key", b"<x/>") for _ in range(5)]
        finally:
            await client.close()

    try:
        answers = asyncio.run(send())
    finally:
        next(server, None)
    assert [a.status for a in answers] == [202] * 5
    assert _ClosesAfterEachAnswer.posts == 5  # each request was taken exactly once


def test_a_20_ms_server_measures_about_20_ms(delayed_server: str) -> None:
    options = ReplayOptions(rate=50, concurrency=8, follow_receipts=False)
    results = asyncio.run(_over_http(delayed_server, 50, options))
    assert results.accepted == 50
    assert 19 <= results.acceptance.percentile_ms(50) <= 45  # the server sleeps 20 ms; the rest is load


def test_a_stalled_server_shows_growing_latency_over_http(stalled_server: str) -> None:
    options = ReplayOptions(rate=40, concurrency=64, follow_receipts=False)
    results = asyncio.run(_over_http(stalled_server, 30, options))  # 20 requests/s served, 40/s sent
    assert results.accepted == 30
    assert results.acceptance.max_us / 1000 >= 500  # the last is due at 0.73 s and done near 1.5 s
    assert results.acceptance.percentile_ms(0) < 120
