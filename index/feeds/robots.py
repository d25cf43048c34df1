"""robots.txt, read once per host per run, with the answers RFC 9309 gives for missing files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

from index.feeds.urls import origin_of

# RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 60.0


@dataclass(frozen=True)
class RobotsAnswer:
    """What a host's robots.txt said: its rules, or why the whole host is off-limits this run."""

    parser: RobotFileParser | None  # None: no rules (allow all), or unavailable (see `blocked`)
    blocked: str | None = None  # the whole host is off-limits for this run, and why

    def allows(self, url: str, user_agent: str) -> bool:
        if self.blocked:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(user_agent)
        return min(float(delay), MAX_CRAWL_DELAY_S) if delay else 0.0


@dataclass(frozen=True)
class RobotsFile:
    """The outcome of fetching /robots.txt: a status and text, or a transport error."""

    status: int | None
    text: str = ""
    error: str | None = None


def interpret(result: RobotsFile) -> RobotsAnswer:
    """RFC 9309, section 2.3.1: a 4xx means no rules; a 5xx or no answer at all means keep out."""
    if result.status is not None and 200 <= result.status < 300:
        parser = RobotFileParser()
        parser.parse(result.text.splitlines())
        return RobotsAnswer(parser)
    if result.status is not None and 400 <= result.status < 500:
        return RobotsAnswer(None)
    why = f"HTTP {result.status}" if result.status is not None else (result.error or "no answer")
    return RobotsAnswer(None, blocked=f"robots.txt unavailable ({why}); the host is not fetched this run")


class RobotsCache:
    """One robots.txt per origin per run: a run asks the host once, not once per page."""

    def __init__(self, user_agent: str, fetch: Callable[[str], RobotsFile]) -> None:
        self._user_agent = user_agent
        self._fetch = fetch
        self._answers: dict[str, RobotsAnswer] = {}

    def answer(self, url: str) -> RobotsAnswer:
        origin = origin_of(url)
        if origin not in self._answers:
            self._answers[origin] = interpret(self._fetch(origin + "/robots.txt"))
        return self._answers[origin]

    def refusal(self, url: str) -> str | None:
        """Why robots.txt keeps us from `url`, or None when it may be fetched."""
        answer = self.answer(url)
        if answer.blocked:
            return answer.blocked
        if not answer.allows(url, self._user_agent):
            return "disallowed by the site's robots.txt"
        return None

    def crawl_delay(self, url: str) -> float:
        return self.answer(url).crawl_delay(self._user_agent)
