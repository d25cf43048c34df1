"""From retrieved passages to scored article sentences: the unit everything is cited by.

Support scoring has two parts, since no reranker or NLI model ships in a package here:
embedding similarity to the question, and overlap of the question's content words (stemmed).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.claims.status import TaggedSentence
from index.embedding import Embedder
from index.search import Passage, SearchResults
from index.store import ArticleRecord
from index.text import content_terms

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Sentences embedded per question: embedding is most of an answer's time.
EVIDENCE_LIMIT = 24


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


def numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


class SentenceVectors:
    """Embeddings of article sentences, cached by (article, version, offset) across questions.

    Sentence embeddings were three quarters of an answer's time; a bot is asked about the same
    articles again and again.
    """

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:  # about 75 MB of float32 vectors
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[tuple[str, str, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, items: Sequence[tuple[ArticleRecord, TaggedSentence]]) -> list[np.ndarray]:
        keys = [(article.id, article.content_hash, sentence.start) for article, sentence in items]
        with self._lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
        missing = [(key, sentence.text) for key, (_, sentence) in zip(keys, items, strict=True) if key not in found]
        if missing:
            vectors = self.embedder.embed_documents([text for _, text in missing])
            with self._lock:
                for (key, _), vector in zip(missing, vectors, strict=True):
                    found[key] = self._cache[key] = vector
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return [found[key] for key in keys]

    def texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of texts that are not article sentences (generated sentences): never cached."""
        return self.embedder.embed_documents(list(texts))


def gather_evidence(
    question: str, results: SearchResults, vectors: SentenceVectors, *, limit: int = EVIDENCE_LIMIT
) -> list[Evidence]:
    """Sentences of the retrieved passages, best first, each scored against the question."""
    seen: set[tuple[str, int]] = set()
    candidates: list[tuple[TaggedSentence, ArticleRecord, int]] = []
    for passage in results.passages:
        for sentence in _sentences_in(passage):
            key = (passage.article.id, sentence.start)
            if key not in seen:
                seen.add(key)
                candidates.append((sentence, passage.article, passage.rank))
    if not candidates:
        return []
    question_terms = content_terms(question)
    overlaps = [_overlap(question_terms, sentence.text, article.title) for sentence, article, _ in candidates]
    # Embed only the likeliest sentences: those sharing the question's words first, then by passage rank.
    order = sorted(range(len(candidates)), key=lambda i: (-overlaps[i], candidates[i][2]))[:limit]
    embedded = vectors.of([(candidates[i][1], candidates[i][0]) for i in order])
    evidence = [
        Evidence(
            sentence=candidates[i][0],
            article=candidates[i][1],
            similarity=float(vector @ results.query_vector),
            overlap=overlaps[i],
            passage_rank=candidates[i][2],
            vector=vector,
        )
        for i, vector in zip(order, embedded, strict=True)
    ]
    evidence.sort(key=lambda item: item.score, reverse=True)
    return evidence[:limit]


def _sentences_in(passage: Passage) -> list[TaggedSentence]:
    return [
        sentence
        for sentence in passage.article.sentences
        if sentence.end > passage.start and sentence.start < passage.end and not sentence.instruction_like
    ]


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


def pairwise(vectors: np.ndarray) -> np.ndarray:
    return vectors @ vectors.T if len(vectors) else np.zeros((0, 0))
