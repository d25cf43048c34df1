"""Following feeds: `add_feed`, `remove_feed`, `list_feeds`. No network: a feed is checked when polled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from index.articles import outlet_name
from index.feeds.config import FetchConfig
from index.feeds.state import FeedEntry, load_state, locked, save_state
from index.feeds.urls import BadURL, canonical_url


class FeedListError(ValueError):
    """A feed that cannot be added as given; the message is the reason shown to the user."""


def add_feed(config: FetchConfig, url: str, outlet: str | None = None) -> FeedEntry:
    """Follow the feed at `url`. Adding it again only changes its outlet (when one is given).

    `outlet` names the publisher on every article from this feed; without it the page's own site
    name is used. It is checked as every article's outlet is (`index.articles.outlet_name`), here,
    so that a name with terminal escapes is refused once rather than every article from the feed
    failing later. Raises `FeedListError` for a bad URL or outlet, `StateError` for a damaged list.
    """
    try:
        key = canonical_url(url)
    except BadURL as error:
        raise FeedListError(str(error)) from error
    name = None
    if outlet is not None:
        try:
            name = " ".join(outlet_name(outlet).split())
        except ValueError as error:
            raise FeedListError(f"bad outlet name {outlet[:60]!r}: {error}") from None
    with locked(config.feeds_file):
        state = load_state(config.feeds_file)
        existing = state.feeds.get(key)
        if existing is None:
            entry = FeedEntry(url=key, outlet=name, added=datetime.now(UTC).isoformat(timespec="seconds"))
        else:
            entry = replace(existing, outlet=name if name is not None else existing.outlet)
        state.feeds[key] = entry
        save_state(config.feeds_file, state)
    return entry


def remove_feed(config: FetchConfig, url: str) -> bool:
    """Stop following a feed; True if it was followed. Articles already written stay in the corpus."""
    try:
        key = canonical_url(url)
    except BadURL:
        key = url.strip()
    with locked(config.feeds_file):
        state = load_state(config.feeds_file)
        if state.feeds.pop(key, None) is None:
            return False
        save_state(config.feeds_file, state)
    return True


def list_feeds(config: FetchConfig) -> tuple[FeedEntry, ...]:
    """The followed feeds, in URL order."""
    state = load_state(config.feeds_file)
    return tuple(state.feeds[url] for url in sorted(state.feeds))
