"""Intended send times for an open-loop replay: a linear ramp from 0 to `rate`, then `rate` per second.

With r(t) = rate·t/ramp during the ramp, N(t) = rate·t²/(2·ramp), so message i (0-based) is due at
sqrt(2·ramp·i/rate) while i < rate·ramp/2, and at ramp + (i − rate·ramp/2)/rate after.
"""

from __future__ import annotations

import math


def intended_offset(index: int, rate: float, ramp_s: float) -> float:
    """Seconds after the start at which message `index` is due."""
    if rate <= 0:
        return 0.0
    in_ramp = rate * ramp_s / 2
    if ramp_s > 0 and index < in_ramp:
        return math.sqrt(2 * ramp_s * index / rate)
    return ramp_s + (index - in_ramp) / rate if ramp_s > 0 else index / rate
