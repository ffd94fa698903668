"""The peak benchmark's rate search and the warm-up split of generated traffic."""

from __future__ import annotations

import pytest

from benchmarks.harness.rates import next_rate, peak
from benchmarks.traffic.source import Expectation, Outgoing, Traffic, split


def search(limit: float, **options: int) -> dict[int, bool]:
    """Run the search against a system that holds every rate up to `limit`."""
    tried: dict[int, bool] = {}
    while (rate := next_rate(tried, **options)) is not None:
        assert rate not in tried, f"{rate} tried twice: {tried}"
        tried[rate] = rate <= limit
    return tried


def test_doubles_while_steps_hold_up_to_the_ceiling() -> None:
    tried = search(10_000, start=25, ceiling=1600)
    assert list(tried) == [25, 50, 100, 200, 400, 800, 1600]
    assert peak(tried) == 1600


def test_bisects_between_the_last_rate_that_held_and_the_first_that_failed() -> None:
    tried = search(130, start=25, ceiling=1600)
    assert list(tried)[:4] == [25, 50, 100, 200]
    assert list(tried)[4] == 150
    assert 100 <= peak(tried) <= 130


def test_goes_below_the_start_when_the_first_step_fails() -> None:
    tried = search(7, start=25, ceiling=1600)
    assert list(tried)[:3] == [25, 12, 6]
    assert peak(tried) in (6, 7)


def test_reports_zero_when_nothing_holds_down_to_the_floor() -> None:
    tried = search(0, start=25, ceiling=1600, floor=2)
    assert min(tried) >= 2
    assert peak(tried) == 0


def test_stops_after_max_steps() -> None:
    assert len(search(13, start=25, ceiling=1600, max_steps=3)) == 3


def test_a_rate_that_held_above_a_failure_does_not_count() -> None:
    assert peak({25: True, 50: False, 100: True}) == 25


def _traffic() -> Traffic:
    parcels = ["p1", "p2", "p3"]
    messages = [
        Outgoing(seq, "E1", "CEB311", (parcel,), b"<x/>")
        for seq, parcel in enumerate(["p1", "p2", "p1", "p3", "p2", "p3"], start=1)
    ]
    last = {p: max(m.seq for m in messages if p in m.parcels) for p in parcels}
    expected = {p: Expectation(p, f"g-{p}", last[p], "CEB622", "800") for p in parcels}
    return Traffic(messages, {"E1": "key"}, expected, checked=True)


def test_split_keeps_each_parcels_messages_and_expectation_together() -> None:
    head, tail = split(_traffic(), 2)
    assert [m.seq for m in head.messages] == [1, 2, 3, 5]
    assert [m.seq for m in tail.messages] == [4, 6]
    assert set(head.parcels) == {"p1", "p2"}
    assert set(tail.parcels) == {"p3"}
    assert head.keys == tail.keys == {"E1": "key"}
    assert head.checked
    assert tail.checked


def test_split_refuses_a_message_that_straddles_the_halves() -> None:
    loaded = _traffic()
    loaded.messages.append(Outgoing(7, "E1", "CEB311", ("p1", "p3"), b"<x/>"))
    with pytest.raises(ValueError, match="first 2 parcels"):
        split(loaded, 2)
