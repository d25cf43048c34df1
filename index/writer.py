"""`GenerationWriter`: the one code that writes a generation of the stores.

A generation is Chroma's chunk and catalog collections plus the tantivy keyword index of the
same name, and the pointer says which generation serves. Every write to any of them goes
through this object, so the order that keeps readers safe from a crash is written once, here:

1. Before the first change to a generation that serves (or is the first one), it is marked as
   being updated: the pointer's dirty flag, or, for a partitioned worker, a file in its own data
   folder (the shared pointer cannot say whose update was interrupted). A rebuild's new
   generation needs no mark: nothing reads it until `finish` flips the pointer to it.
2. `put`: a batch's chunks go to Chroma, then to the keyword index, and the articles' catalog
   records, the content hashes readers trust, last. Readers serve only chunks whose hash the
   catalog vouches for, so a crash between the steps leaves the old version serving.
3. `drop_stale`: an article's older chunks are deleted only after its new record is in.
4. `remove`: the catalog record first, its chunks after (orphans are swept, never served).
5. `finish`: clear the mark, or flip the pointer to a new generation; drop generations that
   nothing serves. Leaving with an error abandons a new generation and keeps a mark set.
6. `recover`: after an interruption, sweep the chunks the catalog does not vouch for and bring
   the keyword index in line with the catalog.

A full rebuild, an incremental update and a partitioned worker's update differ only in which
generation is written (new, live, shared) and which articles this writer owns (all, or its
partition): the writer never touches an article it does not own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from index.config import IndexConfig
from index.keyword import KeywordChunk, KeywordIndex, drop_keyword_index, keyword_folder
from index.store import ArticleRecord, IndexStore, StoredChunk, remove_orphan_segments

log = logging.getLogger(__name__)

MARKER_NAME = "update-in-progress"


class GenerationWriter:
    """Owns one generation's writes for one update; use as a context manager."""

    def __init__(self, store: IndexStore, config: IndexConfig, generation: str, *, fresh: bool) -> None:
        self.store = store
        self.config = config
        self.generation = generation
        self.fresh = fresh
        self.owned: Callable[[str], bool] | None = config.owns if config.partition is not None else None
        self._pointer = store.pointer()
        self._marked = False
        self._finished = False
        store.chunks(generation), store.catalog(generation)
        self.keywords = KeywordIndex(keyword_folder(config.data_dir, generation))

    @classmethod
    def new(cls, store: IndexStore, config: IndexConfig) -> GenerationWriter:
        """A brand-new generation (a rebuild), served only once `finish` flips to it."""
        return cls(store, config, store.new_generation(), fresh=True)

    def __enter__(self) -> GenerationWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.keywords.close()
        if kind is not None and self.fresh and not self._finished:
            # An unfinished new generation is never served: drop it, the live one is untouched.
            self.store.drop_generation(self.generation)
            drop_keyword_index(self.keywords.folder)

    # --- what the generation holds ------------------------------------------------------

    def catalog_hashes(self) -> dict[str, str]:
        """Content hash of every owned article the catalog vouches for."""
        hashes = self.store.catalog_hashes(self.generation)
        return hashes if self.owned is None else {i: h for i, h in hashes.items() if self.owned(i)}

    @property
    def _marker(self) -> Path:
        return self.config.data_dir / MARKER_NAME

    @property
    def interrupted(self) -> bool:
        """An update of this generation by this writer was interrupted and not yet repaired."""
        if self.fresh:
            return False
        if self.owned is not None:
            return self._marker.exists()
        return self._pointer.active == self.generation and self._pointer.dirty

    # --- the writes, in their safe order --------------------------------------------------

    def recover(self) -> int:
        """Repair what an interrupted update left (the number of stale chunks removed); a single
        writer also restores a keyword index that was lost or predates the keyword index."""
        if self.interrupted:
            return self._repair()
        if self.fresh or self.owned is not None:
            return 0  # nothing written yet; a worker's keyword index holds only its share of the chunks
        if self.keywords.count() != self.store.chunks(self.generation).count():
            self._repair()
        return 0

    def begin(self) -> None:
        """Mark the generation as being updated before its first change (nothing to mark when new)."""
        if self._marked or self.fresh:
            return
        if self.owned is not None:
            self._marker.touch()
        else:
            self.store.set_pointer(self.generation, embed_model=self.config.embed_model, dirty=True)
        self._marked = True

    def put(self, chunks: Sequence[StoredChunk], records: Sequence[ArticleRecord]) -> int:
        """Write a batch: its chunks to Chroma and the keyword index, then its catalog records."""
        self._check_owned(record.id for record in records)
        self.begin()
        self.store.put_chunks(self.generation, chunks)
        self.keywords.add(keyword_chunk(chunk) for chunk in chunks)
        self.store.put_articles(self.generation, records)
        return len(chunks)

    def drop_stale(self, article_id: str, keep_hash: str) -> None:
        """Every chunk of an article but those of the version its catalog record now holds."""
        self._check_owned([article_id])
        self.begin()
        self.store.delete_stale_chunks(self.generation, article_id, keep_hash)
        self.keywords.delete_stale(article_id, keep_hash)

    def remove(self, article_ids: Sequence[str]) -> None:
        """Articles that left the corpus: catalog records first, then their chunks."""
        if not article_ids:
            return
        self._check_owned(article_ids)
        self.begin()
        self.store.delete_articles(self.generation, article_ids)
        self.keywords.delete_articles(article_ids)

    def update_reprints(self, changes: Mapping[str, tuple[str | None, tuple[str, ...]]]) -> None:
        """Rewrite the reprint facts of unchanged articles (metadata only; safe at any point)."""
        self._check_owned(changes)
        self.store.set_reprints(self.generation, changes)

    def finish(self) -> None:
        """Serve what was written: flip to a new generation or clear the mark; drop what nothing serves."""
        if self.owned is not None:
            self._marker.unlink(missing_ok=True)
        if self._marked or self._pointer.dirty or self._pointer.active != self.generation:
            self.store.set_pointer(self.generation, embed_model=self.config.embed_model, dirty=False)
        if self.owned is None:
            self._drop_other_generations()
        self._finished = True

    # --- helpers --------------------------------------------------------------------------

    def _check_owned(self, article_ids: Iterable[str]) -> None:
        """A partitioned worker writing another worker's article would race it: refuse."""
        if self.owned is None:
            return
        foreign = [i for i in article_ids if not self.owned(i)]
        if foreign:
            raise ValueError(f"partition {self.config.partition} does not own {foreign[:3]}")

    def _repair(self) -> int:
        """Make both stores hold exactly the versions the catalog vouches for (of owned articles)."""
        recovered = self.store.sweep(self.generation, owned=self.owned)
        catalog = self.catalog_hashes()
        held = {version for version in self.keywords.versions() if self.owned is None or self.owned(version[0])}
        stale = {(article_id, digest) for article_id, digest in held if catalog.get(article_id) != digest}
        for article_id, digest in stale:
            self.keywords.delete_version(article_id, digest)
        missing = {article_id: digest for article_id, digest in catalog.items() if (article_id, digest) not in held}
        for article_id, digest in missing.items():
            self.keywords.add(keyword_chunk(c) for c in self.store.article_chunks(self.generation, article_id, digest))
        if stale or missing:
            log.info("keyword index repaired: %d stale versions removed, %d articles added", len(stale), len(missing))
        return recovered

    def _drop_other_generations(self) -> None:
        """Generations left by a rebuild that was killed, their keyword folders and the vector
        folders Chroma leaves behind: nothing serves them."""
        for leftover in self.store.generations():
            if leftover != self.generation:
                self.store.drop_generation(leftover)
        if not self.config.chroma_host:
            remove_orphan_segments(self.config.data_dir / "chroma")
        root = self.keywords.folder.parent
        if root.is_dir():
            for folder in root.iterdir():
                if folder.name != self.generation and folder.name.startswith(self.config.collection + "-g"):
                    drop_keyword_index(folder)


def keyword_chunk(chunk: StoredChunk) -> KeywordChunk:
    """A chunk as the keyword index holds it, from the chunk as Chroma holds it."""
    metadata = chunk.metadata
    return KeywordChunk(
        chunk_id=chunk.id,
        article_id=metadata["article_id"],
        content_hash=metadata["content_hash"],
        text=chunk.text,
        outlet=metadata["outlet"],
        published_day=metadata.get("published_ord"),
    )
