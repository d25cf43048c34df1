"""A follow, the answer it was last told, and what changed since: the values every view renders.

Views (terminal, Discord, HTTP, webhook) render these fields; none of them parses text. The
JSON of `Follow` and `RecordedChange` is what `GET /follows` and `GET /follows/{id}/changes`
answer and what the webhook receives.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bot.answering.models import Answer, Claim, Source

if TYPE_CHECKING:
    from index.search import SearchFilters

DISCORD = "discord:"


def discord_place(channel_id: int) -> str:
    """The `channel` of a follow made in a Discord channel or thread (a thread is a channel)."""
    return f"{DISCORD}{channel_id}"


def discord_channel_id(channel: str) -> int | None:
    """The Discord channel or thread a follow's updates are posted in; None outside Discord."""
    if not channel.startswith(DISCORD):
        return None
    number = channel[len(DISCORD) :]
    return int(number) if number.isdigit() else None


class Snapshot(BaseModel):
    """The answer a follow was last told (its claims and their sources): later answers are
    compared with it, so that only what changed since is announced."""

    model_config = ConfigDict(frozen=True)

    abstained: bool
    claims: list[Claim] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)

    @classmethod
    def of(cls, answer: Answer) -> Snapshot:
        return cls(abstained=answer.abstained, claims=list(answer.claims), sources=list(answer.sources))

    def source(self, n: int) -> Source:
        return self.sources[n - 1]


class ChangeKind(StrEnum):
    # There was only "the articles don't say"; now new articles answer the question.
    ANSWERED = "answered"
    # A claim that was reported, speculative or disputed is now stated by the party concerned
    # on the record, or by an outlet in its own voice.
    CONFIRMED = "confirmed"
    # A claim is now denied or contradicted by a new article.
    DISPUTED = "disputed"
    # Another outlet now states the same claim independently (a reprint counts once).
    CORROBORATED = "corroborated"
    # A newer article reports a newer figure or state for the same thing.
    SUPERSEDED = "superseded"


class Change(BaseModel):
    """One thing that changed about a followed answer, and the new articles that changed it.

    Sources are numbered for this change alone: the followed claims' sources first, then the
    new articles' sentences. `followed` are the claims as last announced (none for `answered`);
    `reasons` are the claims of the new answer that rest on the new articles, citing only them.
    """

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    followed: list[Claim]
    reasons: list[Claim]
    sources: list[Source]
    # Who confirms, disputes or corroborates (a party on the record, or an outlet).
    by: list[str] = Field(default_factory=list)

    def source(self, n: int) -> Source:
        return self.sources[n - 1]

    @property
    def new_articles(self) -> list[str]:
        cited = {n for claim in self.reasons for n in claim.citations}
        return list(dict.fromkeys(self.source(n).article_id for n in sorted(cited)))


class Follow(BaseModel):
    """A question someone follows, where its updates go, and the answer they were last told."""

    model_config = ConfigDict(frozen=True)

    id: int
    question: str
    outlet: str | None = None
    since: date | None = None
    until: date | None = None
    # Where updates go: "discord:<channel or thread id>", "cli" or "http".
    channel: str
    # Who follows: "discord:<user id>", "cli" or "http:<client address>".
    user: str
    created_at: str
    snapshot: Snapshot

    def filters(self) -> SearchFilters:
        from index.search import SearchFilters

        return SearchFilters(outlet=self.outlet, published_from=self.since, published_to=self.until)


class RecordedChange(BaseModel):
    """A change as recorded: numbered, dated, with the follow it belongs to."""

    model_config = ConfigDict(frozen=True)

    id: int
    follow_id: int
    question: str
    channel: str
    recorded_at: str
    change: Change


class Delivery(BaseModel):
    """A recorded change waiting to be sent to one target ("discord" or "webhook")."""

    model_config = ConfigDict(frozen=True)

    id: int
    target: str
    attempts: int
    recorded: RecordedChange
