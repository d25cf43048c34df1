"""Hybrid search, the read side of the index: dense (Chroma) and keyword (tantivy) search over
chunks, fused by reciprocal rank, each passage returned with its article.

Everything is read from the live generation. A `Searcher` follows the pointer: when an indexer
flips or updates the index, the next question reads the new state; nothing is rebuilt in
memory, so a long-running bot answers from the articles that are there now at no cost.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index import schema
from index.config import IndexConfig
from index.embedding import Embedder, load_query_embedder
from index.errors import IndexEmpty
from index.keyword import KeywordIndex, keyword_folder
from index.store import ArticleRecord, IndexStore, open_store, where_clause

if TYPE_CHECKING:
    from chromadb.api.types import Where

log = logging.getLogger(__name__)

# Article records (text and tagged sentences) kept in memory between questions.
ARTICLE_CACHE_SIZE = 2000
# Reciprocal rank fusion: score = sum of 1 / (RRF_K + rank); 60 as in Cormack et al. (2009)
# and llama-index's QueryFusionRetriever.
RRF_K = 60.0

SearchMode = Literal["hybrid", "dense", "keyword"]


@dataclass(frozen=True)
class SearchFilters:
    outlet: str | None = None
    published_from: date | None = None
    published_to: date | None = None

    def chroma_where(self) -> Where | None:
        clauses: list[dict[str, Any]] = []
        if self.outlet:
            clauses.append({schema.OUTLET: self.outlet})
        if self.published_from:
            clauses.append({schema.PUBLISHED_DAY: {"$gte": self.published_from.toordinal()}})
        if self.published_to:
            clauses.append({schema.PUBLISHED_DAY: {"$lte": self.published_to.toordinal()}})
        if not clauses:
            return None
        return where_clause(clauses[0] if len(clauses) == 1 else {"$and": clauses})


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk's span in its article (as of the catalog), and its fused rank."""

    chunk_id: str
    start: int
    end: int
    rank: int
    article: ArticleRecord


@dataclass(frozen=True)
class SearchResults:
    """Passages best first, and the question's vector, which evidence scoring reuses."""

    passages: tuple[Passage, ...]
    query_vector: np.ndarray


class Searcher:
    """Reads the live generation of one store; safe to share between threads."""

    def __init__(self, store: IndexStore, embedder: Embedder, data_dir: Path, snapshots: Sequence[Path] = ()) -> None:
        self.store = store
        self.embedder = embedder
        # Keyword indexes live in data folders: this process's own, and those of other writers.
        self.keyword_dirs = (data_dir, *snapshots)
        self._lock = threading.Lock()
        self._keywords: tuple[str, list[KeywordIndex]] | None = None
        self._articles: OrderedDict[tuple[str, str], ArticleRecord] = OrderedDict()

    @classmethod
    def open(cls, config: IndexConfig, store: IndexStore | None = None) -> Searcher:
        embedder = load_query_embedder(config.embed_model, config.threads)
        return cls(store or open_store(config), embedder, config.data_dir, config.keyword_snapshots)

    def live_generation(self) -> str:
        generation = self.store.pointer().active
        if not generation:
            raise IndexEmpty("the index is empty: run `factdesk index` first")
        return generation

    def search(
        self,
        question: str,
        *,
        top_k: int = 8,
        filters: SearchFilters | None = None,
        mode: SearchMode = "hybrid",
    ) -> SearchResults:
        """Top passages for a question. `mode` is hybrid, dense or keyword (the last two for evaluation)."""
        generation = self.live_generation()
        filters = filters or SearchFilters()
        depth = max(top_k * 2, 10)
        vector = self.embedder.embed_query(question)
        rankings: list[list[str]] = []
        metadata: dict[str, schema.ChunkMetadata] = {}
        if mode in ("hybrid", "dense"):
            hits = self.store.dense_search(generation, vector, limit=depth, where=filters.chroma_where())
            rankings.append([hit.chunk_id for hit in hits])
            metadata.update((hit.chunk_id, hit.metadata) for hit in hits)
        if mode in ("hybrid", "keyword"):
            rankings.extend(self._keyword_ids(generation, question, depth, filters))
        fused = fuse(rankings)[:depth]
        missing = [chunk_id for chunk_id in fused if chunk_id not in metadata]
        if missing:
            metadata.update(self.store.chunk_metadata(generation, missing))
        return SearchResults(self._passages(generation, fused, metadata, top_k), vector)

    def _keyword_ids(self, generation: str, question: str, depth: int, filters: SearchFilters) -> list[list[str]]:
        """One ranking per keyword index (each partitioned writer keeps its own), fused with the rest."""
        rankings = []
        for keywords in self._keyword_indexes(generation):
            hits = keywords.search(
                question,
                limit=depth,
                outlet=filters.outlet,
                day_from=filters.published_from.toordinal() if filters.published_from else None,
                day_to=filters.published_to.toordinal() if filters.published_to else None,
            )
            rankings.append([hit.chunk_id for hit in hits])
        return rankings

    def _keyword_indexes(self, generation: str) -> list[KeywordIndex]:
        with self._lock:
            if self._keywords is None or self._keywords[0] != generation:
                opened = []
                for data_dir in self.keyword_dirs:
                    found = KeywordIndex.open_reader(keyword_folder(data_dir, generation))
                    if found is not None:
                        opened.append(found)
                if not opened:
                    log.warning("no keyword index for %s: answering with dense search only", generation)
                self._keywords = (generation, opened)
            return self._keywords[1]

    def _passages(
        self, generation: str, fused: Sequence[str], metadata: dict[str, schema.ChunkMetadata], top_k: int
    ) -> tuple[Passage, ...]:
        # Only chunks of the version the catalog holds now are served: during an update, or
        # after an interrupted one, the stores may hold chunks of two versions of an article.
        known = [chunk_id for chunk_id in fused if chunk_id in metadata]
        current = self.store.current_hashes(generation, (metadata[c]["article_id"] for c in known))
        records = self.articles(generation, current)
        passages: list[Passage] = []
        for chunk_id in known:
            chunk = metadata[chunk_id]
            record = records.get(chunk["article_id"])
            if record is None or record.content_hash != chunk["content_hash"]:
                continue
            passages.append(Passage(chunk_id, chunk["start_char"], chunk["end_char"], len(passages), record))
            if len(passages) >= top_k:
                break
        return tuple(passages)

    def articles(self, generation: str, current: dict[str, str]) -> dict[str, ArticleRecord]:
        """Full article records (text, tagged sentences) by id and version, least recently used out."""
        with self._lock:
            found = {i: self._articles[(i, h)] for i, h in current.items() if (i, h) in self._articles}
            for key in [(i, h) for i, h in current.items() if i in found]:
                self._articles.move_to_end(key)
        missing = [article_id for article_id in current if article_id not in found]
        for record in self.store.articles(generation, missing):
            if record.content_hash == current.get(record.id):
                found[record.id] = record
                with self._lock:
                    self._articles[(record.id, record.content_hash)] = record
        with self._lock:
            while len(self._articles) > ARTICLE_CACHE_SIZE:
                self._articles.popitem(last=False)
        return found

    def reprint_group(self, record: ArticleRecord) -> list[ArticleRecord]:
        """The other copies of the story an article belongs to (none when it is no reprint)."""
        if not record.reprint_of and not record.also_in:
            return []
        canonical = record.reprint_of or record.id
        generation = self.live_generation()
        return [other for other in self.store.reprint_group(generation, canonical) if other.id != record.id]


def fuse(rankings: Sequence[Sequence[str]]) -> list[str]:
    """Reciprocal rank fusion of ranked id lists: ids high in several lists come first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores, key=lambda chunk_id: -scores[chunk_id])
