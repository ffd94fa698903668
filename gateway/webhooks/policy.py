"""When to try a webhook delivery again (pure): exponential backoff with jitter, then give up.

With the defaults, attempt n that fails waits 1 s · 2^(n-1), capped at 300 s, each delay spread
by ±20 % jitter so many deliveries failing together do not come back together:
1, 2, 4, 8, 16, 32, 64, 128, 256 s; the tenth failure marks the delivery `failed`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 300.0
    max_attempts: int = 10
    jitter: float = 0.2  # each delay is multiplied by a factor in [1 - jitter, 1 + jitter]
    random: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempts: int) -> timedelta:
        """The wait after `attempts` failed attempts (attempts ≥ 1)."""
        nominal = min(self.cap_s, self.base_s * self.factor ** (attempts - 1))
        spread = 1.0 - self.jitter + 2.0 * self.jitter * self.random()
        return timedelta(seconds=nominal * spread)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
