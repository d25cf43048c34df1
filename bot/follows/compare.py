"""What changed between the answer a follow was last told and a new one, and which new articles
changed it.

Changes are read from the answers' fields, never from their text: statuses, who disputes,
corroborates or supersedes a claim, and the identity of sources (the article and the quoted
sentence, not the [n] numbers, which move when sources are re-ordered). So a change of wording or
of order is no change. And every change rests on sentences of the new or changed articles of
this update (`fresh`), which alone are cited as its reason: a claim whose status moved for any
other reason (articles tagged again by a newer tagger, an older article retrieved now) announces
nothing.

A claim of the old answer is found in the new one by the sentence it cites. When the new answer
no longer cites that sentence (a newer sentence saying the same thing took its place), a new
claim stands for it only when the answer itself links the two: corroborating or disputing each
other, or the old sentence left out as a near-duplicate of the new one (`NEAR_DUPLICATE`, as the
extractive answer drops it); and they say the same thing (embedding similarity at least
`SAME_CLAIM`, the threshold corroboration uses) or, for a dispute, are on the same point
(`SAME_POINT`).

Per followed claim, one change: disputed before superseded before confirmed before corroborated.
Claims changed by the same new sentences in the same way make one change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answering.conflicts import SAME_CLAIM, SAME_POINT
from bot.answering.models import Answer, Claim, Source
from bot.answering.selection import NEAR_DUPLICATE
from bot.follows.models import Change, ChangeKind, Snapshot
from index.claims.status import ClaimStatus

# Similarities of texts: rows for the first texts, columns for the second (cosine).
Similarity = Callable[[Sequence[str], Sequence[str]], np.ndarray]
SourceKey = tuple[str, str]


def source_key(source: Source) -> SourceKey:
    """A cited sentence's identity across answers: its article and its words."""
    return (source.article_id, " ".join(source.quote.split()))


def changes_between(before: Snapshot, after: Answer, fresh: Collection[str], similarity: Similarity) -> list[Change]:
    """The changes from `before` to `after` that rest on the articles in `fresh` (their ids)."""
    if after.abstained:
        return []
    new = [claim for claim in after.claims if _fresh_citations(after, claim, fresh)]
    if not new:
        return []
    if before.abstained or not before.claims:
        return [_build(ChangeKind.ANSWERED, [], new, [], before, after, fresh)]
    close = similarity([claim.text for claim in before.claims], [claim.text for claim in new])
    verdicts: list[_Verdict] = []
    for row, old in enumerate(before.claims):
        reading = _Reading(before, old, after, _same_sentence(before, old, after), new, close[row], fresh)
        for judge in (_disputed, _superseded, _confirmed, _corroborated):
            verdict = judge(reading)
            if verdict is not None:
                verdicts.append(verdict)
                break
    return _merged(verdicts, new, before, after, fresh)


@dataclass(frozen=True)
class _Reading:
    """One followed claim against the new answer."""

    before: Snapshot
    old: Claim
    after: Answer
    # The new answer's claim citing the same sentence, if it still cites it.
    now: Claim | None
    # The new answer's claims that cite the fresh articles, and their similarity to `old`.
    new: list[Claim]
    close: np.ndarray
    fresh: Collection[str]

    def outlets_before(self) -> set[str]:
        """Who already stood behind the old claim: its outlets, their reprints, its corroborators."""
        found = set(self.old.corroborated_by)
        for n in self.old.citations:
            source = self.before.source(n)
            found |= {source.outlet, *source.also_in}
        return found

    def agree(self, position: int) -> bool:
        """The new answer says the old claim and the new one at `position` state the same thing: one
        corroborates the other, or the answer left the old sentence out as a near-duplicate of the
        new one (and found no contradiction that would have brought it back as the other side)."""
        claim = self.new[position]
        if claim is self.now:  # the same sentence, its article updated
            return True
        if self.close[position] < SAME_CLAIM:
            return False
        if self.now is None and self.close[position] > NEAR_DUPLICATE:
            return True
        outlet = _outlet(self.after, claim, self.fresh)
        corroborated = self.now is not None and outlet in self.now.corroborated_by
        return corroborated or bool(self.outlets_before() & set(claim.corroborated_by))


@dataclass(frozen=True)
class _Verdict:
    kind: ChangeKind
    old: Claim
    reasons: tuple[int, ...]  # positions in the new answer's fresh claims
    by: tuple[str, ...]


def _disputed(reading: _Reading) -> _Verdict | None:
    """Newly disputed: the new answer disputes the claim, by the claimant of a fresh claim."""
    old, now = reading.old, reading.now
    if now is not None:
        if now.status is not ClaimStatus.DISPUTED:
            return None
        parties = [party for party in now.disputed_by if party not in old.disputed_by]
        reasons = [
            i for i, claim in enumerate(reading.new) if claim is not now and _who(reading.after, claim) in parties
        ]
    else:
        claimant = old.attributed_to or _outlet(reading.before, old)
        reasons = [
            i
            for i, claim in enumerate(reading.new)
            if claim.status is ClaimStatus.DISPUTED
            and claimant in claim.disputed_by
            and reading.close[i] >= SAME_POINT
            and _who(reading.after, claim) not in old.disputed_by
        ]
    return _verdict(ChangeKind.DISPUTED, reading, reasons, by_claimant=True)


def _superseded(reading: _Reading) -> _Verdict | None:
    """Newly superseded: the new answer names a fresh article's sentence as the newer state."""
    now = reading.now
    if now is None or not now.superseded_by:
        return None
    known = {source_key(reading.before.source(n)) for n in reading.old.superseded_by}
    newer = {
        source_key(source)
        for source in (reading.after.source(n) for n in now.superseded_by)
        if source.article_id in reading.fresh and source_key(source) not in known
    }
    reasons = [
        i
        for i, claim in enumerate(reading.new)
        if any(source_key(reading.after.source(n)) in newer for n in claim.citations)
    ]
    return _verdict(ChangeKind.SUPERSEDED, reading, reasons, by_claimant=False)


def _confirmed(reading: _Reading) -> _Verdict | None:
    """Newly confirmed: a fresh claim that is confirmed, undisputed and the same claim."""
    if reading.old.status is ClaimStatus.CONFIRMED or _disputed_now(reading):
        return None
    reasons = [
        i
        for i, claim in enumerate(reading.new)
        if claim.status is ClaimStatus.CONFIRMED
        and not claim.disputed_by
        and not claim.superseded_by
        and reading.agree(i)
    ]
    return _verdict(ChangeKind.CONFIRMED, reading, reasons, by_claimant=True)


def _corroborated(reading: _Reading) -> _Verdict | None:
    """Newly corroborated: an outlet that did not stand behind the claim now states it too."""
    if _disputed_now(reading):
        return None
    known = reading.outlets_before()
    reasons = [
        i
        for i, claim in enumerate(reading.new)
        if claim is not reading.now
        and claim.status is not ClaimStatus.DISPUTED
        and _outlet(reading.after, claim, reading.fresh) not in known
        and reading.agree(i)
    ]
    if not reasons:
        return None
    outlets = tuple(dict.fromkeys(_outlet(reading.after, reading.new[i], reading.fresh) for i in reasons))
    return _Verdict(ChangeKind.CORROBORATED, reading.old, tuple(reasons), outlets)


def _disputed_now(reading: _Reading) -> bool:
    return reading.now is not None and reading.now.status is ClaimStatus.DISPUTED


def _verdict(kind: ChangeKind, reading: _Reading, reasons: list[int], *, by_claimant: bool) -> _Verdict | None:
    if not reasons:
        return None
    by = tuple(dict.fromkeys(_who(reading.after, reading.new[i]) for i in reasons)) if by_claimant else ()
    return _Verdict(kind, reading.old, tuple(reasons), by)


# --- the answers' fields ----------------------------------------------------------------


def _fresh_citations(answer: Answer, claim: Claim, fresh: Collection[str]) -> list[int]:
    return [n for n in claim.citations if answer.source(n).article_id in fresh]


def _same_sentence(before: Snapshot, old: Claim, after: Answer) -> Claim | None:
    cited = {source_key(before.source(n)) for n in old.citations}
    return next(
        (claim for claim in after.claims if any(source_key(after.source(n)) in cited for n in claim.citations)),
        None,
    )


def _outlet(answer: Answer | Snapshot, claim: Claim, fresh: Collection[str] = ()) -> str:
    """The outlet a claim rests on: that of its first fresh source, else of its first source."""
    sources = [answer.source(n) for n in claim.citations]
    return next((s.outlet for s in sources if s.article_id in fresh), sources[0].outlet if sources else "")


def _who(answer: Answer | Snapshot, claim: Claim) -> str:
    """Who makes a claim, as the answer names parties (an outlet speaking in its own voice)."""
    return claim.attributed_to or _outlet(answer, claim)


# --- building the changes ---------------------------------------------------------------


def _merged(
    verdicts: list[_Verdict], new: list[Claim], before: Snapshot, after: Answer, fresh: Collection[str]
) -> list[Change]:
    """One change per kind and set of new sentences, naming every followed claim it concerns."""
    groups: dict[tuple[ChangeKind, tuple[int, ...]], list[_Verdict]] = {}
    for verdict in verdicts:
        groups.setdefault((verdict.kind, verdict.reasons), []).append(verdict)
    changes = []
    for (kind, reasons), members in groups.items():
        by = list(dict.fromkeys(party for verdict in members for party in verdict.by))
        changes.append(_build(kind, [v.old for v in members], [new[i] for i in reasons], by, before, after, fresh))
    return changes


def _build(
    kind: ChangeKind,
    followed: list[Claim],
    reasons: list[Claim],
    by: list[str],
    before: Snapshot,
    after: Answer,
    fresh: Collection[str],
) -> Change:
    """Number the change's own sources: the followed claims' first, then the fresh sentences."""
    numbering: dict[SourceKey, int] = {}
    sources: list[Source] = []

    def number(source: Source) -> int:
        key = source_key(source)
        if key not in numbering:
            numbering[key] = len(numbering) + 1
            sources.append(source.model_copy(update={"n": numbering[key]}))
        return numbering[key]

    def cited(claim: Claim, answer: Answer | Snapshot, citations: Sequence[int]) -> Claim:
        numbers = sorted({number(answer.source(n)) for n in citations})
        return claim.model_copy(update={"citations": numbers, "superseded_by": []})

    old = [cited(claim, before, claim.citations) for claim in followed]
    now = [cited(claim, after, _fresh_citations(after, claim, fresh)) for claim in reasons]
    return Change(kind=kind, followed=old, reasons=now, sources=sources, by=by)
