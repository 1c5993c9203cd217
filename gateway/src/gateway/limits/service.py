"""In-memory token buckets: per-principal request rate, and failed logins per client IP.

Per process: with several gateway replicas each enforces its own share, which is what a limit
against a runaway client or a password-guessing loop needs (not an exact global quota)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any


class TokenBuckets:
    """``take(key)`` spends one token of ``key``'s bucket (``burst`` tokens, refilled at ``rate``
    per second) and returns 0, or the seconds to wait when the bucket is empty."""

    __slots__ = ("_buckets", "burst", "clock", "max_keys", "rate")

    def __init__(
        self, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, list[float]] = {}

    def take(self, key: str, cost: float = 1.0) -> int:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._sweep(now)
            self._buckets[key] = [self.burst - cost, now]
            return 0
        tokens = bucket[0] + (now - bucket[1]) * self.rate
        if tokens > self.burst:
            tokens = self.burst
        bucket[1] = now
        if tokens >= cost:
            bucket[0] = tokens - cost
            return 0
        bucket[0] = tokens
        return max(1, math.ceil((cost - tokens) / self.rate))

    def peek(self, key: str) -> int:
        """Seconds until ``key`` could spend a token (0 if it can now), without spending."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0
        tokens = min(self.burst, bucket[0] + (self.clock() - bucket[1]) * self.rate)
        return 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self.rate))

    def _sweep(self, now: float) -> None:
        # Full buckets carry no information: forget them. If that frees nothing, start over
        # rather than grow without bound (a flood of distinct keys is itself an attack).
        full = [k for k, (tokens, at) in self._buckets.items() if tokens + (now - at) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


def client_ip(scope: dict[str, Any], *, trust_forwarded: bool = False) -> str:
    """The caller's address: the TCP peer, or behind a trusted ingress the address it appended
    last to ``X-Forwarded-For`` (entries before it were written by the client and prove nothing)."""
    if trust_forwarded:
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                last: str = value.decode("latin-1").rsplit(",", 1)[-1].strip()
                if last:
                    return last
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
