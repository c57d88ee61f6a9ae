"""The platforms' rate limits, as the fakes enforce them: a token bucket per key."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class RateLimit:
    """`rate` requests a second per key, `burst` at once; answers how long to wait when over."""

    rate: float
    burst: float
    limited: int = 0  # how many requests were refused
    allowed: int = 0
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """0.0 if the request may go, else the seconds until it could."""
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            self.allowed += 1
            return 0.0
        self._buckets[key] = (tokens, now)
        self.limited += 1
        return (1.0 - tokens) / self.rate

    def seconds_for(self, requests: int) -> float:
        """The least time `requests` requests from one key can take under this limit."""
        return max(0.0, (requests - self.burst) / self.rate)
