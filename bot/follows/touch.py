"""Which follows an index update may touch: only those are answered again.

A change needs a sentence of a new or changed article in the new answer, and an answer only
uses sentences relevant to the question (`bot.answering.selection.is_relevant`: similar in
meaning, or less similar and holding at least half of the question's content words, its
article's title counting half). Two steps, so that 1,000 follows cost little:

1. For every follow, by words only: the question's content terms (stemmed, as answering counts
   them) against each fresh sentence's terms together with its title's, through an inverted
   index of the fresh sentences. A follow is a candidate when one sentence and its title hold at
   least `MIN_OVERLAP` of its terms (a superset of what the overlap rule can accept).
2. For the candidates, the relevance rule itself on those sentences, with the question's and the
   sentences' embeddings (`SentenceVectors` caches them, so answering again reuses them).

What this misses, by design: a fresh sentence that is relevant by meaning alone while holding
fewer than half of the question's words. `bench/follow_update.py --recall` counts the changes
that loses against answering every follow again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.answering.evidence import Evidence, content_terms, question_overlap
from bot.answering.selection import MIN_OVERLAP, is_relevant
from bot.follows.store import FollowTerms
from index.claims.status import TaggedSentence
from index.store import ArticleRecord

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine

Sentence = tuple[ArticleRecord, TaggedSentence]


def question_terms(question: str) -> frozenset[str]:
    return frozenset(content_terms(question))


def candidates(follows: Sequence[FollowTerms], articles: Sequence[ArticleRecord]) -> dict[int, list[Sentence]]:
    """Follow id -> the fresh sentences whose words (with their title's) meet its question's."""
    units: list[Sentence] = []
    postings: dict[str, list[int]] = {}
    for article in articles:
        title = content_terms(article.title)
        for sentence in article.sentences:
            if sentence.instruction_like:
                continue
            for term in content_terms(sentence.text) | title:
                postings.setdefault(term, []).append(len(units))
            units.append((article, sentence))
    found: dict[int, list[Sentence]] = {}
    for follow in follows:
        if not follow.terms:
            continue
        counts: Counter[int] = Counter()
        for term in follow.terms:
            counts.update(postings.get(term, ()))
        need = MIN_OVERLAP * len(follow.terms)
        hits = [units[i] for i, count in counts.items() if count >= need and _within(follow, units[i][0])]
        if hits:
            found[follow.id] = hits
    return found


def relevant_to(question: str, sentences: Sequence[Sentence], engine: AnswerEngine) -> bool:
    """Whether any of the sentences is relevant to the question by the rule answers use."""
    terms = set(question_terms(question))
    query = engine.searcher.embedder.embed_query(question)
    vectors = engine.vectors.of(sentences)
    return any(
        is_relevant(
            Evidence(
                sentence=sentence,
                article=article,
                similarity=float(vector @ query),
                overlap=question_overlap(terms, sentence.text, article.title),
                passage_rank=0,
            )
        )
        for (article, sentence), vector in zip(sentences, vectors, strict=True)
    )


def _within(follow: FollowTerms, article: ArticleRecord) -> bool:
    """The follow's filters let the article in (outlet, publication dates)."""
    if follow.outlet and article.outlet != follow.outlet:
        return False
    if follow.since or follow.until:
        if not article.published:
            return False
        published = date.fromisoformat(article.published[:10])
        if (follow.since and published < follow.since) or (follow.until and published > follow.until):
            return False
    return True
