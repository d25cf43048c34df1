"""A reprinted story speaks with one voice: the most doubtful of its copies.

Why: a wire story reprinted by several outlets is one claim. When the wire's copy says "according
to anonymous sources" and a reprint drops those words, citing the reprint must not make the claim
`confirmed`. So each cited sentence of a reprint group takes the status of the most doubtful
matching sentence among the group's copies, and who claims it is every copy's attribution (the
most doubtful first); the quote and citation stay the copy's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.answering.evidence import Evidence
from index.claims.status import TaggedSentence
from index.search import Searcher
from index.store import ArticleRecord
from index.text import content_terms

# A sentence of another copy with this share of the cited sentence's content words is the same sentence.
SAME_SENTENCE = 0.6


def as_groups(evidence: Sequence[Evidence], searcher: Searcher) -> list[Evidence]:
    """The evidence with each reprinted sentence standing for its whole group."""
    groups: dict[str, list[ArticleRecord]] = {}
    found = []
    for item in evidence:
        article = item.article
        if not article.reprint_of and not article.also_in:
            found.append(item)
            continue
        if article.id not in groups:
            groups[article.id] = searcher.reprint_group(article)
        found.append(replace(item, sentence=group_reading(item.sentence, article.outlet, groups[article.id])))
    return found


def group_reading(sentence: TaggedSentence, outlet: str, copies: Sequence[ArticleRecord]) -> TaggedSentence:
    """A copy's sentence with the group's status and claimants: the most doubtful reading, and who
    claims it in each copy that does not state it as plain fact ("anonymous sources (per Coastal
    Wire)")."""
    readings = [(sentence, outlet)] + [
        (match, copy.outlet) for copy in copies if (match := _same_sentence(sentence, copy)) is not None
    ]
    readings.sort(key=lambda reading: -reading[0].status.doubt)
    weakest = readings[0][0]
    if weakest.status.doubt <= sentence.status.doubt:
        return sentence  # the cited copy is already as doubtful as any
    claimants = [
        other.attributed_to if where.lower() in other.attributed_to.lower() else f"{other.attributed_to} (per {where})"
        for other, where in readings
        if other.status.doubt > 0
    ]
    return replace(
        sentence,
        status=weakest.status,
        attributed_to="; ".join(dict.fromkeys(claimants)),
        source=weakest.source,
        source_start=None,
        source_end=None,
        cue=weakest.cue,
        cue_kind=weakest.cue_kind,
        cue_start=None,
        cue_end=None,
        not_confirmed_by=tuple(dict.fromkeys(p for other, _ in readings for p in other.not_confirmed_by)),
        instruction_like=any(other.instruction_like for other, _ in readings),
    )


def _same_sentence(sentence: TaggedSentence, copy: ArticleRecord) -> TaggedSentence | None:
    words = content_terms(sentence.text)
    if not words:
        return None
    best, best_share = None, 0.0
    for other in copy.sentences:
        share = len(words & content_terms(other.text)) / len(words)
        if share > best_share:
            best, best_share = other, share
    return best if best_share >= SAME_SENTENCE else None
