"""`fetch_feeds` and `add_urls`: news from the web into the corpus folder, one Markdown file each.

Nothing a site sends stops a run: every feed, page or sitemap that cannot be used becomes one
`FetchProblem` line and the others go on. Item records are merged into feeds.json at the end of
the run (also after an unexpected error), under the file lock, into the file as it is then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from index.articles import ArticleError
from index.feeds.client import HTML_TYPES, Fetched, FetchFailure, Kind, PoliteClient
from index.feeds.config import FetchConfig
from index.feeds.extract import PageContent, extract_page
from index.feeds.feedparse import FeedError, FeedItem, ParsedFeed, parse_feed
from index.feeds.report import FetchReport, ReportBuilder
from index.feeds.sitemap import SitemapError, is_gzip, parse_sitemap, root_name
from index.feeds.state import (
    FeedEntry,
    FeedsState,
    ItemRecord,
    RunInProgress,
    StateError,
    load_state,
    locked,
    run_lock,
    save_state,
)
from index.feeds.urls import BadURL, canonical_url, host_of
from index.feeds.writer import FetchedArticle, choose_path, same_article, write_article

if TYPE_CHECKING:
    from index.indexer import PeriodicTask

log = logging.getLogger(__name__)

_MAX_SITEMAP_DEPTH = 3  # index -> index -> urlset is as deep as real sites go


class PageFailure(Exception):
    """A page that gave no article; `retry` as in `FetchFailure`."""

    def __init__(self, reason: str, *, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class _Source:
    """Where an item came from: the key its fingerprint is kept under, and the provenance words."""

    key: str
    provenance: str
    fingerprint: str = ""


def fetch_feeds(config: FetchConfig, *, client: PoliteClient | None = None) -> FetchReport:
    """Poll every followed feed once and write its new and changed items into the corpus."""
    return _with_run(config, client, lambda run: run.poll_all())


def add_urls(config: FetchConfig, urls: Iterable[str], *, client: PoliteClient | None = None) -> FetchReport:
    """Fetch each URL once: a page is written as an article; a sitemap (XML, gzip, or an index of
    sitemaps) has each page it lists fetched, up to `max_sitemap_pages` per run."""
    wanted = list(urls)
    return _with_run(config, client, lambda run: run.add_all(wanted))


def _with_run(config: FetchConfig, client: PoliteClient | None, work: Callable[[_Run], object]) -> FetchReport:
    started = time.perf_counter()
    report = ReportBuilder()
    try:
        with run_lock(config.feeds_file):
            state = load_state(config.feeds_file)
            own_client = client is None
            http = client or PoliteClient(config)
            run = _Run(config, http, state, report)
            try:
                work(run)
            finally:
                if own_client:
                    http.close()
                run.commit()
    except (RunInProgress, StateError) as error:
        report.problem(str(config.feeds_file), str(error))
    return report.build(time.perf_counter() - started)


class _Run:
    """One run's working state: the client, feeds.json in memory, and the tally."""

    def __init__(self, config: FetchConfig, client: PoliteClient, state: FeedsState, report: ReportBuilder) -> None:
        self.config = config
        self.client = client
        self.state = state
        self.report = report
        self.now = datetime.now(UTC).replace(microsecond=0)
        self._touched_items: set[str] = set()
        self._polled: dict[str, FeedEntry] = {}
        self._sitemap_budget = config.max_sitemap_pages
        # The page each item link gave in this run: items sharing one link (a live blog, a feed that
        # links every item to its front page) cost one request per run, not one each.
        self._linked: dict[str, PageContent | PageFailure] = {}

    # ---- feeds ----------------------------------------------------------------------------

    def poll_all(self) -> None:
        for url in sorted(self.state.feeds):
            feed = self.state.feeds[url]
            try:
                self.poll(feed)
            except Exception as error:
                log.exception("unexpected error polling %s", feed.url)
                self.report.problem(feed.url, f"unexpected error: {type(error).__name__}: {error}")

    def poll(self, feed: FeedEntry) -> None:
        try:
            fetched = self.client.get(feed.url, Kind.FEED, etag=feed.etag, last_modified=feed.last_modified)
        except FetchFailure as failure:
            self.report.problem(feed.url, failure.reason)
            return
        polled = replace(feed, last_polled=self.now.isoformat())
        if fetched.not_modified:
            self.report.not_modified += 1
            self._polled[feed.url] = polled
            return
        try:
            parsed = parse_feed(fetched.body, fetched.url, fetched.content_type)
        except FeedError as error:
            self.report.problem(feed.url, str(error))
            return
        if parsed.skipped:
            self.report.notes.append(f"{feed.url}: {parsed.skipped} items without a GUID or link skipped")
        items = parsed.items[: self.config.max_items_per_feed]
        if len(parsed.items) > len(items):
            self.report.notes.append(f"{feed.url}: only the first {len(items)} of {len(parsed.items)} items read")
        retry = False
        for item in items:
            try:
                retry |= self._feed_item(feed, parsed, item)
            except Exception as error:
                log.exception("unexpected error on %s", item.identity)
                self.report.problem(item.link or item.identity, f"unexpected error: {type(error).__name__}: {error}")
                retry = True
        # Validators are kept only when every item was dealt with: after a timeout or a 5xx the
        # next poll must get the whole feed again (not a 304) so the missed items are retried.
        if not retry:
            polled = replace(polled, etag=fetched.etag, last_modified=fetched.last_modified)
        else:
            polled = replace(polled, etag=None, last_modified=None)
        self._polled[feed.url] = polled

    def _feed_item(self, feed: FeedEntry, parsed: ParsedFeed, item: FeedItem) -> bool:
        """Handle one entry; True when it failed in a way a later poll may fix."""
        record = self.state.find(item.identity, item.link)
        if record is not None and record.seen_by(feed.url) == item.fingerprint:
            self.report.unchanged += 1
            return False
        source = _Source(feed.url, f"feed {feed.url}, item {item.identity}", item.fingerprint)
        failure: PageFailure | None = None
        page: PageContent | None = None
        if item.link:
            try:
                page = self.linked_page(item.link, fallback_date=item.published)
            except PageFailure as error:
                failure = error
        else:
            failure = PageFailure("the item has no link to its page")
        if page is not None:
            outlet = feed.outlet or page.site_name or parsed.title or host_of(page.url)
            article = self.article_from_page(page, outlet, source, item)
        elif failure is not None and len(item.text) >= self.config.min_article_chars:
            # The feed carries the full text: use it, and say so in the provenance.
            url = item.link or feed.url
            outlet = feed.outlet or parsed.title or host_of(url)
            article = FetchedArticle(
                title=item.title or url,
                outlet=outlet,
                url=url,
                published=item.published,
                modified=None,
                fetched=self.now,
                authors=item.authors,
                provenance=f"{source.provenance}; text from the feed (page not used: {failure.reason})",
                body=item.text,
            )
            self.report.notes.append(f"{url}: text taken from the feed ({failure.reason})")
        else:
            failure = failure or PageFailure("no article text")
            return self._failed(item.identity, item.link or item.identity, source, failure, record)
        self.store(item.identity, record, article, source)
        return False

    # ---- pages and sitemaps -----------------------------------------------------------------

    def add_all(self, urls: list[str]) -> None:
        for url in urls:
            try:
                self.add(url)
            except Exception as error:
                log.exception("unexpected error adding %s", url)
                self.report.problem(url, f"unexpected error: {type(error).__name__}: {error}")

    def add(self, url: str) -> None:
        try:
            fetched = self.client.get(url, Kind.PAGE_OR_SITEMAP)
        except FetchFailure as failure:
            self.report.problem(url, failure.reason)
            return
        if fetched.content_type in HTML_TYPES:
            self.page(fetched, _Source(f"url {fetched.url}", f"fetched from {url}"), requested=url)
            return
        self.sitemap(url, fetched, depth=0, visited=set())

    def page(self, fetched: Fetched, source: _Source, *, requested: str) -> None:
        try:
            page = self.read_page(fetched)
        except PageFailure as failure:
            self.report.problem(requested, failure.reason)
            return
        record = self.state.find(page.url, page.url)
        self.store(page.url, record, self.article_from_page(page, page.site_name or host_of(page.url), source), source)

    def sitemap(self, url: str, fetched: Fetched, *, depth: int, visited: set[str]) -> None:
        visited.add(fetched.url)
        if not is_gzip(fetched.body) and root_name(fetched.body) in ("rss", "feed", "RDF"):
            self.report.problem(url, "this is a feed, not a page or sitemap: follow it with add_feed")
            return
        try:
            sitemap = parse_sitemap(fetched.body, max_bytes=self.config.max_bytes)
        except SitemapError as error:
            self.report.problem(url, str(error))
            return
        if sitemap.skipped:
            self.report.notes.append(f"{url}: {sitemap.skipped} entries that are not web addresses skipped")
        for child in sitemap.children:
            if child in visited:
                continue
            if depth + 1 > _MAX_SITEMAP_DEPTH:
                self.report.problem(child, f"sitemap nested more than {_MAX_SITEMAP_DEPTH} levels deep: not read")
                continue
            try:
                child_fetched = self.client.get(child, Kind.SITEMAP)
            except FetchFailure as failure:
                self.report.problem(child, failure.reason)
                continue
            self.sitemap(child, child_fetched, depth=depth + 1, visited=visited)
        for number, entry in enumerate(sitemap.pages):
            if self._sitemap_budget <= 0:
                left = len(sitemap.pages) - number
                self.report.problem(
                    url, f"{left} more pages not fetched: over the limit of {self.config.max_sitemap_pages} per run"
                )
                return
            self._sitemap_budget -= 1
            source = _Source(f"sitemap {fetched.url}", f"sitemap {fetched.url}", entry.lastmod or "")
            record = self.state.find(entry.url, entry.url)
            if record is not None and entry.lastmod and record.seen_by(source.key) == entry.lastmod:
                self.report.unchanged += 1
                continue
            try:
                self._sitemap_page(entry.url, record, source)
            except Exception as error:
                log.exception("unexpected error on %s", entry.url)
                self.report.problem(entry.url, f"unexpected error: {type(error).__name__}: {error}")

    def _sitemap_page(self, url: str, record: ItemRecord | None, source: _Source) -> None:
        try:
            page = self.read_page(self.fetch_page(url))
        except PageFailure as failure:
            self._failed(url, url, source, failure, record)
            return
        article = self.article_from_page(page, page.site_name or host_of(page.url), source)
        self.store(url, record or self.state.find(page.url, page.url), article, source)

    # ---- shared steps ---------------------------------------------------------------------

    def linked_page(self, link: str, *, fallback_date: date | None = None) -> PageContent:
        """The article on the page a feed item links to, fetched once per run for every item that
        links there (a failure too is remembered for the run)."""
        key = _canonical_or_none(link) or link
        if key not in self._linked:
            try:
                self._linked[key] = self.read_page(self.fetch_page(link), fallback_date=fallback_date)
            except PageFailure as failure:
                self._linked[key] = failure
        found = self._linked[key]
        if isinstance(found, PageFailure):
            raise found
        return found

    def fetch_page(self, url: str) -> Fetched:
        try:
            return self.client.get(url, Kind.PAGE)
        except FetchFailure as failure:
            raise PageFailure(failure.reason, retry=failure.retry) from failure

    def read_page(self, fetched: Fetched, *, fallback_date: date | None = None) -> PageContent:
        """The article on a fetched page, or `PageFailure` when there is none worth keeping."""
        page = extract_page(fetched.text(), fetched.url, fallback_date=fallback_date)
        if page is None:
            raise PageFailure("no article text found on the page")
        if len(page.text) < self.config.min_article_chars:
            raise PageFailure(
                f"only {len(page.text)} characters of text (at least {self.config.min_article_chars} needed):"
                " a paywall, a stub or not an article"
            )
        return page

    def article_from_page(
        self, page: PageContent, outlet: str, source: _Source, item: FeedItem | None = None
    ) -> FetchedArticle:
        return FetchedArticle(
            title=page.title or (item.title if item else "") or page.url,
            outlet=outlet,
            url=page.url,
            published=page.published or (item.published if item else None),
            modified=page.modified,
            fetched=self.now,
            authors=page.authors or (item.authors if item else ()),
            provenance=source.provenance,
            body=page.text,
        )

    def store(self, identity: str, record: ItemRecord | None, article: FetchedArticle, source: _Source) -> None:
        """Write the article unless the same text is already there; remember what it became."""
        key = record.identity if record is not None else identity
        new_hash = article.content_hash()
        if record is not None and record.path:
            relative = record.path
            if record.hash == new_hash and (self.config.corpus_dir / relative).exists():
                self._remember(replace(record, url=article.url, problem=None), source)
                self.report.unchanged += 1
                return
        else:
            relative = choose_path(self.config.corpus_dir, article.url, key, self.state.paths_in_use())
            if same_article(self.config.corpus_dir / relative, article):  # left by a run killed before saving
                self._remember(replace(record or ItemRecord(identity=key), path=relative, hash=new_hash), source)
                self.report.unchanged += 1
                return
        size = len(article.render())
        if size > self.config.max_article_bytes:
            self.report.problem(
                article.url, f"article is {size:,} bytes, over the {self.config.max_article_bytes:,}-byte limit"
            )
            return
        existed = (self.config.corpus_dir / relative).exists()
        try:
            write_article(self.config.corpus_dir, relative, article)
        except ArticleError as error:
            self.report.problem(article.url, f"not a valid article: {error}")
            return
        except OSError as error:
            self.report.problem(article.url, f"cannot write {relative}: {error.strerror or error}")
            return
        (self.report.updated if existed else self.report.written).append(relative)
        base = record or ItemRecord(identity=key)
        self._remember(replace(base, path=relative, hash=new_hash, url=article.url, problem=None), source)

    def _failed(
        self, identity: str, url: str, source: _Source, failure: PageFailure, record: ItemRecord | None
    ) -> bool:
        """Report a page that gave no article. A lasting failure (404, a stub, robots.txt) is
        remembered with the item's fingerprint, so the same item is not fetched again each poll."""
        self.report.problem(url, failure.reason)
        if failure.retry:
            return True
        base = record or ItemRecord(identity=identity, url=_canonical_or_none(url))
        self._remember(replace(base, problem=failure.reason), source)
        return False

    def _remember(self, record: ItemRecord, source: _Source) -> None:
        if source.fingerprint:
            record = record.with_seen(source.key, source.fingerprint)
        self.state.items[record.identity] = record
        self._touched_items.add(record.identity)

    def commit(self) -> None:
        """Merge this run's results into feeds.json as it is now (feeds may have been added or
        removed meanwhile: a removed feed stays removed, its items' files stay in the corpus)."""
        if not self._polled and not self._touched_items:
            return
        path = self.config.feeds_file
        try:
            with locked(path):
                fresh = load_state(path)
                for url, polled in self._polled.items():
                    current = fresh.feeds.get(url)
                    if current is not None:
                        fresh.feeds[url] = replace(
                            current,
                            etag=polled.etag,
                            last_modified=polled.last_modified,
                            last_polled=polled.last_polled,
                        )
                for identity in self._touched_items:
                    fresh.items[identity] = self.state.items[identity]
                save_state(path, fresh)
        except StateError as error:
            self.report.problem(str(path), f"results not saved: {error}")


def _canonical_or_none(url: str) -> str | None:
    try:
        return canonical_url(url)
    except BadURL:
        return None


def polling_task(config: FetchConfig, on_report: Callable[[FetchReport], None] | None = None) -> PeriodicTask | None:
    """The watcher's periodic poll of the followed feeds (None when polling is off): what it writes
    into the corpus, the watcher then indexes like any other new file."""
    from index.feeds.subscriptions import list_feeds
    from index.indexer import PeriodicTask

    if not config.poll_interval_s:
        return None

    def poll() -> None:
        if not list_feeds(config):
            return
        report = fetch_feeds(config)
        if on_report is not None and (report.changed or report.problems):
            on_report(report)

    return PeriodicTask("polling feeds", config.poll_interval_s, poll)
