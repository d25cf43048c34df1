"""The shared sliding-window limiter (Discord users and channels, HTTP clients)."""

from __future__ import annotations

import pytest

from bot import limits
from bot.limits import RateLimiter, duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_acquire_counts_only_what_it_lets_through() -> None:
    clock = Clock()
    limiter: RateLimiter[str] = RateLimiter(2, 10.0, clock)
    assert limiter.acquire("10.0.0.1") == 0.0
    clock.now += 3
    assert limiter.acquire("10.0.0.1") == 0.0
    assert limiter.acquire("10.0.0.1") == pytest.approx(7.0)
    assert limiter.acquire("10.0.0.2") == 0.0  # another client has its own window
    clock.now += 7
    assert limiter.acquire("10.0.0.1") == 0.0  # the first event left the window; the refusal was not counted


def test_quiet_keys_are_swept_when_the_table_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SWEEP_AT_KEYS", 3)
    clock = Clock()
    limiter: RateLimiter[int] = RateLimiter(1, 5.0, clock)
    for key in range(3):
        limiter.record(key)
    clock.now += 5
    limiter.record(99)
    assert len(limiter) == 1


def test_duration_rounds_up_to_whole_seconds() -> None:
    assert duration(0.2) == "1 second" and duration(1.5) == "2 seconds"
