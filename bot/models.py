"""The answer as other tools see it. `Answer.model_dump_json()` is the stable `--json` shape."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from index import ClaimStatus

UNCONFIRMED = frozenset({ClaimStatus.REPORTED, ClaimStatus.SPECULATIVE, ClaimStatus.DISPUTED})


class Source(BaseModel):
    """One cited article sentence, numbered as it is cited in the answer text."""

    model_config = ConfigDict(frozen=True)

    n: int
    article_id: str
    title: str
    outlet: str
    url: str | None
    published: str | None
    quote: str


class Claim(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    status: ClaimStatus
    attributed_to: str | None
    citations: list[int]

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
    # What a person should know about how the answer was made (LLM failed, fell back...).
    # Shown by the CLI and Discord, left out of the JSON shape.
    notes: list[str] = Field(default_factory=list, exclude=True)

    @property
    def unconfirmed_claims(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.unconfirmed]
