"""From retrieved passages to scored article sentences: the unit everything is cited by.

Support scoring has two parts, since no reranker or NLI model ships in a package here:
embedding similarity to the question, and overlap of the question's content words (stemmed).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
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
    # The sentence's embedding, kept for comparisons between sentences (near-duplicates, conflicts).
    vector: np.ndarray | None = field(default=None, compare=False, hash=False, repr=False)

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
    question: str, passages: list[Passage], embed_model: BaseEmbedding, *, limit: int = 24
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
    question_terms = content_terms(question)
    overlaps = [_overlap(question_terms, sentence.text, article.title) for sentence, article, _ in candidates]
    # Embedding sentences is most of an answer's time: embed only the likeliest ones, those
    # sharing the question's words first, then by passage rank.
    order = sorted(range(len(candidates)), key=lambda i: (-overlaps[i], candidates[i][2]))[:limit]
    query_vector = np.asarray(embed_model.get_query_embedding(question))
    vectors = _sentence_vectors(embed_model, [(candidates[i][1], candidates[i][0]) for i in order])
    evidence = [
        Evidence(
            sentence=candidates[i][0],
            article=candidates[i][1],
            similarity=float(vector @ query_vector),
            overlap=overlaps[i],
            passage_rank=candidates[i][2],
            vector=vector,
        )
        for i, vector in zip(order, vectors, strict=True)
    ]
    evidence.sort(key=lambda item: item.score, reverse=True)
    return evidence[:limit]


_VECTOR_CACHE: OrderedDict[tuple[str, str, int], np.ndarray] = OrderedDict()
_VECTOR_CACHE_SIZE = 50_000  # about 75 MB of 384-dimension float32 vectors
_CACHE_LOCK = threading.Lock()


def _sentence_vectors(
    embed_model: BaseEmbedding, items: list[tuple[ArticleRecord, TaggedSentence]]
) -> list[np.ndarray]:
    """Embeddings of article sentences, cached by (article, version, offset) across questions."""
    keys = [(article.id, article.content_hash, sentence.start) for article, sentence in items]
    with _CACHE_LOCK:
        found = {key: _VECTOR_CACHE[key] for key in keys if key in _VECTOR_CACHE}
    missing = [(key, sentence.text) for key, (_, sentence) in zip(keys, items, strict=True) if key not in found]
    if missing:
        vectors = embed_texts(embed_model, [text for _, text in missing])
        with _CACHE_LOCK:
            for (key, _), vector in zip(missing, vectors, strict=True):
                found[key] = _VECTOR_CACHE[key] = vector
            while len(_VECTOR_CACHE) > _VECTOR_CACHE_SIZE:
                _VECTOR_CACHE.popitem(last=False)
    return [found[key] for key in keys]


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


def embed_texts(embed_model: BaseEmbedding, texts: list[str]) -> np.ndarray:
    """Normalised embeddings, one row a text."""
    if not texts:
        return np.zeros((0, 0))
    return np.asarray(embed_model.get_text_embedding_batch(texts))


def pairwise(vectors: np.ndarray) -> np.ndarray:
    return vectors @ vectors.T if len(vectors) else np.zeros((0, 0))
