"""Which rate the peak benchmark tries next: double while steps hold, then bisect.

A ladder that only doubles reports 0 when its first rung fails, and says nothing about where
between the last rung that held and the first that failed the real limit is. So: start at
`start`; double while every step holds; after the first failure, try the middle of the highest
rate that held (0 if none) and the lowest that failed, until the two are within `resolution`
of each other (a fraction of the lower one, and never closer than `floor`), the next rate would
be below `floor`, or the steps run out.
"""

from __future__ import annotations

from collections.abc import Mapping


def next_rate(
    tried: Mapping[int, bool],
    *,
    start: int,
    ceiling: int,
    floor: int = 2,
    resolution: float = 0.25,
    max_steps: int = 8,
) -> int | None:
    """The next rate to try given `tried` (rate → held), or None when the search is done."""
    if not tried:
        return start
    if len(tried) >= max_steps:
        return None
    held = max((rate for rate, ok in tried.items() if ok), default=0)
    failed = min((rate for rate, ok in tried.items() if not ok), default=None)
    if failed is None:
        up = min(held * 2, ceiling)
        return up if up > held else None
    if failed - held <= max(floor, held * resolution):
        return None
    middle = (held + failed) // 2
    return middle if middle >= floor and middle not in tried else None


def peak(tried: Mapping[int, bool]) -> int:
    """The highest rate that held, below every rate that failed (0 if none did)."""
    failed = min((rate for rate, ok in tried.items() if not ok), default=None)
    return max((rate for rate, ok in tried.items() if ok and (failed is None or rate < failed)), default=0)
