"""The suite's cases as data: what a family file holds, loading it, writing its articles.

A family file (`families/<name>.yaml`):

```yaml
family: rumours                  # the file's stem
about: what the family tries     # one line
isolate: false                   # true: every case gets its own index (cases across articles)
cases:
  - id: ferry-rumour             # unique in the suite; the case's articles live in corpus/<id>/
    why: one line a newsroom editor would accept as the reason for the expected statuses
    articles:
      - name: a                  # file corpus/<id>/a.md, article id "<id>/a"
        title: ...
        outlet: ...
        published: 2026-03-04    # or published_in_days: N (N days after the day the suite runs)
        reports_on: ...          # optional
        body: |                  # the Markdown body exactly as the file holds it
          ...
    question: ...
    claims:                      # every sentence the answer must cite, and what its claim must say
      - cite: distinctive words  # a substring of one sentence (compared without case, spacing, invisibles)
        status: reported         # confirmed | reported | speculative | disputed
        attributed_to: [memo]    # each entry must occur in attributed_to; "a|b": either
        disputed_by: [...]       # each entry must occur in one of disputed_by
        corroborated_by: [...]   # each entry must occur in one of corroborated_by
        not_corroborated_by: [...]  # no entry may occur in corroborated_by
    never_cited: [words]         # text no source may quote (instructions addressed to an AI)
    refused:                     # articles the index must refuse, by name, with a reason
      - article: b
        reason: [future|ahead]   # words the reason must contain (alternatives with "|")
    as_of: 2026-05-02            # optional: the answer's `as_of`
```

A `reported` claim is also never credited to the citing outlet alone: a report, rumour or
document the outlet passes on is not the outlet's own claim.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

FAMILIES = Path(__file__).resolve().parent / "families"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"
    SPECULATIVE = "speculative"
    DISPUTED = "disputed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArticleSpec(_Frozen):
    name: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    outlet: str
    published: date | None = None
    # Days after the day the suite runs (articles dated ahead of indexing time).
    published_in_days: int | None = None
    reports_on: str | None = None
    body: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_date(self) -> ArticleSpec:
        if self.published is not None and self.published_in_days is not None:
            raise ValueError("give published or published_in_days, not both")
        return self

    def publication_date(self, today: date) -> date | None:
        if self.published_in_days is not None:
            return today + timedelta(days=self.published_in_days)
        return self.published


class ClaimExpectation(_Frozen):
    cite: str = Field(min_length=8)
    status: Status
    attributed_to: tuple[str, ...] = ()
    disputed_by: tuple[str, ...] = ()
    corroborated_by: tuple[str, ...] = ()
    not_corroborated_by: tuple[str, ...] = ()


class Refusal(_Frozen):
    article: str
    reason: tuple[str, ...] = Field(min_length=1)


class Case(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    why: str = Field(min_length=10)
    articles: tuple[ArticleSpec, ...] = Field(min_length=1)
    question: str = Field(min_length=5)
    claims: tuple[ClaimExpectation, ...] = ()
    never_cited: tuple[str, ...] = ()
    refused: tuple[Refusal, ...] = ()
    as_of: date | None = None

    @model_validator(mode="after")
    def _checkable(self) -> Case:
        if not (self.claims or self.never_cited or self.refused):
            raise ValueError(f"{self.id}: expects nothing")
        names = [article.name for article in self.articles]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: two articles named alike")
        for refusal in self.refused:
            if refusal.article not in names:
                raise ValueError(f"{self.id}: refuses an article it does not have: {refusal.article}")
        # A cited text names one sentence: it occurs at most once in each article (the copies of a
        # reprinted story each hold it once).
        bodies = [plain(article.body) for article in self.articles]
        for text in [claim.cite for claim in self.claims] + list(self.never_cited):
            found = [body.count(plain(text)) for body in bodies]
            if not any(found) or max(found) > 1:
                raise ValueError(f"{self.id}: {text!r} occurs {found} times in its articles, not once in one")
        return self

    def article_id(self, name: str) -> str:
        return f"{self.id}/{name}"

    @property
    def must_stay_confirmed(self) -> bool:
        return any(claim.status is Status.CONFIRMED for claim in self.claims)


class Family(_Frozen):
    family: str = Field(pattern=r"^[a-z0-9_]+$")
    about: str
    isolate: bool = False
    cases: tuple[Case, ...] = Field(min_length=1)


_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Text as compared by the suite: NFKC, no invisible formatting, spacing collapsed, no case.

    The index strips invisible characters and normalises the text it quotes; a cited substring
    must still be found in the quote.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return _SPACE.sub(" ", text).strip().casefold()


def load_family(path: Path) -> Family:
    try:
        family = Family.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as error:
        raise ValueError(f"{path.name}: {error}") from error
    if family.family != path.stem:
        raise ValueError(f"{path.name}: says it is family {family.family!r}")
    return family


@cache
def load_families() -> tuple[Family, ...]:
    """Every family file, checked; case ids are unique across the suite."""
    families = tuple(load_family(path) for path in sorted(FAMILIES.glob("*.yaml")))
    ids = [case.id for family in families for case in family.cases]
    duplicates = sorted({case_id for case_id in ids if ids.count(case_id) > 1})
    if duplicates:
        raise ValueError(f"case ids used twice: {duplicates}")
    return families


def today() -> date:
    """The day the suite runs, as the indexer's clock sees it."""
    return datetime.now(UTC).date()


def article_file(article: ArticleSpec, on: date) -> str:
    """The article as a file: YAML front matter, then the body exactly as written in the case."""
    meta: dict[str, object] = {"title": article.title, "outlet": article.outlet}
    published = article.publication_date(on)
    if published is not None:
        meta["published"] = published
    if article.reports_on:
        meta["reports_on"] = article.reports_on
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{article.body}"


def write_case(case: Case, corpus: Path, on: date) -> None:
    folder = corpus / case.id
    folder.mkdir(parents=True, exist_ok=True)
    for article in case.articles:
        (folder / f"{article.name}.md").write_text(article_file(article, on), encoding="utf-8")
