"""`update_index`: bring the stores in line with the corpus folder.

Incremental by default: only new or changed articles are tagged and embedded; removed ones
leave the index. A rebuild (or a change of embedding model or index format) writes a new
generation and switches to it only when it is complete.

A full rebuild, an incremental update and a partitioned worker's update are one path: only the
generation written and the articles owned differ. Every write goes through one
`index.writer.GenerationWriter`, which holds the crash-safe order (chunks before the catalog
record readers trust, stale chunks deleted last, an interrupted update marked and repaired).
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

import numpy as np

from index import schema
from index.articles import Article, ArticleProblem, CorpusScan, scan_corpus
from index.chunking import Chunk, split_articles
from index.claims.ahead import Tagged, tagged_ahead
from index.claims.status import TaggedSentence
from index.claims.tagger import tag_articles
from index.config import IndexConfig
from index.cores import CoreSharing
from index.embedding import LlamaIndexEmbedder, load_embedder
from index.errors import PartitionError
from index.reprints import ReprintInfo, find_reprints
from index.store import ArticleRecord, IndexStore, StoredChunk, open_store
from index.writer import GenerationWriter

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


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


@dataclass
class _Written:
    """What embedding a list of articles achieved: chunks written, articles that failed."""

    chunks: int = 0
    failed: list[ArticleProblem] = field(default_factory=list)


def update_index(
    config: IndexConfig,
    *,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    store: IndexStore | None = None,
) -> IndexReport:
    """Scan, compare by content hash, and write only what changed. Never raises for bad files.

    One path for the three kinds of update; they differ in the generation written and the
    articles owned (`_writer_for`). Callers that may run beside another writer go through
    `index.indexer.Indexer`, which holds the data folder's writer lock around this.
    """
    started = time.perf_counter()
    store = store or open_store(config)
    notes: list[str] = []
    live = store.pointer().active
    with _writer_for(config, store, rebuild=rebuild, notes=notes) as writer:
        target = writer.catalog_hashes()
        # What the report compares with is what served before: a rebuild embeds every article,
        # but says which of them are new, changed or gone since the live generation.
        served = live if writer.fresh else writer.generation
        before = target if not writer.fresh else (store.catalog_hashes(served) if served else {})
        scan = _scan(config, store, served)
        if set(before) - {article.id for article in scan.articles}:
            # A file renamed or rewritten during the scan looks removed: look once more before removing.
            scan = _scan(config, store, served)
        wanted = {article.id: article for article in scan.articles}
        added = tuple(sorted(set(wanted) - set(before)))
        removed = tuple(sorted(set(before) - set(wanted)))
        updated = tuple(sorted(i for i in set(wanted) & set(before) if wanted[i].content_hash != before[i]))
        skipped = tuple(sorted(i for i in set(wanted) & set(before) if wanted[i].content_hash == before[i]))
        changed = [article for article in scan.articles if target.get(article.id) != article.content_hash]
        gone = tuple(sorted(set(target) - set(wanted)))

        recovered = writer.recover()
        if writer.interrupted:
            notes.append(f"recovered from an interrupted update: removed {recovered} stale chunks")
        reprints: Mapping[str, ReprintInfo] = {}
        if config.partition is None and (writer.fresh or changed or gone):
            # Wire copies are grouped over every article; a partitioned worker sees only its own.
            reprints = find_reprints(scan.articles, config.data_dir)
            if not writer.fresh:
                writer.update_reprints(_reprint_changes(store, writer.generation, reprints, skipped))
        written = _embed_articles(writer, config, changed, progress, reprints)
        failed = {problem.path for problem in written.failed}
        for article in changed:
            if article.id in target and article.path not in failed:
                writer.drop_stale(article.id, article.content_hash)
        writer.remove(gone)
        writer.finish()
    return _finish(
        IndexReport(added=added, updated=updated, removed=removed, skipped=skipped, problems=scan.problems),
        started,
        generation=writer.generation,
        chunks=written.chunks,
        rebuilt=writer.fresh and (bool(live) or rebuild),
        recovered=recovered,
        failed=written.failed,
        added=tuple(i for i in added if wanted[i].path not in failed),
        updated=tuple(i for i in updated if wanted[i].path not in failed),
        notes=notes,
    )


def _writer_for(config: IndexConfig, store: IndexStore, *, rebuild: bool, notes: list[str]) -> GenerationWriter:
    """The generation this update writes: the live one, a new one (a rebuild, a first index, a
    changed model or index format), or the one all partitioned workers share."""
    pointer = store.pointer()
    if config.partition is not None:
        generation = shared_generation(config)
        if rebuild:
            raise PartitionError(
                "a rebuild replaces every worker's articles: stop the workers and rebuild without a partition"
            )
        if pointer.active not in (None, generation):
            raise PartitionError(
                f"the store serves {pointer.active}, which a single indexer wrote: start partitioned workers on a "
                "store of their own (another collection name)"
            )
        return GenerationWriter(store, config, generation, fresh=False)
    if pointer.active and not rebuild:
        if pointer.embed_model and pointer.embed_model != config.embed_model:
            notes.append(f"embedding model changed ({pointer.embed_model} -> {config.embed_model}): rebuilding")
            rebuild = True
        elif pointer.format != schema.FORMAT_VERSION:
            notes.append(f"index format {pointer.format} is older than {schema.FORMAT_VERSION}: rebuilding")
            rebuild = True
    if rebuild:
        return GenerationWriter.new(store, config)
    # A first index is an update of an empty generation: it serves (marked as being updated) from
    # its first batch, and one that was killed goes on from its last batch instead of anew.
    return GenerationWriter(store, config, pointer.active or store.new_generation(), fresh=False)


def _scan(config: IndexConfig, store: IndexStore, generation: str | None) -> CorpusScan:
    held = store.catalog_paths(generation) if generation else {}
    scan = scan_corpus(config.corpus_dir, max_bytes=config.max_article_bytes, indexed_paths=held)
    if config.partition is None:
        return scan
    return CorpusScan(tuple(a for a in scan.articles if config.owns(a.id)), scan.problems)


def shared_generation(config: IndexConfig) -> str:
    """The one generation partitioned workers all write: a name each derives alone."""
    return f"{config.collection}-gshared"


def _finish(
    report: IndexReport,
    started: float,
    *,
    generation: str,
    chunks: int,
    rebuilt: bool = False,
    recovered: int = 0,
    failed: Sequence[ArticleProblem] = (),
    added: tuple[str, ...] | None = None,
    updated: tuple[str, ...] | None = None,
    notes: list[str],
) -> IndexReport:
    return replace(
        report,
        added=report.added if added is None else added,
        updated=report.updated if updated is None else updated,
        problems=tuple(sorted((*report.problems, *failed), key=lambda problem: problem.path)),
        chunks_written=chunks,
        rebuilt=rebuilt,
        recovered_chunks=recovered,
        generation=generation,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _embed_articles(
    writer: GenerationWriter,
    config: IndexConfig,
    articles: list[Article],
    progress: ProgressCallback | None,
    reprints: Mapping[str, ReprintInfo],
) -> _Written:
    """Tag, chunk, embed and store articles in batches; the catalog is written after the chunks.

    Tagging and embedding a batch that fails is retried one article at a time, so that one
    article that cannot be tagged or embedded is reported by name and every other one is still
    indexed. A store that fails ends the run: no later article would fare better.
    """
    written = _Written()
    if not articles:
        return written
    if progress:
        progress(0, len(articles))
    batches = [
        articles[start : start + config.batch_articles] for start in range(0, len(articles), config.batch_articles)
    ]
    done = 0
    # The tagging worker starts, and is given its first batches, before the embedding model is
    # loaded: its start-up (spaCy and the claim models) overlaps the model's.
    with tagged_ahead(batches) as tagged:
        embedder = load_embedder(config.embed_model, config.threads, config.embed_precision)
        cores = CoreSharing(config.threads or os.cpu_count() or 1, tagged.busy)
        for batch, sentences in tagged:
            try:
                prepared = [_prepare(batch, sentences, config, embedder, cores)]
            except Exception:  # noqa: BLE001 - narrowed to the article below
                prepared = []
                for article in batch:
                    try:
                        prepared.append(_prepare([article], _tagged_here([article]), config, embedder, cores))
                    except Exception as error:
                        log.warning(
                            "cannot index %s: %s: %s", article.path, type(error).__name__, error, exc_info=error
                        )
                        reason = f"could not be tagged or embedded: {type(error).__name__}: {error}"
                        written.failed.append(ArticleProblem(article.path, reason[:300]))
            for ready in prepared:
                written.chunks += writer.put(*_stored_batch(ready, reprints))
            done += len(batch)
            if progress:
                progress(done, len(articles))
    return written


@dataclass(frozen=True)
class _Prepared:
    """Articles tagged, chunked and embedded, ready to be written."""

    articles: Sequence[Article]
    sentences: list[list[TaggedSentence]]
    chunks: list[Chunk]
    vectors: np.ndarray


def _prepare(
    batch: Sequence[Article],
    sentences: Future[Tagged],
    config: IndexConfig,
    embedder: LlamaIndexEmbedder,
    cores: CoreSharing,
) -> _Prepared:
    """Chunk and embed a batch, then take its tags: the worker tags while this embeds."""
    chunks = split_articles(batch, chunk_tokens=config.chunk_tokens, chunk_overlap=config.chunk_overlap)
    vectors = embedder.embed_documents([chunk.embed_text for chunk in chunks], cores)
    return _Prepared(batch, sentences.result(), chunks, vectors)


def _tagged_here(articles: list[Article]) -> Future[Tagged]:
    future: Future[Tagged] = Future()
    future.set_result(tag_articles(articles))
    return future


def _stored_batch(
    prepared: _Prepared, reprints: Mapping[str, ReprintInfo]
) -> tuple[list[StoredChunk], list[ArticleRecord]]:
    """What the writer stores of a prepared batch: each chunk with its vector, each article's record."""
    chunks = prepared.chunks
    per_article = Counter(chunk.article.id for chunk in chunks)
    records = [
        _record(article, tagged, per_article[article.id], reprints.get(article.id, ReprintInfo()))
        for article, tagged in zip(prepared.articles, prepared.sentences, strict=True)
    ]
    return [_stored(chunk, vector) for chunk, vector in zip(chunks, prepared.vectors, strict=True)], records


def _reprint_changes(
    store: IndexStore, generation: str, reprints: Mapping[str, ReprintInfo], unchanged: Sequence[str]
) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """A new copy of a story changes the reprint facts of articles already indexed: those facts
    are rewritten (metadata only, nothing is embedded again)."""
    keep = set(unchanged)
    changes: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for record in store.article_summaries(generation):
        if record.id not in keep:
            continue
        info = reprints.get(record.id, ReprintInfo())
        if (record.reprint_of, record.also_in) != (info.reprint_of, info.also_in):
            changes[record.id] = (info.reprint_of, info.also_in)
    return changes


def _stored(chunk: Chunk, vector: Sequence[float]) -> StoredChunk:
    return StoredChunk(id=chunk.id, text=chunk.text, metadata=chunk_metadata(chunk), vector=vector)


def chunk_metadata(chunk: Chunk) -> schema.ChunkMetadata:
    article = chunk.article
    metadata: schema.ChunkMetadata = {
        "article_id": article.id,
        "content_hash": article.content_hash,
        "start_char": chunk.start,
        "end_char": chunk.end,
        "outlet": article.meta.outlet,
    }
    if article.meta.published:
        metadata["published_ord"] = article.meta.published.toordinal()
    return metadata


def _record(article: Article, sentences: list[TaggedSentence], chunks: int, reprint: ReprintInfo) -> ArticleRecord:
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
        reprint_of=reprint.reprint_of,
        also_in=reprint.also_in,
        body=article.body,
        sentences=tuple(sentences),
    )
