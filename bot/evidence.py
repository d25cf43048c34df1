"""From retrieved passages to scored article sentences: the unit everything is cited by.

Support scoring has two parts, since no reranker or NLI model ships in a package here:
embedding similarity to the question, and overlap of the question's content words (stemmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from bot.retrieval import Passage
from index import ArticleRecord, TaggedSentence

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+|\d[\d,.]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Evidence:
    sentence: TaggedSentence
    article: ArticleRecord
    similarity: float
    overlap: float
    passage_rank: int

    @property
    def score(self) -> float:
        return self.similarity + 0.3 * self.overlap

    @property
    def key(self) -> tuple[str, int]:
        return (self.article.id, self.sentence.start)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> set[str]:
    words = [w.lower().strip("'-") for w in _WORD.findall(text)]
    kept = [w for w in words if w and w not in _stopwords() and (len(w) > 2 or w.isdigit())]
    return set(_stemmer().stemWords(kept))


def numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def gather_evidence(
    question: str, passages: list[Passage], embed_model: BaseEmbedding, *, limit: int = 40
) -> list[Evidence]:
    """Sentences of the retrieved passages, best first, each scored against the question."""
    seen: set[tuple[str, int]] = set()
    candidates: list[tuple[TaggedSentence, ArticleRecord, int]] = []
    for passage in passages:
        for sentence in passage.article.sentences:
            if sentence.end <= passage.start or sentence.start >= passage.end or sentence.instruction_like:
                continue
            key = (passage.article.id, sentence.start)
            if key not in seen:
                seen.add(key)
                candidates.append((sentence, passage.article, passage.rank))
    if not candidates:
        return []
    candidates = candidates[: limit * 2]
    question_terms = content_terms(question)
    vectors = similarities(embed_model, question, [sentence.text for sentence, _, _ in candidates])
    evidence = [
        Evidence(
            sentence=sentence,
            article=article,
            similarity=float(similarity),
            overlap=_overlap(question_terms, sentence.text, article.title),
            passage_rank=rank,
        )
        for (sentence, article, rank), similarity in zip(candidates, vectors, strict=True)
    ]
    evidence.sort(key=lambda item: item.score, reverse=True)
    return evidence[:limit]


def _overlap(question_terms: set[str], text: str, title: str) -> float:
    """Share of the question's content words in the sentence; title words count half.

    The title stands in for context a sentence leaves implicit ("The closure will last 14 days"
    under "Harbor Bridge to close").
    """
    if not question_terms:
        return 0.0
    in_sentence = question_terms & content_terms(text)
    in_title = (question_terms & content_terms(title)) - in_sentence
    return (len(in_sentence) + 0.5 * len(in_title)) / len(question_terms)


def similarities(embed_model: BaseEmbedding, query: str, texts: list[str]) -> np.ndarray:
    """Cosine similarity of `query` to each text (embeddings are normalised by the model)."""
    if not texts:
        return np.zeros(0)
    query_vector = np.asarray(embed_model.get_query_embedding(query))
    text_vectors = np.asarray(embed_model.get_text_embedding_batch(texts))
    return text_vectors @ query_vector


def pairwise(embed_model: BaseEmbedding, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 0))
    vectors = np.asarray(embed_model.get_text_embedding_batch(texts))
    return vectors @ vectors.T
