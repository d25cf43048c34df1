"""Per-user and per-channel question limits, each a sliding window (`bot.limits.RateLimiter`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.discord.config import DiscordConfig
from bot.limits import RateLimiter, duration


class RateLimits:
    """The per-user and per-channel question limits from the settings."""

    def __init__(self, config: DiscordConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.user: RateLimiter[int] = RateLimiter(config.user_rate, config.rate_window_s, clock)
        self.channel: RateLimiter[int] = RateLimiter(config.channel_rate, config.rate_window_s, clock)

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
