"""Per-user and per-channel question limits: a sliding window of recent questions per key."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from bot.discord.config import DiscordConfig


class RateLimiter:
    """At most `limit` events per key within any `window_s` seconds (a sliding window)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[int, deque[float]] = {}

    def retry_after(self, key: int) -> float:
        """Seconds until `key` may act again; 0 when it may act now."""
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            return 0.0
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
            return 0.0
        return events[0] + self.window_s - now if len(events) >= self.limit else 0.0

    def record(self, key: int) -> None:
        self._events.setdefault(key, deque()).append(self.clock())


class RateLimits:
    """The per-user and per-channel question limits from the settings."""

    def __init__(self, config: DiscordConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.user = RateLimiter(config.user_rate, config.rate_window_s, clock)
        self.channel = RateLimiter(config.channel_rate, config.rate_window_s, clock)

    def check(self, user_id: int, channel_id: int) -> str | None:
        """None when the question may go ahead (and it is counted), else the polite reply."""
        if wait := self.user.retry_after(user_id):
            return (
                f"You're asking faster than I can answer: at most {self.user.limit} questions every "
                f"{duration(self.user.window_s)}. Please try again in {duration(wait)}."
            )
        if wait := self.channel.retry_after(channel_id):
            return (
                f"This channel has had {self.channel.limit} questions in the last {duration(self.channel.window_s)}. "
                f"Please try again in {duration(wait)}."
            )
        self.user.record(user_id)
        self.channel.record(channel_id)
        return None


def duration(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"
