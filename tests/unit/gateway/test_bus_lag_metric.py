"""The bus-lag gauge: read at scrape time, kept a few seconds, and 'up 0' when the bus cannot say."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, generate_latest

from declarations.bus.memory import MemoryBus
from declarations.errors import BusUnavailableError
from gateway.metrics import BusLag


class _Unreachable(MemoryBus):
    def lag(self, groups: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
        raise BusUnavailableError("the broker is down")


def _scrape(collector: BusLag) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


def test_lag_is_read_once_per_interval_and_reported_per_group_and_topic() -> None:
    bus = MemoryBus()
    bus.create_topics({"t": 2})
    bus.publish("t", b"k", b"v")
    collector = BusLag(bus, {"g": ["t"]}, ttl_s=60)
    first = _scrape(collector)
    bus.publish("t", b"k", b"v")
    assert 'cebsim_bus_lag_records{group="g",topic="t"} 1.0' in first
    assert 'cebsim_bus_lag_records{group="g",topic="t"} 1.0' in _scrape(collector)  # within the interval
    assert 'cebsim_bus_lag_records{group="g",topic="t"} 2.0' in _scrape(BusLag(bus, {"g": ["t"]}, ttl_s=0))
    assert "cebsim_bus_lag_up 1.0" in first


def test_an_unreachable_bus_reports_no_lag_and_up_0() -> None:
    text = _scrape(BusLag(_Unreachable(), {"g": ["t"]}))
    assert "cebsim_bus_lag_up 0.0" in text
    assert "cebsim_bus_lag_records{" not in text
