"""What counts as relevant evidence, and the extractive answer: the best few article sentences.

Relevance floor for a sentence to count as answering anything: cosine similarity to the
question (MiniLM), or a lower similarity with half the question's content words. Set by hand on
the project's own test articles; not tuned on any evaluation set.
"""

from __future__ import annotations

import numpy as np

from bot.answering.conflicts import compare_sources, numbered
from bot.answering.drafts import Draft, abstain, to_answer
from bot.answering.evidence import Evidence, SentenceVectors, pairwise
from bot.answering.models import Answer
from bot.answering.timeline import asks_about_now

MIN_SIMILARITY = 0.35
MIN_SIMILARITY_WITH_OVERLAP = 0.25
MIN_OVERLAP = 0.5
MAX_EXTRACTIVE_CLAIMS = 3
# How far below the best sentence's score a sentence may be and still be shown.
SCORE_WINDOW = 0.3
# Two sentences this similar say the same thing (unless they number different things): the
# second is not shown.
NEAR_DUPLICATE = 0.85


def is_relevant(item: Evidence) -> bool:
    return item.similarity >= MIN_SIMILARITY or (
        item.similarity >= MIN_SIMILARITY_WITH_OVERLAP and item.overlap >= MIN_OVERLAP
    )


def relevant(evidence: list[Evidence]) -> list[Evidence]:
    return [item for item in evidence if is_relevant(item)]


def extractive_answer(
    question: str,
    evidence: list[Evidence],
    vectors: SentenceVectors,
    *,
    mode: str = "extractive",
    removed: int = 0,
    notes: list[str] | None = None,
) -> Answer:
    """Select the best few sentences, drop near-duplicates, mark conflicts, cite each."""
    drafts = select_drafts(evidence)
    if not drafts:
        return abstain(question, mode, removed=removed, notes=notes)
    drafts = compare_sources(drafts, relevant(evidence), vectors, about_now=asks_about_now(question))
    return to_answer(question, mode, drafts, removed=removed, notes=notes)


def select_drafts(evidence: list[Evidence]) -> list[Draft]:
    """Up to three relevant sentences close to the best one's score, no two saying the same."""
    candidates = relevant(evidence)
    if not candidates:
        return []
    best = candidates[0].score
    candidates = [item for item in candidates if item.score >= best - SCORE_WINDOW]
    matrix = pairwise(np.stack([_vector(item) for item in candidates]))
    chosen: list[int] = []
    for position in range(len(candidates)):
        text = candidates[position].sentence.text
        if any(
            matrix[position, other] > NEAR_DUPLICATE and _same_details(text, candidates[other].sentence.text)
            for other in chosen
        ):
            continue
        chosen.append(position)
        if len(chosen) == MAX_EXTRACTIVE_CLAIMS:
            break
    return [
        Draft(item.sentence.text, (item,), item.sentence.status, item.sentence.attributed_to)
        for item in (candidates[position] for position in chosen)
    ]


def _same_details(first: str, second: str) -> bool:
    """The same numbered things: "lighthouse number 1 ... in April" and "lighthouse number 2 ...
    in June" are two facts, not one said twice. (Two days or figures for one thing are one point:
    the better is shown, and the other side of a conflict joins it in `compare_sources`.)"""
    return numbered(first) == numbered(second)


def _vector(item: Evidence) -> np.ndarray:
    if item.vector is None:
        raise ValueError("evidence without its sentence vector")
    return item.vector
