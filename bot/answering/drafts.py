"""Claims before numbering (`Draft`), and turning them into the `Answer` every view renders.

Both answer paths end here: extractive selection and checked generation produce drafts; this
module numbers the cited sentences, carries each claim's status and parties into the `Claim`
fields, and asks `wording` for the one text written from them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.answering import wording
from bot.answering.evidence import Evidence
from bot.answering.models import Answer, Claim, Source
from index.claims.status import ClaimStatus


@dataclass(frozen=True)
class Draft:
    """A claim before numbering: its text, the evidence it rests on, and who stands where."""

    text: str
    support: tuple[Evidence, ...]
    status: ClaimStatus
    attributed_to: str | None
    disputed_by: tuple[str, ...] = ()
    corroborated_by: tuple[str, ...] = ()
    # Evidence keys of newer sentences that contradict this one (a question about now).
    superseded_by: tuple[tuple[str, int], ...] = ()

    @property
    def not_confirmed_by(self) -> tuple[str, ...]:
        """Parties the cited articles say have not confirmed it (a disputed claim says more)."""
        if self.status is ClaimStatus.DISPUTED:
            return ()
        found = [party for item in self.support for party in item.sentence.not_confirmed_by]
        return tuple(dict.fromkeys(found))

    def disputed(self, by: str) -> Draft:
        parties = self.disputed_by if by in self.disputed_by else (*self.disputed_by, by)
        return replace(self, status=ClaimStatus.DISPUTED, disputed_by=parties)

    def superseded(self, by: tuple[str, int]) -> Draft:
        return replace(self, superseded_by=tuple(dict.fromkeys((*self.superseded_by, by))))

    @property
    def who(self) -> str:
        return self.support[0].sentence.attributed_to or self.support[0].article.outlet


def abstain(question: str, mode: str, *, removed: int = 0, notes: list[str] | None = None) -> Answer:
    return Answer(
        question=question,
        answer=wording.NO_ANSWER,
        abstained=True,
        mode=mode,
        claims=[],
        sources=[],
        removed_sentences=removed,
        notes=notes or [],
    )


def to_answer(
    question: str, mode: str, drafts: list[Draft], *, removed: int = 0, notes: list[str] | None = None
) -> Answer:
    """Number the cited sentences in order of first citation; claims keep their parties as fields."""
    numbering: dict[tuple[str, int], int] = {}
    sources: list[Source] = []
    claims: list[Claim] = []
    for draft in drafts:
        for item in draft.support:
            if item.key not in numbering:
                numbering[item.key] = len(numbering) + 1
                sources.append(_source(numbering[item.key], item))
    for draft in drafts:
        citations = [numbering[item.key] for item in draft.support]
        claims.append(
            Claim(
                text=draft.text,
                status=draft.status,
                attributed_to=draft.attributed_to,
                citations=sorted(set(citations)),
                not_confirmed_by=list(draft.not_confirmed_by),
                disputed_by=list(draft.disputed_by),
                corroborated_by=list(draft.corroborated_by),
                superseded_by=sorted({numbering[key] for key in draft.superseded_by if key in numbering}),
            )
        )
    dates = [source.published for source in sources if source.published]
    return Answer(
        question=question,
        answer=wording.answer_text(claims, removed=removed),
        abstained=False,
        mode=mode,
        claims=claims,
        sources=sources,
        removed_sentences=removed,
        as_of=max(dates) if dates else None,
        notes=notes or [],
    )


def _source(n: int, item: Evidence) -> Source:
    return Source(
        n=n,
        article_id=item.article.id,
        title=item.article.title,
        outlet=item.article.outlet,
        url=item.article.url,
        published=item.article.published,
        quote=item.sentence.text,
        also_in=list(item.article.also_in),
    )
