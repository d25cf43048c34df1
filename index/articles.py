"""Reading a corpus folder into validated `Article`s, reporting every file that is not one.

A bad file never stops the scan: it becomes an `ArticleProblem` naming the file and the reason,
and every other article still goes on to be indexed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
FRONT_MATTER_FENCE = "---"


class ArticleMeta(BaseModel):
    """The front matter of an article. Unknown keys are refused so that typos are reported."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=500)
    outlet: str = Field(min_length=1, max_length=200)
    published: date | None = None
    url: str | None = Field(default=None, max_length=2000)
    reports_on: str | None = Field(default=None, max_length=200)
    authors: tuple[str, ...] = ()
    id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[\w.\-/]+$")
    provenance: str | None = Field(default=None, max_length=2000)
    # Set by the feed fetcher: when the text was downloaded, and when the page says it last changed.
    fetched: datetime | None = None
    modified: datetime | None = None

    @field_validator("url")
    @classmethod
    def _url_is_web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("published", mode="before")
    @classmethod
    def _published_is_iso(cls, value: object) -> object:
        # YAML already turns 2024-05-01 into a date; strings must be ISO too, so that
        # "05/01/2024" (May or January?) is reported rather than guessed.
        if isinstance(value, str):
            return date.fromisoformat(value.strip())
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


def scan_corpus(folder: Path, *, max_bytes: int) -> CorpusScan:
    """Read every article file below `folder`; problems are collected, never raised."""
    if not folder.is_dir():
        problem = ArticleProblem(str(folder), "corpus folder does not exist or is not a folder")
        return CorpusScan((), (problem,))
    articles: list[Article] = []
    problems: list[ArticleProblem] = []
    seen: dict[str, str] = {}
    for path in sorted(_candidate_files(folder, problems)):
        relative = path.relative_to(folder).as_posix()
        try:
            article = read_article(path, relative, max_bytes=max_bytes)
        except ArticleError as error:
            problems.append(ArticleProblem(relative, str(error)))
            continue
        if article.id in seen:
            reason = f"duplicate article id {article.id!r} (already used by {seen[article.id]})"
            problems.append(ArticleProblem(relative, reason))
            continue
        seen[article.id] = relative
        articles.append(article)
    return CorpusScan(tuple(articles), tuple(problems))


def _candidate_files(folder: Path, problems: list[ArticleProblem]) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if path.is_symlink():
                relative = path.relative_to(folder).as_posix()
                problems.append(ArticleProblem(relative, "symbolic link, not followed"))
                continue
            found.append(path)
    return found


def read_article(path: Path, relative: str, *, max_bytes: int) -> Article:
    """Read and validate one file; raise `ArticleError` with a user-facing reason."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        raw = path.read_bytes()
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
    body = body.strip()
    if not body:
        raise ArticleError("article has front matter but no text")
    article_id = meta.id or _id_from_path(relative)
    return Article(id=article_id, meta=meta, body=body, path=relative)


def _split_front_matter(text: str) -> tuple[str, str]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ArticleError("no front matter (the file must start with a '---' line)")
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == FRONT_MATTER_FENCE:
            return "\n".join(lines[1:number]), "\n".join(lines[number + 1 :])
    raise ArticleError("front matter is not closed by a '---' line")


# libyaml's parser when PyYAML has it (its wheels do): the pure-Python one was three quarters of
# a no-change re-index of 8,800 articles.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _validate_meta(front: str) -> ArticleMeta:
    try:
        data = yaml.load(front, Loader=_YAML_LOADER)  # a safe loader: builds plain data only
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise ArticleError(f"front matter is not valid YAML{where}") from error
    except (ValueError, TypeError, RecursionError) as error:
        # PyYAML builds dates while parsing: "published: 2024-13-01" fails here, not in pydantic.
        raise ArticleError(f"front matter has an impossible value: {error}") from error
    if not isinstance(data, dict):
        raise ArticleError("front matter must be a mapping of keys to values")
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
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


def _id_from_path(relative: str) -> str:
    return relative.rsplit(".", 1)[0]
