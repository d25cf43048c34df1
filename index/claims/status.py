"""The vocabulary of claim statuses: what a sentence's status, cues and tags are.

Statuses, strongest doubt first: `disputed` (denied, called false, or said to be unconfirmed),
`reported` (attributed to a third party, a report or unnamed sources), `speculative` (hedged,
or a question), `confirmed` (the article's own voice, or a party on the record).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class ClaimStatus(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"
    SPECULATIVE = "speculative"
    DISPUTED = "disputed"

    @property
    def doubt(self) -> int:
        """Rank for "weakest support wins": higher means less established."""
        return _DOUBT[self]


_DOUBT = {
    ClaimStatus.CONFIRMED: 0,
    ClaimStatus.SPECULATIVE: 1,
    ClaimStatus.REPORTED: 2,
    ClaimStatus.DISPUTED: 3,
}


@dataclass(frozen=True)
class Cue:
    """A cue word or phrase, its kind and character offsets into the analysed text."""

    # "attribution", "stance", "hearsay", "hedge", "vague" (the hedge model finds the wording
    # uncertain; its word is the one weighing most), "question", "denial", "not_confirmed" (a party
    # says it has not confirmed), "unconfirmed" (said to be unconfirmed, by no one in particular)
    kind: str
    text: str
    start: int
    end: int
    source: str | None = None
    source_start: int | None = None
    source_end: int | None = None
    on_record: bool = False


@dataclass(frozen=True)
class SentenceAnalysis:
    status: ClaimStatus
    cue: Cue | None
    cues: tuple[Cue, ...]
    # A statement about other claims being unconfirmed ("X has not confirmed the report", "leaving
    # the security angle unconfirmed"): the words naming those claims (empty: the article's claims
    # in general), and the party said not to have confirmed them. None when it is no such statement.
    unconfirms: tuple[str, ...] | None = None
    unconfirmed_by: str | None = None
    # The sentence speaks to its reader or an AI ("You confirmed that ..."): never a source.
    addresses_reader: bool = False
    # What the sentence claims happens, for comparing claims across articles: the lemma of its
    # main verb (inside reported speech, the reported verb) and whether it is negated.
    predicate: str | None = None
    negated: bool = False


@dataclass(frozen=True)
class TaggedSentence:
    """One article sentence with its status; offsets index into the article's body."""

    start: int
    end: int
    text: str
    status: ClaimStatus
    attributed_to: str
    source: str | None = None
    source_start: int | None = None
    source_end: int | None = None
    cue: str | None = None
    cue_kind: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    not_confirmed_by: tuple[str, ...] = ()
    predicate: str | None = None
    negated: bool = False
    # Text that addresses an AI or its operators ("ignore previous instructions", "@everyone"):
    # kept in the index for the record, never used as evidence.
    instruction_like: bool = False

    def to_dict(self) -> dict[str, object]:
        """The stored form: without the text, which is `body[start:end]` of its article."""
        return {
            key: value
            for key, value in asdict(self).items()
            if key != "text" and value is not None and value is not False and value != ()
        }

    @classmethod
    def from_dict(cls, data: dict[str, object], body: str) -> TaggedSentence:
        values = dict(data)
        values["status"] = ClaimStatus(str(values["status"]))
        values["not_confirmed_by"] = tuple(values.get("not_confirmed_by") or ())  # type: ignore[arg-type]
        start, end = int(values["start"]), int(values["end"])  # type: ignore[call-overload]
        values["text"] = body[start:end]
        return cls(**values)  # type: ignore[arg-type]
