"""`FetchConfig`: everything the fetcher needs, as one immutable value built by the application's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_USER_AGENT = "factdesk/0.1 (+https://github.com/factdesk)"


@dataclass(frozen=True)
class FetchConfig:
    """How fetched news is written and how politely it is fetched.

    `corpus_dir` is the indexer's corpus folder (articles go below `feeds/` in it) and `data_dir`
    holds `feeds.json`, so fetching and indexing share one pair of folders.
    """

    corpus_dir: Path
    data_dir: Path
    user_agent: str = DEFAULT_USER_AGENT
    # Every network wait (connect, each read) and also the whole download of one response, so a
    # server trickling bytes cannot hold the run.
    timeout_s: float = 20.0
    # A page, feed or sitemap larger than this is refused while streaming, before it fills memory;
    # a gzip sitemap is held to it after decompression too.
    max_bytes: int = 5_000_000
    # Between two requests to the same host. robots.txt's Crawl-delay raises it (up to a minute).
    per_host_delay_s: float = 1.0
    max_redirects: int = 5
    # Off by default: a feed or page must not make the server fetch from its own network (SSRF).
    allow_private: bool = False
    # Extracted text shorter than this is a paywall stub, a cookie wall or an index page.
    min_article_chars: int = 400
    # A sitemap can list millions of pages; a run fetches at most this many of them.
    max_sitemap_pages: int = 500
    # A feed item beyond this many in one poll is left for a later poll.
    max_items_per_feed: int = 200
    # The indexer's file size limit (IndexConfig.max_article_bytes): a longer article is reported,
    # not written, so it never turns up as a problem of the next index run instead.
    max_article_bytes: int = 2_000_000
    # How often `factdesk index --watch` and the Discord bot poll the followed feeds; 0: never.
    poll_interval_s: float = 900.0

    def __post_init__(self) -> None:
        for name in ("timeout_s", "max_bytes", "max_redirects", "min_article_chars"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.timeout_s <= 0 or self.max_bytes <= 0:
            raise ValueError("timeout_s and max_bytes must be positive")
        if self.per_host_delay_s < 0:
            raise ValueError("per_host_delay_s must not be negative")
        if not self.user_agent.strip() or any(c in self.user_agent for c in "\r\n"):
            raise ValueError("user_agent must be one non-empty line")

    @property
    def feeds_file(self) -> Path:
        """The list of followed feeds and what was fetched from them."""
        return self.data_dir / "feeds.json"

    @property
    def output_dir(self) -> Path:
        """Where fetched articles are written: a folder of the corpus, so the indexer picks them up."""
        return self.corpus_dir / "feeds"
