"""The one place answer text is written, from the claims' fields.

`Answer.answer` is for whoever wants a paragraph (the JSON, a plain terminal): the claims with
[n] markers, then a plain "Unconfirmed:" line naming who claims each unconfirmed claim, who
disputes it and who has not confirmed it. Views that show more than a paragraph render the
fields themselves; none of them reads this text back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answering.models import Claim
from index.claims import lexicon as lex
from index.claims.status import ClaimStatus

NO_ANSWER = "The articles don't say."

_CITATION = re.compile(r"\[(\d{1,3})\]")
# Wording that already tells the reader a claim is not established: no "According to X," needed.
_HEDGED_WORDING = re.compile(
    r"\b(" + "|".join(re.escape(word) for word in sorted(lex.HEDGED_WORDING, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def has_hedged_wording(text: str) -> bool:
    return bool(_HEDGED_WORDING.search(text))


def answer_text(claims: Sequence[Claim], *, removed: int = 0) -> str:
    lines = [claims_text(claims)]
    unconfirmed = [claim for claim in claims if claim.unconfirmed]
    if unconfirmed:
        lines.append("Unconfirmed: " + "; ".join(unconfirmed_line(claim) for claim in unconfirmed) + ".")
    older = [claim for claim in claims if claim.superseded_by]
    if older:
        lines.append("Older: " + "; ".join(older_line(claim) for claim in older) + ".")
    if removed:
        lines.append(removed_note(removed))
    return "\n\n".join(lines)


def claims_text(claims: Sequence[Claim]) -> str:
    """The claims as one paragraph with [n] markers; unconfirmed ones say who claims them."""
    return " ".join(claim_text(claim) for claim in claims)


def removed_note(removed: int) -> str:
    return f"({removed} unsupported sentence{'s' if removed != 1 else ''} removed.)"


def markers(claim: Claim) -> str:
    return "".join(f"[{n}]" for n in claim.citations)


def unconfirmed_line(claim: Claim) -> str:
    """`[1] is reported, claimed by X (not confirmed by Y)`, or `..., disputed by Z`."""
    return f"{markers(claim)} is {status_detail(claim)}"


def older_line(claim: Claim) -> str:
    """`[2] is older than [1], which says otherwise`."""
    newer = "".join(f"[{n}]" for n in claim.superseded_by)
    return f"{markers(claim)} is older than {newer}, which says otherwise"


def status_detail(claim: Claim) -> str:
    """`reported, claimed by X (not confirmed by Y)`: the status and the parties, in words."""
    line = f"{claim.status.value}, claimed by {claim.attributed_to or 'an unnamed source'}"
    if claim.disputed_by:
        line += ", disputed by " + " and ".join(claim.disputed_by)
    if claim.not_confirmed_by and claim.status is not ClaimStatus.DISPUTED:
        line += " (not confirmed by " + ", ".join(claim.not_confirmed_by) + ")"
    return line


def claim_text(claim: Claim) -> str:
    return claim_sentence(claim) + " " + markers(claim)


def claim_sentence(claim: Claim) -> str:
    """The claim as the answer says it: an unconfirmed one not already hedged names who claims it."""
    text = _CITATION.sub("", claim.text).strip()
    who = claim.attributed_to
    if claim.unconfirmed and who and not says_who(text, who):
        text = f"According to {who}, {_sentence_inside(text)}"
    return text


# Opening words that are lowercased inside a sentence; anything else may be a name ("Kessington's").
_COMMON_OPENERS = frozenset(
    ["the", "a", "an", "this", "that", "these", "those", "it", "its", "some", "many", "most", "several", "there",
     "one", "two", "three", "four", "five", "all", "no", "each", "every", "his", "her", "their", "our", "in", "on",
     "at", "after", "before", "as", "for", "by", "with", "from", "about", "officials", "police", "residents"]
)  # fmt: skip


def _sentence_inside(text: str) -> str:
    """A sentence placed after "According to X, ": its first word lowercased only when it is a
    common word, never a name."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _COMMON_OPENERS else text


def says_who(text: str, who: str) -> bool:
    """The wording already tells a reader the claim is not established: it hedges ("reportedly",
    "may", "according to") or names who claims it ("Unnamed sources say ...", "..., Semafor said")."""
    if has_hedged_wording(text):
        return True
    first = re.split(r",| \(", who, maxsplit=1)[0].strip().lower()
    return bool(first) and first in text.lower()
