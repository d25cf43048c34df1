"""Reading a corpus folder into validated `Article`s, reporting every file that is not one.

A bad file never stops the scan: it becomes an `ArticleProblem` naming the file and the reason,
and every other article still goes on to be indexed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from index.text import BIDI_CONTROLS, has_controls, is_invisible, normalise

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
FRONT_MATTER_FENCE = "---"
# What one article may cost to tag, as its text in characters: a 1.15-million-character file once
# held an index run for minutes at gigabytes. The longest articles of RealTimeQA's search results
# have 100,000 characters (the data set cuts them there); a long news article has tens of thousands.
MAX_TEXT_CHARS = 300_000


def _checked_text(value: object) -> object:
    """Front-matter text as plain text: no bytes, no terminal controls, in the normal form."""
    if isinstance(value, bytes):
        raise ValueError("is binary data, not text")
    if isinstance(value, str):
        if has_controls(value):
            raise ValueError("contains control characters (terminal escapes, NUL)")
        if BIDI_CONTROLS & set(value):
            # "\u202eenubirT latsaoC" displays as "Coastal Tribune": a spoofed source.
            raise ValueError("contains right-to-left or other direction control characters")
        if value and is_invisible(value):
            raise ValueError("has no visible characters")
        return normalise(value)
    return value


# An outlet's name, as front matter and a followed feed's `--outlet` give it: one definition, so
# that a name a feed is added with is one every article from it can carry.
OutletName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), BeforeValidator(_checked_text)
]
_OUTLET_NAME: TypeAdapter[str] = TypeAdapter(OutletName)


def outlet_name(value: str) -> str:
    """`value` checked and normalised as an article's outlet; `ValueError` says why it cannot be one."""
    try:
        return _OUTLET_NAME.validate_python(value)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ValueError(str(first["msg"]).removeprefix("Value error, ")) from None


class ArticleMeta(BaseModel):
    """The front matter of an article. Unknown keys are refused so that typos are reported."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=500)
    outlet: OutletName
    published: date | None = None
    url: str | None = Field(default=None, max_length=2000)
    reports_on: OutletName | None = None
    authors: tuple[str, ...] = ()
    id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[\w.\-/]+$")
    provenance: str | None = Field(default=None, max_length=2000)
    # Set by the feed fetcher: when the text was downloaded, and when the page says it last changed.
    fetched: datetime | None = None
    modified: datetime | None = None

    @field_validator("title", "url", "provenance", "id", mode="before")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        return _checked_text(value)

    @field_validator("authors", mode="before")
    @classmethod
    def _plain_names(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return [_checked_text(item) for item in value]
        return value

    @field_validator("url")
    @classmethod
    def _url_is_web_address(cls, value: str | None) -> str | None:
        # Schemes are case-insensitive (RFC 3986): "HTTPS://example.org" is a web address too.
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("published", mode="before")
    @classmethod
    def _published_is_iso(cls, value: object) -> object:
        # YAML already turns 2024-05-01 into a date; strings must be ISO too, so that
        # "05/01/2024" (May or January?) is reported rather than guessed.
        if isinstance(value, str):
            return date.fromisoformat(value.strip())
        if isinstance(value, int | float) and not isinstance(value, bool):
            # YAML reads `published: 20240101` as a number, which pydantic would take for seconds
            # since 1970 (and refuse, "should have zero time"): read it as the text it was written as.
            return date.fromisoformat(str(value))
        return value


@dataclass(frozen=True)
class Article:
    """One validated article. `id` is stable across machines; `body` is normalised text."""

    id: str
    meta: ArticleMeta
    body: str
    path: str
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content_hash", content_hash(self.meta, self.body))


@dataclass(frozen=True)
class ArticleProblem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class CorpusScan:
    articles: tuple[Article, ...]
    problems: tuple[ArticleProblem, ...]


class ArticleError(ValueError):
    """A file that is not a valid article; the message is the reason shown to the user."""


# Front-matter keys added after indexes were first built: left out of the hash while unset, so an
# upgrade does not change every stored article's hash (and re-embed the whole corpus).
_HASHED_ONLY_WHEN_SET = ("fetched", "modified")


def content_hash(meta: ArticleMeta, body: str) -> str:
    """Hash of what the article says: front matter and text, never file paths or file times."""
    data = meta.model_dump(mode="json")
    for key in _HASHED_ONLY_WHEN_SET:
        if data[key] is None:
            del data[key]
    payload = json.dumps(data, sort_keys=True) + "\n" + body
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def scan_corpus(folder: Path, *, max_bytes: int, indexed_paths: Mapping[str, str] | None = None) -> CorpusScan:
    """Read every article file below `folder`; problems are collected, never raised.

    Two files with one id: the one the index already holds under that id (`indexed_paths`,
    id -> path) keeps it, so a newcomer cannot take over an indexed article; otherwise the
    first by path does. The other is reported.
    """
    if not folder.is_dir():
        problem = ArticleProblem(str(folder), "corpus folder does not exist or is not a folder")
        return CorpusScan((), (problem,))
    problems: list[ArticleProblem] = []
    by_id: dict[str, list[Article]] = {}
    for path in sorted(_candidate_files(folder, problems)):
        relative = path.relative_to(folder).as_posix()
        try:
            article = read_article(path, relative, max_bytes=max_bytes)
        except ArticleError as error:
            problems.append(ArticleProblem(relative, str(error)))
            continue
        by_id.setdefault(article.id, []).append(article)
    articles: list[Article] = []
    for article_id, claimants in by_id.items():
        held = (indexed_paths or {}).get(article_id)
        keeper = next((article for article in claimants if article.path == held), claimants[0])
        articles.append(keeper)
        for other in claimants:
            if other is not keeper:
                reason = f"duplicate article id {article_id!r} (already used by {keeper.path})"
                problems.append(ArticleProblem(other.path, reason))
    articles.sort(key=lambda article: article.path)
    problems.sort(key=lambda problem: problem.path)
    return CorpusScan(tuple(articles), tuple(problems))


def printable_path(relative: str) -> str:
    """A path as text that can be shown and stored: undecodable bytes of a file name as \\xNN."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _candidate_files(folder: Path, problems: list[ArticleProblem]) -> list[Path]:
    """Regular article files below `folder`; links, FIFOs, devices and undecodable names are reported."""
    found: list[Path] = []

    def report(path: Path, reason: str) -> None:
        problems.append(ArticleProblem(printable_path(path.relative_to(folder).as_posix()), reason))

    for root, dirs, files in os.walk(folder, onerror=None):
        kept = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            if (Path(root) / name).is_symlink():
                report(Path(root) / name, "symbolic link to a folder, not followed")
                continue
            kept.append(name)
        dirs[:] = kept
        for name in files:
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if path.is_symlink():
                report(path, "symbolic link, not followed")
                continue
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue  # gone since the folder was listed
            if not stat.S_ISREG(mode):
                report(path, "not a regular file (a FIFO, socket or device), not read")
                continue
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                report(path, "file name is not valid UTF-8: rename the file")
                continue
            found.append(path)
    return found


def read_article(path: Path, relative: str, *, max_bytes: int) -> Article:
    """Read and validate one file; raise `ArticleError` with a user-facing reason.

    Opened without blocking and checked to be a regular file once open, so a FIFO that
    replaced the file after the scan cannot hang the read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ArticleError("not a regular file (a FIFO, socket or device), not read")
            if info.st_size > max_bytes:
                raise ArticleError(f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit")
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError as error:
        raise ArticleError("file disappeared while reading") from error
    except PermissionError as error:
        raise ArticleError("permission denied") from error
    except OSError as error:
        raise ArticleError(f"cannot read file: {error.strerror or error}") from error
    return parse_article(raw, relative, max_bytes=max_bytes)


def parse_article(raw: bytes, relative: str, *, max_bytes: int) -> Article:
    if len(raw) > max_bytes:
        raise ArticleError(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    if not raw.strip():
        raise ArticleError("file is empty")
    if b"\x00" in raw:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(f"not UTF-8 text (bad byte at offset {error.start})") from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, body = _split_front_matter(text)
    meta = _validate_meta(front)
    _check_not_ahead(meta)
    if not body.strip():
        raise ArticleError("article has front matter but no text")
    body = normalise(body).strip()
    if not body or is_invisible(body):
        raise ArticleError("article text has no visible characters")
    if len(body) > MAX_TEXT_CHARS:
        raise ArticleError(
            f"text is {len(body):,} characters, over the {MAX_TEXT_CHARS:,} one article may have: split it"
        )
    article_id = meta.id or _id_from_path(relative)
    return Article(id=article_id, meta=meta, body=body, path=relative)


# A publication date this far after the time of reading is refused: an article "from" decades
# ahead would otherwise become the newest word on everything it touches (`as_of`, superseding).
MAX_DAYS_AHEAD = 1


def _check_not_ahead(meta: ArticleMeta) -> None:
    if meta.published is None:
        return
    today = datetime.now(UTC).date()
    if (meta.published - today).days > MAX_DAYS_AHEAD:
        raise ArticleError(
            f"published {meta.published.isoformat()} is more than {MAX_DAYS_AHEAD} day after today "
            f"({today.isoformat()}): a date in the future is refused"
        )


def _split_front_matter(text: str) -> tuple[str, str]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ArticleError("no front matter (the file must start with a '---' line)")
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == FRONT_MATTER_FENCE:
            return "\n".join(lines[1:number]), "\n".join(lines[number + 1 :])
    raise ArticleError("front matter is not closed by a '---' line")


class _FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe parser (the pure-Python one was three quarters of a no-change re-index of
    8,800 articles) that refuses a key given twice instead of silently keeping the last value."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(str(key))
            seen.add(key)
        return dict(super().construct_mapping(node, deep=deep))


class _DuplicateKey(Exception):
    pass


_SHOWN_KEYS = 5


def _validate_meta(front: str) -> ArticleMeta:
    try:
        data = yaml.load(front, Loader=_FrontMatterLoader)  # a safe loader: builds plain data only
    except _DuplicateKey as error:
        raise ArticleError(f"front matter gives the key {str(error)[:60]!r} twice") from error
    except yaml.constructor.ConstructorError as error:
        tag = getattr(error, "problem", "") or ""
        found = tag.split("tag", 1)[-1].strip(" '") if "tag" in tag else "?"
        raise ArticleError(f"front matter uses an unsupported YAML tag ({found[:80]})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise ArticleError(f"front matter is not valid YAML{where}") from error
    except (ValueError, TypeError, RecursionError) as error:
        # PyYAML builds dates while parsing: "published: 2024-13-01" fails here, not in pydantic.
        raise ArticleError(f"front matter has an impossible value: {error}") from error
    if not isinstance(data, dict):
        raise ArticleError("front matter must be a mapping of keys to values")
    unknown = sorted(str(key) for key in data if key not in ArticleMeta.model_fields)
    if unknown:
        shown = ", ".join(repr(key[:40]) for key in unknown[:_SHOWN_KEYS])
        more = f" and {len(unknown) - _SHOWN_KEYS} more" if len(unknown) > _SHOWN_KEYS else ""
        allowed = ", ".join(ArticleMeta.model_fields)
        raise ArticleError(
            f"unknown front matter key{'s' if len(unknown) > 1 else ''} {shown}{more} (allowed: {allowed})"
        )
    if isinstance(data.get("authors"), str):
        data["authors"] = [data["authors"]]
    try:
        return ArticleMeta.model_validate(data)
    except ValidationError as error:
        raise ArticleError("bad front matter: " + _describe(error)) from error


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"]) or "front matter"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{location}: {message}")
    return "; ".join(parts)


def _id_from_path(relative: str) -> str:
    return relative.rsplit(".", 1)[0]
