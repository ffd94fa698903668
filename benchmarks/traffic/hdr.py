"""An HDR-style histogram: log-linear buckets with < 0.8 % relative error, exact count and max.

Values are recorded in microseconds. Below 256 µs every microsecond has its own bucket; above, each
power of two is split into 128 sub-buckets, so a bucket's width is under 1/128 of its value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SUB_BUCKETS = 128
LINEAR_LIMIT = 2 * SUB_BUCKETS


def bucket_of(value_us: int) -> int:
    if value_us < LINEAR_LIMIT:
        return max(value_us, 0)
    shift = value_us.bit_length() - 8
    return LINEAR_LIMIT + (shift - 1) * SUB_BUCKETS + (value_us >> shift) - SUB_BUCKETS


def bucket_bounds(index: int) -> tuple[int, int]:
    """[low, high) of bucket `index`, in microseconds."""
    if index < LINEAR_LIMIT:
        return index, index + 1
    shift, offset = divmod(index - LINEAR_LIMIT, SUB_BUCKETS)
    shift += 1
    low = (SUB_BUCKETS + offset) << shift
    return low, low + (1 << shift)


@dataclass
class Histogram:
    counts: dict[int, int] = field(default_factory=dict)
    count: int = 0
    total_us: int = 0
    max_us: int = 0

    def record(self, seconds: float) -> None:
        value = max(int(seconds * 1_000_000), 0)
        index = bucket_of(value)
        self.counts[index] = self.counts.get(index, 0) + 1
        self.count += 1
        self.total_us += value
        self.max_us = max(self.max_us, value)

    def merge(self, other: Histogram) -> None:
        for index, count in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + count
        self.count += other.count
        self.total_us += other.total_us
        self.max_us = max(self.max_us, other.max_us)

    def percentile_ms(self, percent: float) -> float:
        """The value below which `percent` % of the recordings fall (bucket midpoint, ≤ max), in ms."""
        if not self.count:
            return 0.0
        rank = max(1, round(self.count * percent / 100))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                low, high = bucket_bounds(index)
                return round(min((low + high - 1) / 2, self.max_us) / 1000, 3)
        return round(self.max_us / 1000, 3)

    def summary_ms(self) -> dict[str, float]:
        percentiles = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9}
        summary = {name: self.percentile_ms(percent) for name, percent in percentiles.items()}
        mean = self.total_us / self.count / 1000 if self.count else 0.0
        return summary | {"max": round(self.max_us / 1000, 3), "mean": round(mean, 3), "count": self.count}

    def buckets_ms(self, per_decade: int = 20) -> list[tuple[float, int]]:
        """Counts regrouped on a log scale (`per_decade` bins per factor of ten): [(upper ms, count)]."""
        grouped: dict[int, int] = {}
        for index, count in self.counts.items():
            low, _ = bucket_bounds(index)
            key = _log_bin(max(low, 1), per_decade)
            grouped[key] = grouped.get(key, 0) + count
        return [(round(10 ** ((key + 1) / per_decade) / 1000, 3), grouped[key]) for key in sorted(grouped)]


def _log_bin(value_us: int, per_decade: int) -> int:
    return math.floor(math.log10(value_us) * per_decade)
