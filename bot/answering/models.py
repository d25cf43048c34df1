"""The answer as every view sees it. `Answer.model_dump_json()` is the stable `--json` shape.

Views (terminal, JSON, Discord, HTTP) render these fields; none of them parses `Answer.answer`,
the text that `wording` writes for people who want one paragraph.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from index.claims import ClaimStatus

UNCONFIRMED = frozenset({ClaimStatus.REPORTED, ClaimStatus.SPECULATIVE, ClaimStatus.DISPUTED})


class Source(BaseModel):
    """One cited article sentence, numbered as it is cited in the answer."""

    model_config = ConfigDict(frozen=True)

    n: int
    article_id: str
    title: str
    outlet: str
    url: str | None
    published: str | None
    quote: str
    # Other outlets that carry the same text (a wire story they reprint).
    also_in: list[str] = Field(default_factory=list)


class Claim(BaseModel):
    """One statement of the answer, the sources it cites and how established it is."""

    model_config = ConfigDict(frozen=True)

    text: str
    status: ClaimStatus
    # Who claims it: the party on the record, the reporting chain ("Semafor, via The Verge").
    attributed_to: str | None
    citations: list[int]
    # Parties the articles say have not confirmed it ("the White House").
    not_confirmed_by: list[str] = Field(default_factory=list)
    # Parties whose statements in the cited articles deny or contradict it.
    disputed_by: list[str] = Field(default_factory=list)
    # Outlets besides the cited one that state the same point (a reprinted wire story counts once).
    corroborated_by: list[str] = Field(default_factory=list)
    # Sources (by number) of newer articles that contradict it: it is how things stood before.
    superseded_by: list[int] = Field(default_factory=list)

    @property
    def unconfirmed(self) -> bool:
        return self.status in UNCONFIRMED


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: str
    answer: str
    abstained: bool
    mode: str
    claims: list[Claim]
    sources: list[Source]
    removed_sentences: int = 0
    # The newest cited article's publication date: how recent what the answer says is.
    as_of: str | None = None
    # What a person should know about how the answer was made (LLM failed, fell back...).
    # Shown by every view, left out of the JSON shape.
    notes: list[str] = Field(default_factory=list, exclude=True)

    @property
    def unconfirmed_claims(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.unconfirmed]

    def source(self, n: int) -> Source:
        return self.sources[n - 1]
