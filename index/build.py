"""`update_index`: bring the Chroma index in line with the corpus folder.

Incremental by default: only new or changed articles are tagged and embedded; removed ones
leave the index. A rebuild (or a change of embedding model) writes a new generation and
switches to it only when it is complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, TransformComponent
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.articles import Article, ArticleProblem, scan_corpus
from index.claims import tag_articles
from index.config import IndexConfig
from index.embedding import load_embed_model
from index.store import ArticleRecord, IndexStore, open_store

ProgressCallback = Callable[[int, int], None]

# Metadata every chunk carries. Only the title is embedded with the text: dates, paths and
# hashes would only add noise to the vectors and make equal texts embed differently.
_EMBEDDED_KEYS = ("title",)


@dataclass(frozen=True)
class IndexReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    problems: tuple[ArticleProblem, ...] = ()
    chunks_written: int = 0
    rebuilt: bool = False
    recovered_chunks: int = 0
    generation: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)


class ChunkOffsets(TransformComponent):
    """Copy each chunk's character span into its metadata, so Chroma filters and citations see it."""

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: object) -> list[BaseNode]:
        for node in nodes:
            node.metadata["start_char"] = int(node.start_char_idx or 0)
            node.metadata["end_char"] = int(node.end_char_idx or 0)
            node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in _EMBEDDED_KEYS]
            node.excluded_llm_metadata_keys = [k for k in node.metadata if k not in ("title", "outlet")]
        return list(nodes)


def update_index(
    config: IndexConfig,
    *,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    store: IndexStore | None = None,
) -> IndexReport:
    """Scan, compare by content hash, and write only what changed. Never raises for bad files."""
    started = time.perf_counter()
    scan = scan_corpus(config.corpus_dir, max_bytes=config.max_article_bytes)
    store = store or open_store(config)
    pointer = store.pointer()
    notes: list[str] = []
    if pointer.active and pointer.embed_model and pointer.embed_model != config.embed_model and not rebuild:
        notes.append(f"embedding model changed ({pointer.embed_model} -> {config.embed_model}): rebuilding")
        rebuild = True
    current = store.catalog_hashes(pointer.active) if pointer.active else {}
    wanted = {article.id: article for article in scan.articles}
    added = tuple(sorted(set(wanted) - set(current)))
    removed = tuple(sorted(set(current) - set(wanted)))
    updated = tuple(sorted(i for i in set(wanted) & set(current) if wanted[i].content_hash != current[i]))
    skipped = tuple(sorted(i for i in set(wanted) & set(current) if wanted[i].content_hash == current[i]))
    report = IndexReport(added=added, updated=updated, removed=removed, skipped=skipped, problems=scan.problems)

    if rebuild or not pointer.active:
        generation = _build_generation(store, config, scan.articles, progress)
        old = pointer.active
        store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
        for leftover in store.generations():
            if leftover != generation and (leftover == old or rebuild):
                store.drop_generation(leftover)
        return _finish(
            report,
            started,
            generation=generation,
            rebuilt=bool(old) or rebuild,
            chunks=store.chunks(generation).count(),
            notes=notes,
        )

    generation = pointer.active
    recovered = store.sweep(generation) if pointer.dirty else 0
    if recovered or pointer.dirty:
        notes.append(f"recovered from an interrupted update: removed {recovered} stale chunks")
    changed = [wanted[i] for i in added + updated]
    if not changed and not removed:
        if pointer.dirty:
            store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
        return _finish(report, started, generation=generation, chunks=0, recovered=recovered, notes=notes)
    store.set_pointer(generation, embed_model=config.embed_model, dirty=True)
    written = _embed_articles(store, config, generation, changed, progress)
    for article_id in updated:
        store.delete_stale_chunks(generation, article_id, wanted[article_id].content_hash)
    store.delete_articles(generation, removed)
    store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
    return _finish(report, started, generation=generation, chunks=written, recovered=recovered, notes=notes)


def _finish(
    report: IndexReport,
    started: float,
    *,
    generation: str,
    chunks: int,
    rebuilt: bool = False,
    recovered: int = 0,
    notes: list[str],
) -> IndexReport:
    return IndexReport(
        added=report.added,
        updated=report.updated,
        removed=report.removed,
        skipped=report.skipped,
        problems=report.problems,
        chunks_written=chunks,
        rebuilt=rebuilt,
        recovered_chunks=recovered,
        generation=generation,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _build_generation(
    store: IndexStore, config: IndexConfig, articles: Sequence[Article], progress: ProgressCallback | None
) -> str:
    """Fill a brand-new generation; on any failure it is dropped and the live one is untouched."""
    generation = store.new_generation()
    try:
        _embed_articles(store, config, generation, list(articles), progress)
    except BaseException:
        store.drop_generation(generation)
        raise
    return generation


def _embed_articles(
    store: IndexStore,
    config: IndexConfig,
    generation: str,
    articles: list[Article],
    progress: ProgressCallback | None,
) -> int:
    """Tag, chunk, embed and store articles in batches; the catalog is written after the chunks.

    Order matters for crash safety: chunks carry their article's content hash, and readers trust
    only chunks whose hash matches the catalog, so a crash between the two writes leaves
    the previous version of the article answering.
    """
    pipeline = IngestionPipeline(
        transformations=[
            SentenceSplitter(
                chunk_size=config.chunk_tokens,
                chunk_overlap=config.chunk_overlap,
                id_func=lambda number, document: f"{document.doc_id}#{number}",
            ),
            ChunkOffsets(),
            load_embed_model(config.embed_model, config.threads),
        ],
        vector_store=ChromaVectorStore(chroma_collection=store.chunks(generation)),
    )
    written = 0
    if progress:
        progress(0, len(articles))
    for start in range(0, len(articles), config.batch_articles):
        batch = articles[start : start + config.batch_articles]
        sentences = tag_articles(batch)
        nodes = pipeline.run(documents=[_document(article) for article in batch], show_progress=False)
        per_article: dict[str, int] = {}
        for node in nodes:
            article_id = str(node.metadata["article_id"])
            per_article[article_id] = per_article.get(article_id, 0) + 1
        store.put_articles(
            generation,
            [
                _record(article, tagged, per_article.get(article.id, 0))
                for article, tagged in zip(batch, sentences, strict=True)
            ],
        )
        written += len(nodes)
        if progress:
            progress(start + len(batch), len(articles))
    return written


def _document(article: Article) -> Document:
    meta = article.meta
    metadata: dict[str, str] = {
        "article_id": article.id,
        "title": meta.title,
        "outlet": meta.outlet,
        "content_hash": article.content_hash,
    }
    if meta.published:
        metadata["published"] = meta.published.isoformat()
        metadata["published_ord"] = meta.published.toordinal()  # numeric, for Chroma range filters
    if meta.url:
        metadata["url"] = meta.url
    if meta.reports_on:
        metadata["reports_on"] = meta.reports_on
    return Document(
        text=article.body,
        doc_id=f"{article.id}@{article.content_hash[:16]}",
        metadata=metadata,
        excluded_embed_metadata_keys=[key for key in metadata if key not in _EMBEDDED_KEYS],
        excluded_llm_metadata_keys=[key for key in metadata if key not in ("title", "outlet")],
    )


def _record(article: Article, sentences: list, chunks: int) -> ArticleRecord:
    meta = article.meta
    return ArticleRecord(
        id=article.id,
        title=meta.title,
        outlet=meta.outlet,
        content_hash=article.content_hash,
        path=article.path,
        chunks=chunks,
        published=meta.published.isoformat() if meta.published else None,
        url=meta.url,
        reports_on=meta.reports_on,
        body=article.body,
        sentences=tuple(sentences),
    )
