"""Text and metadata of a news page, with trafilatura (which runs no scripts and fetches nothing).

The date comes first from the page's own markup; when the page declares none, htmldate's wider
search (dates in the text and URL) is the last resort, after the feed's date: a date the
publisher states beats a date guessed from the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import htmldate
import trafilatura
from lxml import etree
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import load_html

from index.feeds.text import one_line, paragraphs
from index.feeds.urls import BadURL, canonical_url, host_of

_MODIFIED_META = (
    ("property", "article:modified_time"),
    ("property", "og:updated_time"),
    ("itemprop", "dateModified"),
    ("name", "last-modified"),
)


@dataclass(frozen=True)
class PageContent:
    """What was read from one page. `url` is its canonical address (see `_canonical`)."""

    url: str
    title: str
    authors: tuple[str, ...]
    site_name: str
    published: date | None
    modified: datetime | None
    text: str


def extract_page(html: str | bytes, final_url: str, *, fallback_date: date | None = None) -> PageContent | None:
    """Read a page's article text and metadata; None when there is no readable text at all."""
    tree = load_html(html)
    if tree is None:
        return None
    canonical = _canonical(tree, final_url)
    modified = _date_modified(tree)
    document = trafilatura.bare_extraction(
        tree,
        url=final_url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # Markup only here: a date guessed from the text must not beat the feed's own date.
        date_extraction_params=set_date_params(extensive=False),
    )
    if not isinstance(document, Document) or not (document.text or "").strip():
        return None
    title = one_line(document.title or "")
    text = _without_title(paragraphs(document.text or ""), title)
    published = _iso_date(document.date) or fallback_date or _guess_date(html, final_url)
    return PageContent(
        url=canonical,
        title=title,
        authors=_authors(document.author),
        site_name=one_line(document.sitename or ""),
        published=published,
        modified=modified,
        text=text,
    )


def _canonical(tree: etree._Element, final_url: str) -> str:
    """The page's rel=canonical when it names the same host, else the URL we ended up at.

    A canonical on another host is how a reprint points at the wire original; taking it would
    file one outlet's copy under another outlet's address, so it is ignored.
    """
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        try:
            candidate = canonical_url(str(href))
        except BadURL:
            continue
        if _bare_host(host_of(candidate)) == _bare_host(host_of(final_url)):
            return candidate
    return final_url


def _bare_host(host: str) -> str:
    return host.removeprefix("www.")


def _date_modified(tree: etree._Element) -> datetime | None:
    """The page's own dateModified (JSON-LD, then meta tags), never a guess."""
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(str(script))
        except ValueError:
            continue
        for node in _json_nodes(data):
            value = _iso_datetime(node.get("dateModified"))
            if value is not None:
                return value
    for attribute, name in _MODIFIED_META:
        for content in tree.xpath(f'//meta[@{attribute}="{name}"]/@content'):
            value = _iso_datetime(content)
            if value is not None:
                return value
    return None


def _json_nodes(data: object, depth: int = 0) -> list[dict]:
    """Every object in a JSON-LD document (through @graph and lists), a few levels deep."""
    if depth > 4:
        return []
    if isinstance(data, list):
        return [node for item in data for node in _json_nodes(item, depth + 1)]
    if isinstance(data, dict):
        return [data, *_json_nodes(data.get("@graph", []), depth + 1)]
    return []


def _iso_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(value.strip()[:10]), datetime.min.time())
        except ValueError:
            return None


def _iso_date(value: object) -> date | None:
    stamp = _iso_datetime(value)
    return stamp.date() if stamp else None


def _guess_date(html: str | bytes, url: str) -> date | None:
    """htmldate's wider search, for a page that states no date in its markup."""
    tree = load_html(html)  # htmldate is given the page, never the URL (it would fetch it)
    if tree is None:
        return None
    try:
        found = htmldate.find_date(tree, extensive_search=True, original_date=True, url=url)
    except (ValueError, TypeError):
        return None
    return _iso_date(found)


def _authors(value: str | None) -> tuple[str, ...]:
    names = [one_line(name) for name in (value or "").split(";")]
    return tuple(dict.fromkeys(name for name in names if name))


def _without_title(text: str, title: str) -> str:
    """Drop the headline trafilatura repeats as the first line: it is already in the front matter."""
    first, _, rest = text.partition("\n\n")
    if title and one_line(first) == title and rest:
        return rest
    return text
