"""A sliding-window rate limiter shared by every view that takes questions (Discord, HTTP).

Why a sliding window rather than a fixed one: a fixed window lets a client send twice the limit
across a window boundary; remembering each event's time costs at most `limit` floats per key.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# Keys that have gone quiet are dropped when this many are held, so a stream of new clients
# (many addresses, many users) cannot grow the table without bound.
SWEEP_AT_KEYS = 10_000


class RateLimiter(Generic[K]):
    """At most `limit` events per key within any `window_s` seconds (a sliding window)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[K, deque[float]] = {}

    def retry_after(self, key: K) -> float:
        """Seconds until `key` may act again; 0 when it may act now."""
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            return 0.0
        self._expire(events, now)
        if not events:
            del self._events[key]
            return 0.0
        return events[0] + self.window_s - now if len(events) >= self.limit else 0.0

    def record(self, key: K) -> None:
        if len(self._events) >= SWEEP_AT_KEYS and key not in self._events:
            self._sweep()
        self._events.setdefault(key, deque()).append(self.clock())

    def acquire(self, key: K) -> float:
        """Count an event for `key` if it may act now and return 0, else return the seconds to wait."""
        if wait := self.retry_after(key):
            return wait
        self.record(key)
        return 0.0

    def __len__(self) -> int:
        return len(self._events)

    def _expire(self, events: deque[float], now: float) -> None:
        while events and events[0] <= now - self.window_s:
            events.popleft()

    def _sweep(self) -> None:
        now = self.clock()
        for key in list(self._events):
            self._expire(self._events[key], now)
            if not self._events[key]:
                del self._events[key]


def duration(seconds: float) -> str:
    """`3 seconds`: whole seconds, rounded up, never 0 (a wait of 0.2 s is "1 second")."""
    whole = max(1, math.ceil(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"
