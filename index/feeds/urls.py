"""URL identity and file names: one article, one canonical URL, one stable file."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import httpx

# Query parameters that only say where a reader clicked: two links differing in them are one page.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|__twitter_impression|at_\w+)$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_GENERIC_SEGMENTS = frozenset({"", "index", "article", "story", "news", "amp", "default", "post", "item"})
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_PAGE_SUFFIX = re.compile(r"\.(s?html?|php|aspx?|jsp|cfm)$", re.I)


class BadURL(ValueError):
    """Not an http(s) address with a host; the message says why."""


def canonical_url(url: str) -> str:
    """The one spelling of `url` used as identity: lower-case scheme and host, no default port,
    no fragment, no tracking parameters, and a path of at least '/'.

    Raises `BadURL` for anything that is not an absolute http or https address.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as error:  # "http://[::1": an unclosed IPv6 bracket
        raise BadURL(f"bad address {text[:200]!r}: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadURL(f"not an http or https address: {text[:200]!r}")
    try:
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError as error:  # a port that is not a number, or out of range
        raise BadURL(f"bad address {text[:200]!r}: {error}") from error
    if not host:
        raise BadURL(f"address has no host: {text[:200]!r}")
    if parts.username or parts.password:
        raise BadURL("addresses with a user name or password are not fetched")
    try:
        host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError as error:
        raise BadURL(f"bad host name in {text[:200]!r}") from error
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~") or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    canonical = urlunsplit((scheme, netloc, path, query, ""))
    try:
        httpx.URL(canonical)  # what the client will be given: a host with spaces or controls is refused here
    except httpx.InvalidURL as error:
        raise BadURL(f"bad address {text[:200]!r}: {error}") from error
    return canonical


def host_of(url: str) -> str:
    """The host name alone (no port): the folder a site's articles are written into."""
    return (urlsplit(url).hostname or "unknown-host").lower()


def origin_of(url: str) -> str:
    """scheme://host[:port], the unit that robots.txt and the per-host delay apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def slug_for(url: str, identity: str) -> str:
    """A readable file name from the URL's last path segment; a hash of the identity where the URL
    has none worth reading (or only a query string tells its pages apart)."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    last = _PAGE_SUFFIX.sub("", segments[-1]) if segments else ""
    slug = _SLUG_CHARS.sub("-", last.lower()).strip("-")[:80].strip("-")
    if slug in _GENERIC_SEGMENTS:
        return short_hash(identity)
    if parts.query:
        return f"{slug}-{short_hash(identity, 8)}"
    return slug


def host_folder(host: str) -> str:
    """A host name made safe as one folder name (IPv6 literals and odd characters replaced)."""
    folder = re.sub(r"[^a-z0-9.\-]+", "_", host.lower()).strip("._")
    return folder or "unknown-host"
