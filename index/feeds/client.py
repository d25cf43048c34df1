"""Polite, bounded HTTP: the one way the fetcher reaches the network.

Every request: a known user agent, robots.txt asked first, a pause between requests to one host,
timeouts, a size cap enforced while streaming, redirects followed by hand (each hop checked
again: scheme, address, robots.txt), and only the content types the caller can read.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from index.feeds.config import FetchConfig
from index.feeds.netguard import GuardedTransport, refusal, resolve
from index.feeds.robots import ROBOTS_MAX_BYTES, RobotsCache, RobotsFile
from index.feeds.urls import BadURL, canonical_url, origin_of

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Worth trying again on a later run: the server or the network may be fine by then.
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/xml",
        "text/xml",
    }
)
XML_TYPES = frozenset({"application/xml", "text/xml"})
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip", "application/gzip-compressed"})


class Kind(enum.Enum):
    """What the caller is about to read, which decides the content types it accepts."""

    PAGE = "page"
    FEED = "feed"
    SITEMAP = "sitemap"
    PAGE_OR_SITEMAP = "page or sitemap"
    ROBOTS = "robots.txt"


_ACCEPTED: dict[Kind, frozenset[str] | None] = {
    Kind.PAGE: HTML_TYPES,
    Kind.FEED: FEED_TYPES,
    Kind.SITEMAP: XML_TYPES | GZIP_TYPES,
    Kind.PAGE_OR_SITEMAP: HTML_TYPES | XML_TYPES | GZIP_TYPES,
    Kind.ROBOTS: None,  # any: a robots.txt served with an odd type is still the site's rules
}
_ACCEPT_HEADER = {
    Kind.PAGE: "text/html,application/xhtml+xml;q=0.9",
    Kind.FEED: "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.8",
    Kind.SITEMAP: "application/xml,text/xml;q=0.9,application/gzip;q=0.8",
    Kind.PAGE_OR_SITEMAP: "text/html,application/xhtml+xml,application/xml;q=0.9,application/gzip;q=0.8",
    Kind.ROBOTS: "text/plain",
}


class FetchFailure(Exception):
    """A request that gave nothing usable. `reason` is the problem line; `retry` says whether a
    later run may do better (timeouts, 5xx), as opposed to an answer that will not change (404)."""

    def __init__(self, reason: str, *, retry: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.status = status  # the HTTP status when the server answered with an error


@dataclass(frozen=True)
class Fetched:
    """A response that was read: the URL it finally came from, its status (200 or 304), and body."""

    url: str
    status: int
    content_type: str = ""
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    charset: str | None = None  # from the Content-Type header, when the server names one

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str | bytes:
        """The body decoded by the charset the server named; the bytes when it named none (or a
        bad one), for the reader to detect from the document itself."""
        if self.charset:
            try:
                return self.body.decode(self.charset)
            except (LookupError, UnicodeDecodeError):
                pass
        return self.body


class PoliteClient:
    """One run's HTTP client: connections, robots.txt answers and host clocks are kept per run."""

    def __init__(self, config: FetchConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self._config = config
        self._client = httpx.Client(
            transport=transport or GuardedTransport(allow_private=config.allow_private),
            timeout=httpx.Timeout(config.timeout_s),
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            trust_env=False,
        )
        self._robots = RobotsCache(config.user_agent, self._fetch_robots)
        self._last_request: dict[str, float] = {}
        self._checked_hosts: dict[tuple[str, int], str | None] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, url: str, kind: Kind, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET `url`, following redirects by hand. Raises `FetchFailure` with the reason."""
        try:
            current = canonical_url(url)
        except BadURL as error:
            raise FetchFailure(str(error)) from error
        for _hop in range(self._config.max_redirects + 1):
            self._check(current, kind)
            location = self._request(current, kind, etag, last_modified)
            if isinstance(location, Fetched):
                return location
            try:
                current = canonical_url(urljoin(current, location))
            except BadURL as error:
                raise FetchFailure(f"redirected to {error}") from error
        raise FetchFailure(f"more than {self._config.max_redirects} redirects")

    def _check(self, url: str, kind: Kind) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not self._config.allow_private:
            key = (host, port)
            if key not in self._checked_hosts:
                try:
                    self._checked_hosts[key] = refusal(host, resolve(host, port))
                except OSError as error:
                    raise FetchFailure(f"cannot resolve host {host}: {error}", retry=True) from error
            reason = self._checked_hosts[key]
            if reason:
                raise FetchFailure(reason)
        if kind is not Kind.ROBOTS:
            reason = self._robots.refusal(url)
            if reason:
                raise FetchFailure(reason, retry=reason.startswith("robots.txt unavailable"))

    def _wait_turn(self, url: str, kind: Kind) -> None:
        """Sleep until this host's pause since our last request to it is over."""
        origin = origin_of(url)
        delay = self._config.per_host_delay_s
        if kind is not Kind.ROBOTS:  # a robots.txt (or a hop of its redirects) must not ask for itself
            delay = max(delay, self._robots.crawl_delay(url))
        last = self._last_request.get(origin)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_request[origin] = time.monotonic()

    def _request(self, url: str, kind: Kind, etag: str | None, last_modified: str | None) -> Fetched | str:
        """One hop: a `Fetched`, or the Location of a redirect to follow."""
        headers = {"Accept": _ACCEPT_HEADER[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait_turn(url, kind)
        deadline = time.monotonic() + self._config.timeout_s
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchFailure(f"HTTP {status} redirect without a Location")
                    return str(location)
                if status == 304 and (etag or last_modified):
                    return Fetched(url=url, status=304, etag=etag, last_modified=last_modified)
                if not 200 <= status < 300:
                    reason = f"HTTP {status} {response.reason_phrase}".strip()
                    raise FetchFailure(reason, retry=status in _RETRY_STATUSES, status=status)
                content_type = media_type(response.headers.get("content-type", ""))
                accepted = _ACCEPTED[kind]
                if accepted is not None and not _acceptable(content_type, accepted, url):
                    shown = content_type or "no content type"
                    raise FetchFailure(f"{shown} is not a {kind.value} (expected {', '.join(sorted(accepted))})")
                body = self._read_capped(response, kind, deadline)
                return Fetched(
                    url=url,
                    status=status,
                    content_type=content_type,
                    body=body,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    charset=response.charset_encoding,
                )
        except httpx.TimeoutException as error:
            raise FetchFailure(f"timed out after {self._config.timeout_s:g} s", retry=True) from error
        except httpx.InvalidURL as error:
            # httpx reads a redirect's Location even when it does not follow it: a malformed one
            # ("http:\\host\\page") fails inside the request. The address itself was checked before.
            raise FetchFailure(f"redirected to a malformed address: {error}") from error
        except httpx.HTTPError as error:
            raise FetchFailure(f"cannot fetch: {error or type(error).__name__}", retry=True) from error

    def _read_capped(self, response: httpx.Response, kind: Kind, deadline: float) -> bytes:
        """The body, decompressed, refused as soon as it passes the cap (never read whole first)."""
        limit = ROBOTS_MAX_BYTES if kind is Kind.ROBOTS else self._config.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and kind is not Kind.ROBOTS:
            raise FetchFailure(f"{int(declared):,} bytes, over the {limit:,}-byte limit")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                if kind is Kind.ROBOTS:  # RFC 9309: use the first 500 KiB, ignore the rest
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    break
                raise FetchFailure(f"more than {limit:,} bytes, over the limit")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchFailure(f"download took longer than {self._config.timeout_s:g} s", retry=True)
        return b"".join(chunks)

    def _fetch_robots(self, robots_url: str) -> RobotsFile:
        try:
            fetched = self.get(robots_url, Kind.ROBOTS)
        except FetchFailure as failure:
            return RobotsFile(status=failure.status, error=failure.reason)
        return RobotsFile(status=fetched.status, text=fetched.body.decode("utf-8", "replace"))


def media_type(header: str) -> str:
    """'text/html; charset=utf-8' -> 'text/html'."""
    return header.split(";", 1)[0].strip().lower()


def _acceptable(content_type: str, accepted: frozenset[str], url: str) -> bool:
    if content_type in accepted:
        return True
    # Servers often send a gzip sitemap as a generic binary; its name says what it is.
    return (
        content_type == "application/octet-stream"
        and bool(accepted & GZIP_TYPES)
        and urlsplit(url).path.lower().endswith(".gz")
    )
