"""Fetched articles as Markdown files with front matter, in the form the indexer reads.

A file is written only when what it says changed: its hash leaves out the fetch time, so
fetching an unchanged page again writes nothing and the next index update embeds nothing.
Every file is checked with the indexer's own parser before it is written, so a fetched
article is never a problem line in the next index run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from index.articles import ArticleError, parse_article
from index.feeds.state import atomic_write
from index.feeds.text import one_line
from index.feeds.urls import host_folder, host_of, short_hash, slug_for

# ArticleMeta's limits, so a long headline is cut rather than refused.
_LIMITS = {"title": 500, "outlet": 200, "provenance": 2000}
_MAX_AUTHORS = 20


@dataclass(frozen=True)
class FetchedArticle:
    """An article ready to be written, from a page or from a feed entry's own text."""

    title: str
    outlet: str
    url: str
    published: date | None
    modified: datetime | None
    fetched: datetime
    authors: tuple[str, ...]
    provenance: str
    body: str

    def front_matter(self) -> dict[str, object]:
        """The front matter, keys in reading order; `fetched` last."""
        data: dict[str, object] = {
            "title": _cut(self.title, "title"),
            "outlet": _cut(self.outlet, "outlet"),
            "url": self.url,
        }
        if self.published:
            data["published"] = self.published  # a YAML date, unquoted, as in hand-written articles
        if self.modified:
            data["modified"] = self.modified.isoformat()
        authors = [one_line(a)[:200] for a in self.authors if one_line(a)][:_MAX_AUTHORS]
        if authors:
            data["authors"] = authors
        data["provenance"] = _cut(self.provenance, "provenance")
        data["fetched"] = self.fetched.isoformat(timespec="seconds")
        return data

    def content_hash(self) -> str:
        """What the article says: not when it was fetched, nor by which way (feed, sitemap, pasted
        link), so the same text reached again another way leaves the file as it was written first."""
        data = {key: value for key, value in self.front_matter().items() if key not in ("fetched", "provenance")}
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str) + "\n" + self.body.strip()
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def render(self) -> bytes:
        front = yaml.safe_dump(self.front_matter(), sort_keys=False, allow_unicode=True, width=100_000)
        return f"---\n{front}---\n{self.body.strip()}\n".encode()


def _cut(text: str, key: str) -> str:
    text = one_line(text)
    limit = _LIMITS[key]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def choose_path(corpus_dir: Path, url: str, identity: str, taken: dict[str, str]) -> str:
    """`feeds/<host>/<slug>.md` for a new item, relative to the corpus folder.

    A name another item owns (in feeds.json, or a file on disk that feeds.json does not know,
    such as one a person put there) gets the identity's hash appended, so no other article's
    file is ever overwritten. A file on disk for this very URL (left by a run that was killed
    before it saved feeds.json) is taken back rather than duplicated.
    """
    folder = f"feeds/{host_folder(host_of(url))}"
    slug = slug_for(url, identity)
    for name in (slug, f"{slug}-{short_hash(identity, 8)}", short_hash(identity, 32)):
        relative = f"{folder}/{name}.md"
        owner = taken.get(relative)
        if owner == identity:
            return relative
        if owner is None and (not (corpus_dir / relative).exists() or _file_url(corpus_dir / relative) == url):
            return relative
    raise RuntimeError(f"no free file name for {identity}")  # three distinct names all taken: a bug


def _file_url(path: Path) -> str | None:
    try:
        return parse_article(path.read_bytes(), path.name, max_bytes=10_000_000).meta.url
    except (OSError, ArticleError):
        return None


def same_article(path: Path, article: FetchedArticle) -> bool:
    """Whether the file at `path` already says what `article` says (fetch time and provenance aside)."""
    try:
        existing = parse_article(path.read_bytes(), path.name, max_bytes=10_000_000)
        fresh = parse_article(article.render(), path.name, max_bytes=10_000_000)
    except (OSError, ArticleError):
        return False
    ignored = {"fetched", "provenance"}
    return existing.body == fresh.body and existing.meta.model_dump(exclude=ignored) == fresh.meta.model_dump(
        exclude=ignored
    )


def write_article(corpus_dir: Path, relative: str, article: FetchedArticle) -> None:
    """Validate with the indexer's parser, then write atomically. Raises `ArticleError` or `OSError`."""
    data = article.render()
    parse_article(data, relative, max_bytes=max(len(data) + 1, 1))
    path = corpus_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
