"""Getting articles into Chroma: reading the corpus, tagging claims, chunking, embedding, storing.

The public surface is re-exported here so that `bot/` never reaches into module internals.
"""

from index.articles import Article, ArticleMeta, ArticleProblem, CorpusScan, scan_corpus
from index.build import IndexReport, update_index
from index.claims import ClaimStatus, TaggedSentence, tag_article
from index.config import IndexConfig
from index.embedding import load_embed_model
from index.store import ArticleRecord, IndexStatus, IndexStore, StoreUnavailable, open_store

__all__ = [
    "Article",
    "ArticleMeta",
    "ArticleProblem",
    "ArticleRecord",
    "ClaimStatus",
    "CorpusScan",
    "IndexConfig",
    "IndexReport",
    "IndexStatus",
    "IndexStore",
    "StoreUnavailable",
    "TaggedSentence",
    "load_embed_model",
    "open_store",
    "scan_corpus",
    "tag_article",
    "update_index",
]
