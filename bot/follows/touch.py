"""Which follows an index update may touch, by words: the first and cheapest of the checks that
decide which follows are answered again (`bot.follows.notice` does the others, exactly).

A change needs a sentence of a new or changed article ("fresh") in the new answer, and an answer
uses only sentences relevant to the question (`bot.answering.selection.is_relevant`: similar in
meaning, or less similar and holding at least half of the question's content words, its title
counting half). Here, for every follow and by words only: the question's content terms
(stemmed, as answering counts them) against each fresh sentence's terms together with its
title's, through an inverted index of the fresh sentences. A follow is a candidate when one
sentence and its title hold at least `MIN_OVERLAP` of its terms.

What this misses, by design: a fresh sentence relevant by meaning alone, holding fewer than half
of the question's words. `bench/follow_update.py --recall` counts what that loses against
answering every follow again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from bot.answering.selection import MIN_OVERLAP
from bot.follows.store import FollowTerms
from index.claims.status import TaggedSentence
from index.store import ArticleRecord
from index.text import content_terms

Sentence = tuple[ArticleRecord, TaggedSentence]


def candidates(follows: Sequence[FollowTerms], articles: Sequence[ArticleRecord]) -> list[int]:
    """The follows (ids) whose question's words meet one fresh sentence's and its title's."""
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
    found: list[int] = []
    for follow in follows:
        if not follow.terms:
            continue
        counts: Counter[int] = Counter()
        for term in follow.terms:
            counts.update(postings.get(term, ()))
        need = MIN_OVERLAP * len(follow.terms)
        if any(count >= need and _within(follow, units[i][0]) for i, count in counts.items()):
            found.append(follow.id)
    return found


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
