"""Reading a feed document (RSS 0.9x/1.0/2.0, Atom) into `FeedItem`s with feedparser.

feedparser is given the bytes already fetched, never a URL: it has an HTTP client of its own,
which would skip every check the polite client makes.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import feedparser

from index.feeds.text import html_to_text, one_line
from index.feeds.urls import BadURL, canonical_url


class FeedError(ValueError):
    """The document is not a feed that can be read; the message says why."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed.

    `identity` is what says "the same item" across polls: its GUID (made feed-specific when it is
    not a URL or URN, since plain GUIDs like "1234" repeat across publishers), else its canonical
    link. `fingerprint` changes whenever the entry's own fields change, which is what triggers a
    fresh fetch of its page.
    """

    identity: str
    link: str | None
    title: str
    authors: tuple[str, ...]
    published: date | None
    text: str  # the entry's own text (full content, else summary), as plain paragraphs
    fingerprint: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: tuple[FeedItem, ...]
    skipped: int = 0  # entries with neither a GUID nor a link: nothing to call them by


def parse_feed(body: bytes, feed_url: str, content_type: str = "") -> ParsedFeed:
    """Parse a feed's bytes; relative links resolve against `feed_url`. Raises `FeedError`."""
    headers = {"content-location": feed_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=True)
    entries = list(parsed.get("entries", []))
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        error = parsed.get("bozo_exception")
        detail = f": {one_line(str(error))[:200]}" if error else ""
        raise FeedError(f"not a readable RSS or Atom feed{detail}")
    items: list[FeedItem] = []
    skipped = 0
    for entry in entries:
        item = _item(entry, feed_url)
        if item is None:
            skipped += 1
        else:
            items.append(item)
    title = one_line(str(parsed.get("feed", {}).get("title", "")))
    return ParsedFeed(title=title, items=tuple(items), skipped=skipped)


def _item(entry: dict, feed_url: str) -> FeedItem | None:
    link = _canonical_or_none(entry.get("link"))
    guid = one_line(str(entry.get("id") or ""))
    if guid:
        identity = guid if ":" in guid else f"{feed_url}#{guid}"
    elif link:
        identity = link
    else:
        return None
    title = one_line(str(entry.get("title") or ""))
    authors = tuple(
        name for name in (one_line(str(author.get("name") or "")) for author in entry.get("authors", []) or []) if name
    )
    if not authors and entry.get("author"):
        authors = (one_line(str(entry["author"])),)
    published = _date(entry.get("published_parsed") or entry.get("updated_parsed"))
    text = _longest_text(entry)
    fingerprint_fields = [identity, link, title, authors, str(published), text, str(entry.get("updated", ""))]
    fingerprint = hashlib.sha256(json.dumps(fingerprint_fields).encode("utf-8")).hexdigest()
    return FeedItem(identity, link, title, authors, published, text, fingerprint)


def _canonical_or_none(link: object) -> str | None:
    if not link:
        return None
    try:
        return canonical_url(str(link))
    except BadURL:
        return None


def _date(value: time.struct_time | None) -> date | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC).date()
    except (TypeError, ValueError):
        return None


def _longest_text(entry: dict) -> str:
    """The fullest text the entry carries: content:encoded / Atom content, else the summary."""
    candidates = [part.get("value", "") for part in entry.get("content", []) or []]
    candidates.append(entry.get("summary", "") or "")
    texts = [html_to_text(candidate) for candidate in candidates if candidate]
    return max(texts, key=len, default="")
