"""Reading XML sitemaps and sitemap indexes (plain or gzip) into page URLs.

Parsed by lxml with entities, DTDs and network access off: a sitemap is untrusted XML.
A gzip sitemap is held to the size cap after decompression, so a small bomb cannot fill memory.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from lxml import etree

from index.feeds.urls import BadURL, canonical_url

_FEED_ROOTS = frozenset({"rss", "feed", "RDF", "channel"})


class SitemapError(ValueError):
    """Not a sitemap that can be read; the message says why."""


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None  # as the sitemap writes it: compared, never parsed


@dataclass(frozen=True)
class Sitemap:
    pages: tuple[SitemapEntry, ...] = ()
    children: tuple[str, ...] = ()  # further sitemaps, for a sitemap index
    skipped: int = 0  # <loc>s that are not http(s) addresses


def is_gzip(body: bytes) -> bool:
    return body[:2] == b"\x1f\x8b"


def gunzip(body: bytes, max_bytes: int) -> bytes:
    """Decompress at most `max_bytes`; more than that is refused rather than read."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as error:
        raise SitemapError(f"damaged gzip file: {error}") from error
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise SitemapError(f"decompresses to more than {max_bytes:,} bytes, over the limit")
    return data


def root_name(body: bytes) -> str | None:
    """The local name of the document's root element, or None when it is not XML."""
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
        return None
    return etree.QName(root).localname if root is not None else None


def parse_sitemap(body: bytes, *, max_bytes: int) -> Sitemap:
    """Page URLs (with lastmod) of a urlset, or child sitemap URLs of a sitemapindex."""
    if is_gzip(body):
        body = gunzip(body, max_bytes)
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        raise SitemapError(f"not well-formed XML: {error}") from error
    if root is None:
        raise SitemapError("empty document")
    name = etree.QName(root).localname
    if name in _FEED_ROOTS:
        raise SitemapError("this is a feed, not a sitemap: follow it with add_feed")
    if name not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (the root element is <{name}>, expected <urlset> or <sitemapindex>)")
    entries: list[SitemapEntry] = []
    skipped = 0
    for element in root:
        if not isinstance(element.tag, str):
            continue
        fields = {
            etree.QName(child).localname: (child.text or "").strip() for child in element if isinstance(child.tag, str)
        }
        try:
            url = canonical_url(fields.get("loc", ""))
        except BadURL:
            skipped += 1
            continue
        entries.append(SitemapEntry(url, fields.get("lastmod") or None))
    if name == "sitemapindex":
        return Sitemap(children=tuple(dict.fromkeys(entry.url for entry in entries)), skipped=skipped)
    unique = {entry.url: entry for entry in entries}
    return Sitemap(pages=tuple(unique.values()), skipped=skipped)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )
