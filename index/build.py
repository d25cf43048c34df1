"""`update_index`: bring the stores in line with the corpus folder.

Incremental by default: only new or changed articles are tagged and embedded; removed ones
leave the index. A rebuild (or a change of embedding model or index format) writes a new
generation and switches to it only when it is complete.

The write protocol, for crash safety: the pointer is marked dirty; an article's new chunks go
to Chroma and to the keyword index first, its catalog record (the content hash readers trust)
after them, and the previous version's chunks are deleted last. Readers serve only chunks whose
hash the catalog vouches for, so a crash at any point leaves either version answering, never a
mix; the next run sweeps what is left over and clears the mark.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index import schema
from index.articles import Article, ArticleProblem, CorpusScan, scan_corpus
from index.chunking import Chunk, split_articles
from index.claims.ahead import tagged_ahead
from index.claims.status import TaggedSentence
from index.claims.tagger import tag_articles
from index.config import IndexConfig
from index.embedding import Embedder, load_embedder
from index.keyword import KeywordChunk, KeywordIndex, drop_keyword_index, keyword_folder
from index.reprints import ReprintInfo, find_reprints
from index.store import ArticleRecord, IndexStore, StoredChunk, open_store, remove_orphan_segments

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

    Callers that may run beside another writer go through `index.indexer.Indexer`, which holds
    the data folder's writer lock around this.
    """
    started = time.perf_counter()
    store = store or open_store(config)
    if config.partition is not None:
        return _update_partition(config, store, rebuild=rebuild, progress=progress, started=started)
    pointer = store.pointer()
    notes: list[str] = []
    if pointer.active and not rebuild:
        if pointer.embed_model and pointer.embed_model != config.embed_model:
            notes.append(f"embedding model changed ({pointer.embed_model} -> {config.embed_model}): rebuilding")
            rebuild = True
        elif pointer.format != schema.FORMAT_VERSION:
            notes.append(f"index format {pointer.format} is older than {schema.FORMAT_VERSION}: rebuilding")
            rebuild = True
    current = store.catalog_hashes(pointer.active) if pointer.active else {}
    scan = _scan(config, store, pointer.active)
    if set(current) - {article.id for article in scan.articles}:
        # A file renamed or rewritten during the scan looks removed: look once more before removing.
        scan = _scan(config, store, pointer.active)
    wanted = {article.id: article for article in scan.articles}
    added = tuple(sorted(set(wanted) - set(current)))
    removed = tuple(sorted(set(current) - set(wanted)))
    updated = tuple(sorted(i for i in set(wanted) & set(current) if wanted[i].content_hash != current[i]))
    skipped = tuple(sorted(i for i in set(wanted) & set(current) if wanted[i].content_hash == current[i]))
    report = IndexReport(added=added, updated=updated, removed=removed, skipped=skipped, problems=scan.problems)

    reprints = (
        find_reprints(scan.articles, config.data_dir)
        if (rebuild or not pointer.active or added or updated or removed)
        else None
    )
    if rebuild or not pointer.active:
        generation, written = _build_generation(store, config, scan.articles, progress, reprints or {})
        old = pointer.active
        store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
        _drop_other_generations(store, config, keep=generation)
        failed = {problem.path for problem in written.failed}
        return _finish(
            report,
            started,
            generation=generation,
            rebuilt=bool(old) or rebuild,
            chunks=store.chunks(generation).count(),
            failed=written.failed,
            added=tuple(i for i in added if wanted[i].path not in failed),
            notes=notes,
        )

    generation = pointer.active
    keywords = KeywordIndex(keyword_folder(config.data_dir, generation))
    try:
        recovered = _repair(store, keywords, generation) if pointer.dirty else 0
        if pointer.dirty:
            notes.append(f"recovered from an interrupted update: removed {recovered} stale chunks")
        changed = [wanted[i] for i in added + updated]
        if reprints is not None:
            _refresh_reprints(store, generation, reprints, skipped)
        if not changed and not removed:
            if pointer.dirty:
                store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
            elif keywords.count() != store.chunks(generation).count():
                _repair(store, keywords, generation)  # an index from before the keyword index, or a lost folder
            _drop_other_generations(store, config, keep=generation)
            return _finish(report, started, generation=generation, chunks=0, recovered=recovered, notes=notes)
        store.set_pointer(generation, embed_model=config.embed_model, dirty=True)
        written = _embed_articles(store, keywords, config, generation, changed, progress, reprints or {})
        failed = {problem.path for problem in written.failed}
        for article_id in updated:
            if wanted[article_id].path not in failed:
                keep = wanted[article_id].content_hash
                store.delete_stale_chunks(generation, article_id, keep)
                keywords.delete_stale(article_id, keep)
        store.delete_articles(generation, removed)
        keywords.delete_articles(removed)
        store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
    finally:
        keywords.close()
    _drop_other_generations(store, config, keep=generation)
    return _finish(
        report,
        started,
        generation=generation,
        chunks=written.chunks,
        recovered=recovered,
        failed=written.failed,
        added=tuple(i for i in added if wanted[i].path not in failed),
        updated=tuple(i for i in updated if wanted[i].path not in failed),
        notes=notes,
    )


def _scan(config: IndexConfig, store: IndexStore, generation: str | None) -> CorpusScan:
    held = store.catalog_paths(generation) if generation else {}
    scan = scan_corpus(config.corpus_dir, max_bytes=config.max_article_bytes, indexed_paths=held)
    if config.partition is None:
        return scan
    return CorpusScan(tuple(a for a in scan.articles if config.owns(a.id)), scan.problems)


def shared_generation(config: IndexConfig) -> str:
    """The one generation partitioned workers all write: a name each derives alone."""
    return f"{config.collection}-gshared"


def _update_partition(
    config: IndexConfig,
    store: IndexStore,
    *,
    rebuild: bool,
    progress: ProgressCallback | None,
    started: float,
) -> IndexReport:
    """One worker's share of an index that several write at once (articles partitioned by id).

    Each worker adds, updates and removes only the articles it owns, in a generation all of them
    share; an interrupted update is marked in the worker's own data folder (the shared pointer
    cannot say which worker was interrupted) and repaired for its own articles only. A rebuild
    would take the index from the other workers: it is refused.
    """
    from index.errors import PartitionError

    if rebuild:
        raise PartitionError(
            "a rebuild replaces every worker's articles: stop the workers and rebuild without a partition"
        )
    generation = shared_generation(config)
    pointer = store.pointer()
    if pointer.active not in (None, generation):
        raise PartitionError(
            f"the store serves {pointer.active}, which a single indexer wrote: start partitioned workers on a "
            "store of their own (another collection name)"
        )
    store.chunks(generation), store.catalog(generation)
    current = {i: h for i, h in store.catalog_hashes(generation).items() if config.owns(i)}
    scan = _scan(config, store, generation)
    if set(current) - {article.id for article in scan.articles}:
        scan = _scan(config, store, generation)
    wanted = {article.id: article for article in scan.articles}
    added = tuple(sorted(set(wanted) - set(current)))
    removed = tuple(sorted(set(current) - set(wanted)))
    updated = tuple(sorted(i for i in set(wanted) & set(current) if wanted[i].content_hash != current[i]))
    skipped = tuple(sorted(i for i in set(wanted) & set(current) if wanted[i].content_hash == current[i]))
    report = IndexReport(added=added, updated=updated, removed=removed, skipped=skipped, problems=scan.problems)
    marker = config.data_dir / "update-in-progress"
    keywords = KeywordIndex(keyword_folder(config.data_dir, generation))
    notes: list[str] = []
    written = _Written()
    try:
        recovered = 0
        if marker.exists():
            recovered = _repair(store, keywords, generation, owned=config.owns)
            notes.append(f"recovered from an interrupted update: removed {recovered} stale chunks")
        if added or updated or removed:
            marker.touch()
            written = _embed_articles(
                store, keywords, config, generation, [wanted[i] for i in added + updated], progress, {}
            )
            failed = {problem.path for problem in written.failed}
            for article_id in updated:
                if wanted[article_id].path not in failed:
                    store.delete_stale_chunks(generation, article_id, wanted[article_id].content_hash)
                    keywords.delete_stale(article_id, wanted[article_id].content_hash)
            store.delete_articles(generation, removed)
            keywords.delete_articles(removed)
        marker.unlink(missing_ok=True)
        if pointer.active != generation or added or updated or removed:
            store.set_pointer(generation, embed_model=config.embed_model, dirty=False)  # readers see a new version
    finally:
        keywords.close()
    return _finish(
        report,
        started,
        generation=generation,
        chunks=written.chunks,
        recovered=recovered,
        failed=written.failed,
        notes=notes,
    )


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


def _build_generation(
    store: IndexStore,
    config: IndexConfig,
    articles: Sequence[Article],
    progress: ProgressCallback | None,
    reprints: Mapping[str, ReprintInfo],
) -> tuple[str, _Written]:
    """Fill a brand-new generation; on any failure it is dropped and the live one is untouched."""
    generation = store.new_generation()
    keywords = KeywordIndex(keyword_folder(config.data_dir, generation))
    try:
        written = _embed_articles(store, keywords, config, generation, list(articles), progress, reprints)
    except BaseException:
        keywords.close()
        store.drop_generation(generation)
        drop_keyword_index(keyword_folder(config.data_dir, generation))
        raise
    keywords.close()
    return generation, written


def _drop_other_generations(store: IndexStore, config: IndexConfig, *, keep: str) -> None:
    """Generations left by a rebuild that was killed, their keyword folders and the vector folders
    Chroma leaves behind: nothing serves them."""
    for leftover in store.generations():
        if leftover != keep:
            store.drop_generation(leftover)
    if not config.chroma_host:
        remove_orphan_segments(config.data_dir / "chroma")
    root = keyword_folder(config.data_dir, keep).parent
    if root.is_dir():
        for folder in root.iterdir():
            if folder.name != keep and folder.name.startswith(config.collection + "-g"):
                drop_keyword_index(folder)


def _embed_articles(
    store: IndexStore,
    keywords: KeywordIndex,
    config: IndexConfig,
    generation: str,
    articles: list[Article],
    progress: ProgressCallback | None,
    reprints: Mapping[str, ReprintInfo],
) -> _Written:
    """Tag, chunk, embed and store articles in batches; the catalog is written after the chunks.

    Tagging and embedding a batch that fails is retried one article at a time, so that one
    article that cannot be tagged or embedded is reported by name and every other one is still
    indexed. A store that fails ends the run: no later article would fare better.
    """
    embedder = load_embedder(config.embed_model, config.threads)
    written = _Written()
    if progress:
        progress(0, len(articles))
    batches = [
        articles[start : start + config.batch_articles] for start in range(0, len(articles), config.batch_articles)
    ]
    done = 0
    with tagged_ahead(batches) as tagged:
        for batch, sentences in tagged:
            try:
                prepared = [_prepare(batch, sentences.result(), config, embedder)]
            except Exception:  # noqa: BLE001 - narrowed to the article below
                prepared = []
                for article in batch:
                    try:
                        prepared.append(_prepare([article], tag_articles([article]), config, embedder))
                    except Exception as error:
                        log.warning(
                            "cannot index %s: %s: %s", article.path, type(error).__name__, error, exc_info=error
                        )
                        reason = f"could not be tagged or embedded: {type(error).__name__}: {error}"
                        written.failed.append(ArticleProblem(article.path, reason[:300]))
            for ready in prepared:
                written.chunks += _write(store, keywords, generation, ready, reprints)
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
    batch: Sequence[Article], sentences: list[list[TaggedSentence]], config: IndexConfig, embedder: Embedder
) -> _Prepared:
    chunks = split_articles(batch, chunk_tokens=config.chunk_tokens, chunk_overlap=config.chunk_overlap)
    vectors = embedder.embed_documents([chunk.embed_text for chunk in chunks])
    return _Prepared(batch, sentences, chunks, vectors)


def _write(
    store: IndexStore,
    keywords: KeywordIndex,
    generation: str,
    prepared: _Prepared,
    reprints: Mapping[str, ReprintInfo],
) -> int:
    chunks = prepared.chunks
    store.put_chunks(
        generation, [_stored(chunk, vector) for chunk, vector in zip(chunks, prepared.vectors, strict=True)]
    )
    keywords.add(_keyword(chunk) for chunk in chunks)
    per_article: dict[str, int] = {}
    for chunk in chunks:
        per_article[chunk.article.id] = per_article.get(chunk.article.id, 0) + 1
    store.put_articles(
        generation,
        [
            _record(article, tagged, per_article.get(article.id, 0), reprints.get(article.id, ReprintInfo()))
            for article, tagged in zip(prepared.articles, prepared.sentences, strict=True)
        ],
    )
    return len(chunks)


def _refresh_reprints(
    store: IndexStore, generation: str, reprints: Mapping[str, ReprintInfo], unchanged: Sequence[str]
) -> None:
    """A new copy of a story changes the reprint facts of articles already indexed: rewrite those
    facts (metadata only, nothing is embedded again)."""
    keep = set(unchanged)
    changes: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for record in store.article_summaries(generation):
        if record.id not in keep:
            continue
        info = reprints.get(record.id, ReprintInfo())
        if (record.reprint_of, record.also_in) != (info.reprint_of, info.also_in):
            changes[record.id] = (info.reprint_of, info.also_in)
    store.set_reprints(generation, changes)


def _repair(
    store: IndexStore, keywords: KeywordIndex, generation: str, owned: Callable[[str], bool] | None = None
) -> int:
    """Make both stores hold exactly the versions the catalog vouches for (of the owned articles)."""
    recovered = store.sweep(generation, owned=owned)
    catalog = {i: h for i, h in store.catalog_hashes(generation).items() if owned is None or owned(i)}
    held = keywords.versions()
    stale = {(article_id, digest) for article_id, digest in held if catalog.get(article_id) != digest}
    for article_id, digest in stale:
        keywords.delete_version(article_id, digest)
    missing = {article_id: digest for article_id, digest in catalog.items() if (article_id, digest) not in held}
    for article_id, digest in missing.items():
        keywords.add(_keyword_from_store(chunk) for chunk in store.article_chunks(generation, article_id, digest))
    if stale or missing:
        log.info("keyword index repaired: %d stale versions removed, %d articles added", len(stale), len(missing))
    return recovered


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


def _keyword(chunk: Chunk) -> KeywordChunk:
    published = chunk.article.meta.published
    return KeywordChunk(
        chunk_id=chunk.id,
        article_id=chunk.article.id,
        content_hash=chunk.article.content_hash,
        text=chunk.text,
        outlet=chunk.article.meta.outlet,
        published_day=published.toordinal() if published else None,
    )


def _keyword_from_store(chunk: StoredChunk) -> KeywordChunk:
    metadata = chunk.metadata
    return KeywordChunk(
        chunk_id=chunk.id,
        article_id=metadata["article_id"],
        content_hash=metadata["content_hash"],
        text=chunk.text,
        outlet=metadata["outlet"],
        published_day=metadata.get("published_ord"),
    )


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
