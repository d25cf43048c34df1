"""Helpers the bench workers share."""

from __future__ import annotations

from pathlib import Path

from generated_news import touch_fraction


def touch(corpus: Path, fraction: float = 0.01) -> int:
    return touch_fraction(sorted(corpus.glob("*.md")), fraction)
