"""Real news in: RSS/Atom feeds, web pages and sitemaps fetched politely into the corpus folder,
and wire copies of one story grouped.

Plain functions for the settings and CLI layers to call; nothing here reads the environment.
Fetched articles are Markdown files under `<corpus>/feeds/<host>/`, so the ordinary
`update_index` indexes them like any other article, and only when they change.
"""

from index.feeds.config import DEFAULT_USER_AGENT, FetchConfig
from index.feeds.fetch import add_urls, fetch_feeds
from index.feeds.report import FetchProblem, FetchReport
from index.feeds.reprints import Reprint, ReprintGroup, group_reprints
from index.feeds.state import FeedEntry, RunInProgress, StateError
from index.feeds.subscriptions import FeedListError, add_feed, list_feeds, remove_feed

__all__ = [
    "DEFAULT_USER_AGENT",
    "FeedEntry",
    "FeedListError",
    "FetchConfig",
    "FetchProblem",
    "FetchReport",
    "Reprint",
    "ReprintGroup",
    "RunInProgress",
    "StateError",
    "add_feed",
    "add_urls",
    "fetch_feeds",
    "group_reprints",
    "list_feeds",
    "remove_feed",
]
