"""Which quiz choice an answer supports, and the older choice rule kept as a labelled baseline.

The product's pick (`pick_from_answer`) reads only the `Answer` that `answer_question` returned,
as a user would: the choice whose distinctive words the answer's claims and cited sentences
state; an abstained answer, or one that names no choice, is "none of the above".

The baseline (`support_choices` + `choose`) is the rule the evaluation used before it scored the
product: every choice judged on one pooled evidence set by its distinctive words in relevant
sentences, with its own thresholds (set on 80 dev questions). It never calls `answer_question`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bot.answering.engine import AnswerEngine
from bot.answering.evidence import content_terms, gather_evidence
from bot.answering.models import Answer
from evaluation.rtqa_data import Question, is_nota
from index.search import SearchResults

QUESTION_PASSAGES = 8
CHOICE_PASSAGES = 3
EVIDENCE_SENTENCES = 48
# The baseline rule's two numbers, set on 80 dev questions by a grid search.
SIMILARITY_WEIGHT = 0.25
MIN_SUPPORT = 0.45  # below this, no sentence backs the best choice: none of the above
# The product pick: a choice counts as stated when this share of its distinctive words is in
# one claim or cited sentence.
MIN_STATED = 0.5


def distinctive_terms(choices: tuple[str, ...]) -> dict[int, set[str]]:
    """Each real choice's content words without those every choice shares ("cents", "Awards")."""
    terms = {i: content_terms(c) for i, c in enumerate(choices) if not is_nota(c)}
    shared = set.intersection(*terms.values()) if terms else set()
    return {i: (words - shared) or words for i, words in terms.items()}


def pick_from_answer(answer: Answer, choices: tuple[str, ...]) -> int | None:
    """The choice the answer states, or None ("none of the above") when it abstains or states none.

    Claims are read in order (the answer puts its best evidence first); a choice's score is the
    best share of its distinctive words in one claim together with the sentences it cites.
    """
    if answer.abstained:
        return None
    texts = [
        " ".join([claim.text, *(answer.source(n).quote for n in claim.citations if 0 < n <= len(answer.sources))])
        for claim in answer.claims
    ]
    words = [content_terms(text) for text in texts]
    best: tuple[float, int, int] | None = None  # (share, -claim position, choice)
    for number, distinct in distinctive_terms(choices).items():
        if not distinct:
            continue
        for position, found in enumerate(words):
            share = len(distinct & found) / len(distinct)
            if share >= MIN_STATED and (best is None or (share, -position) > best[:2]):
                best = (share, -position, number)
    return None if best is None else best[2]


@dataclass(frozen=True)
class ChoiceSupport:
    """How well the retrieved evidence backs one choice, and the sentence that backs it most."""

    number: int
    support: float  # best sentence: share of the choice's distinctive words in it x its relevance
    similarity: float  # best cosine of "question + choice" to an evidence sentence
    quote: str | None
    article: str | None


def support_choices(question: Question, engine: AnswerEngine, passages: SearchResults) -> list[ChoiceSupport]:
    """Score every real choice against the same evidence: sentences of the retrieved passages."""
    evidence = gather_evidence(question.text, passages, engine.vectors, limit=EVIDENCE_SENTENCES)
    candidates = [(i, c) for i, c in enumerate(question.choices) if not is_nota(c)]
    distinct_terms = distinctive_terms(question.choices)
    sentence_terms = [content_terms(item.sentence.text) for item in evidence]
    vectors = np.asarray([item.vector for item in evidence]) if evidence else np.zeros((0, 0))
    supports = []
    for number, choice in candidates:
        distinct = distinct_terms[number]
        best, quote, article = 0.0, None, None
        for item, words in zip(evidence, sentence_terms, strict=True):
            share = len(distinct & words) / len(distinct) if distinct else 0.0
            value = share * max(0.0, item.score)
            if value > best:
                best, quote, article = value, item.sentence.text, item.article.id
        query = engine.searcher.embedder.embed_query(f"{question.text} {choice}")
        closeness = vectors @ query if len(vectors) else np.zeros(0)
        similarity = float(closeness.max()) if len(closeness) else 0.0
        if quote is None and len(closeness):  # no sentence names it: cite the closest one
            closest = evidence[int(closeness.argmax())]
            quote, article = closest.sentence.text, closest.article.id
        supports.append(ChoiceSupport(number, best, similarity, quote, article))
    return supports


def evidence_passages(question: Question, engine: AnswerEngine) -> SearchResults:
    """Passages for the question, then for the question with each choice, pooled without repeats.

    Every choice is then judged on the same pool, so no choice wins only by bringing its own
    evidence. The question's own vector scores the pooled sentences.
    """
    first = engine.searcher.search(question.text, top_k=QUESTION_PASSAGES)
    pooled = {p.chunk_id: p for p in first.passages}
    for choice in question.choices:
        if not is_nota(choice):
            for passage in engine.searcher.search(f"{question.text} {choice}", top_k=CHOICE_PASSAGES).passages:
                pooled.setdefault(passage.chunk_id, passage)
    ranked = tuple(replace(passage, rank=rank) for rank, passage in enumerate(pooled.values()))
    return SearchResults(ranked, first.query_vector)


def choose(supports: list[ChoiceSupport], *, abstain: bool) -> ChoiceSupport | None:
    """The best-supported choice; with `abstain`, None ("none of the above") unless it is backed.

    Without `abstain` a choice is always made, as a quiz taker must; with it, factdesk's own
    rule applies: say the articles do not answer rather than guess.
    """
    if not supports:
        return None
    best = max(supports, key=choice_score)
    if abstain and best.support < MIN_SUPPORT:
        return None
    return best


def choice_score(item: ChoiceSupport) -> float:
    return item.support + SIMILARITY_WEIGHT * item.similarity
