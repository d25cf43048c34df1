"""Where the cited sentences disagree: a denial of a reported claim, or two articles on the same
point with different quantities. Both sides are kept, marked disputed, each naming the other.
"""

from __future__ import annotations

import re

import numpy as np

from bot.answering.drafts import Draft
from bot.answering.evidence import Evidence, SentenceVectors, pairwise
from index.claims.status import ClaimStatus

# Two claims this similar are about the same point.
SAME_POINT = 0.45


def link_denials(drafts: list[Draft]) -> list[Draft]:
    """A reported claim whose own article reports a denial of it is disputed, and the denial is cited.

    "Has not confirmed" only qualifies a claim (it stays reported, naming who has not confirmed
    it); a denial contradicts it, so the answer must show both sides.
    """
    result = list(drafts)
    cited = {item.key for draft in drafts for item in draft.support}
    for position, draft in enumerate(drafts):
        item = draft.support[0]
        if item.sentence.status is not ClaimStatus.REPORTED or not item.sentence.not_confirmed_by:
            continue
        denial = next(
            (
                sentence
                for sentence in item.article.sentences
                if sentence.status is ClaimStatus.DISPUTED and sentence.cue_kind == "denial"
            ),
            None,
        )
        if denial is None:
            continue
        who = denial.source or denial.attributed_to
        result[position] = draft.disputed(who)
        denial_item = Evidence(denial, item.article, similarity=0.0, overlap=0.0, passage_rank=item.passage_rank)
        if denial_item.key not in cited:
            cited.add(denial_item.key)
            result.append(Draft(denial.text, (denial_item,), ClaimStatus.DISPUTED, who, (draft.who,)))
    return result


def mark_conflicts(drafts: list[Draft], vectors: SentenceVectors) -> list[Draft]:
    """Claims on the same point whose sources differ in numbers, or one of which denies, are disputed."""
    if len(drafts) < 2:
        return drafts
    matrix = pairwise(np.stack(_draft_vectors(drafts, vectors)))
    result = list(drafts)
    for i, first in enumerate(drafts):
        for j in range(i + 1, len(drafts)):
            second = drafts[j]
            if first.support[0].article.id == second.support[0].article.id or matrix[i, j] < SAME_POINT:
                continue
            if numbers_conflict(first.text, second.text) or _is_denial(first) or _is_denial(second):
                result[i] = result[i].disputed(second.who)
                result[j] = result[j].disputed(first.who)
    return result


_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)*)\s+(?:percent|per cent|%|[a-z]+)", re.IGNORECASE)


def quantities(text: str) -> dict[str, set[str]]:
    """Numbers by the word that follows them: "9 million dollars" -> {"million": {"9"}}."""
    found: dict[str, set[str]] = {}
    for match in _QUANTITY.finditer(text):
        unit = match.group(0)[len(match.group(1)) :].strip().lower()
        found.setdefault(unit, set()).add(match.group(1).replace(",", ""))
    return found


def numbers_conflict(first: str, second: str) -> bool:
    """Same kind of quantity, different values: "9 million" against "12 million"."""
    a, b = quantities(first), quantities(second)
    return any(a[unit] != b[unit] for unit in a.keys() & b.keys())


def _draft_vectors(drafts: list[Draft], vectors: SentenceVectors) -> list[np.ndarray]:
    """An extractive claim is its sentence, whose embedding is already known."""
    known = [draft.support[0].vector if draft.text == draft.support[0].sentence.text else None for draft in drafts]
    missing = [i for i, vector in enumerate(known) if vector is None]
    if missing:
        embedded = vectors.texts([drafts[i].text for i in missing])
        for i, vector in zip(missing, embedded, strict=True):
            known[i] = vector
    return [vector for vector in known if vector is not None]


def _is_denial(draft: Draft) -> bool:
    sentence = draft.support[0].sentence
    return sentence.status is ClaimStatus.DISPUTED and sentence.source is not None
