"""Hybrid retrieval: dense (Chroma) and BM25 keyword search, fused by reciprocal rank.

Everything is read from the live index generation. A `Retriever` notices when the indexer
has flipped or updated the index (the pointer's version) and reloads its keyword index, so a
long-running bot answers from the articles that are there now.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import bm25s
import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters
from llama_index.core.vector_stores.utils import build_metadata_filter_fn, metadata_dict_to_node
from llama_index.retrievers.bm25 import BM25Retriever
from llama_index.vector_stores.chroma import ChromaVectorStore

from index import ArticleRecord, IndexStore, load_embed_model

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG when imported; keep it at the application's level.
logging.getLogger("bm25s").setLevel(logging.NOTSET)


# Article records (text and tagged sentences) kept in memory between questions.
ARTICLE_CACHE_SIZE = 2000


class IndexEmpty(RuntimeError):
    """There is no index yet: `factdesk index` has not run against this store."""


@dataclass(frozen=True)
class SearchFilters:
    outlet: str | None = None
    published_from: date | None = None
    published_to: date | None = None

    def to_llama(self) -> MetadataFilters | None:
        filters: list[MetadataFilter] = []
        if self.outlet:
            filters.append(MetadataFilter(key="outlet", value=self.outlet, operator=FilterOperator.EQ))
        if self.published_from:
            filters.append(
                MetadataFilter(key="published_ord", value=self.published_from.toordinal(), operator=FilterOperator.GTE)
            )
        if self.published_to:
            filters.append(
                MetadataFilter(key="published_ord", value=self.published_to.toordinal(), operator=FilterOperator.LTE)
            )
        return MetadataFilters(filters=filters) if filters else None


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, with the article it belongs to (as of the catalog) and its fused rank."""

    chunk_id: str
    text: str
    start: int
    end: int
    rank: int
    score: float
    article: ArticleRecord


class Retriever:
    def __init__(self, store: IndexStore, embed_model_name: str, threads: int | None = None) -> None:
        self.store = store
        self.embed_model = load_embed_model(embed_model_name, threads)
        self._lock = threading.Lock()
        self._version: tuple[str | None, int] | None = None
        self._generation: str | None = None
        self._bm25: BM25Retriever | None = None
        self._chunk_metadata: list[dict] = []
        self._vector_index: VectorStoreIndex | None = None
        self._articles: OrderedDict[tuple[str, str], ArticleRecord] = OrderedDict()

    @property
    def generation(self) -> str | None:
        return self._generation

    def refresh(self) -> None:
        """Reload the keyword index if the live generation changed since the last question."""
        pointer = self.store.pointer()
        key = (pointer.active, pointer.version)
        with self._lock:
            if key == self._version:
                return
            if not pointer.active:
                raise IndexEmpty("the index is empty: run `factdesk index` first")
            nodes: list[TextNode] = []
            for chunk_id, text, metadata in self.store.all_chunks(pointer.active):
                node = metadata_dict_to_node(metadata, text)
                node.id_ = chunk_id
                nodes.append(node)
            self._bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=1) if nodes else None
            self._chunk_metadata = [node.metadata for node in nodes]
            self._vector_index = VectorStoreIndex.from_vector_store(
                ChromaVectorStore(chroma_collection=self.store.chunks(pointer.active)),
                embed_model=self.embed_model,
            )
            self._generation = pointer.active
            self._version = key
            log.info("loaded %d chunks of generation %s", len(nodes), pointer.active)

    def search(
        self,
        question: str,
        *,
        top_k: int = 8,
        filters: SearchFilters | None = None,
        mode: str = "hybrid",
    ) -> list[Passage]:
        """Top passages for a question. `mode` is hybrid, dense or bm25 (the last two for evaluation)."""
        self.refresh()
        with self._lock:
            generation, bm25, vector_index = self._generation, self._bm25, self._vector_index
            chunk_metadata = self._chunk_metadata
        if generation is None or bm25 is None or vector_index is None:
            return []
        llama_filters = filters.to_llama() if filters else None
        depth = max(top_k * 2, 10)
        retrievers: list[BaseRetriever] = []
        if mode in ("hybrid", "dense"):
            retrievers.append(vector_index.as_retriever(similarity_top_k=depth, filters=llama_filters))
        if mode in ("hybrid", "bm25"):
            retrievers.append(_KeywordRetriever(bm25, chunk_metadata, depth, llama_filters))
        if len(retrievers) > 1:
            fused: BaseRetriever = QueryFusionRetriever(
                retrievers,
                llm=MockLLM(),  # never called with num_queries=1; avoids the OpenAI default
                mode=FUSION_MODES.RECIPROCAL_RANK,
                similarity_top_k=depth,
                num_queries=1,
                use_async=False,
            )
        else:
            fused = retrievers[0]
        return self._passages(generation, fused.retrieve(QueryBundle(question)), top_k)

    def _passages(self, generation: str, results: list[NodeWithScore], top_k: int) -> list[Passage]:
        # Only chunks of the version the catalog holds now are served: during an update, or
        # after an interrupted one, Chroma may hold chunks of two versions of an article.
        current = self.store.current_hashes(generation, (str(r.node.metadata.get("article_id")) for r in results))
        records = self._records(generation, current)
        passages: list[Passage] = []
        for rank, result in enumerate(results):
            metadata = result.node.metadata
            record = records.get(str(metadata.get("article_id")))
            if record is None or record.content_hash != metadata.get("content_hash"):
                continue
            passages.append(
                Passage(
                    chunk_id=result.node.node_id,
                    text=result.node.get_content(),
                    start=int(metadata.get("start_char", 0)),
                    end=int(metadata.get("end_char", 0)),
                    rank=rank,
                    score=float(result.score or 0.0),
                    article=record,
                )
            )
            if len(passages) >= top_k:
                break
        return passages

    def _records(self, generation: str, current: dict[str, str]) -> dict[str, ArticleRecord]:
        """Full article records (text, tagged sentences), cached by version, least recently used out."""
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


class _KeywordRetriever(BaseRetriever):
    """BM25 over the live chunks, built once per generation, with per-query depth and filters."""

    def __init__(self, bm25: BM25Retriever, metadata: list[dict], top_k: int, filters: MetadataFilters | None) -> None:
        super().__init__()
        self._bm25, self._metadata, self._top_k, self._filters = bm25, metadata, top_k, filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        mask = None
        if self._filters is not None:
            keep = build_metadata_filter_fn(lambda number: self._metadata[number], self._filters)
            mask = [int(keep(number)) for number in range(len(self._metadata))]
            if not any(mask):
                return []
        tokens = bm25s.tokenize(
            query_bundle.query_str,
            stemmer=self._bm25.stemmer,
            token_pattern=self._bm25.token_pattern,
            show_progress=False,
        )
        if not tokens.ids or not any(tokens.ids):
            return []
        k = min(self._top_k, len(self._metadata))
        indexes, scores = self._bm25.bm25.retrieve(
            tokens, k=k, show_progress=False, weight_mask=np.array(mask) if mask else None
        )
        results = []
        for position, score in zip(indexes[0], scores[0], strict=True):
            if score <= 0:
                continue
            node = metadata_dict_to_node(self._bm25.corpus[int(position)])
            results.append(NodeWithScore(node=node, score=float(score)))
        return results
