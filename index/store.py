"""The Chroma side: generations of (chunks, catalog) collections and a pointer to the live one.

Why generations: a rebuild writes a fresh pair of collections and flips the pointer only when
it is complete, so a crash or Ctrl-C leaves the previous index serving. Why a catalog: one
record per article (content hash, metadata, tagged sentences) lets an update compare hashes
without reading every chunk, and lets the answering step read sentence statuses, in the
embedded store and on a Chroma server alike.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Metadata, Where
from chromadb.config import Settings as ChromaSettings

from index import schema
from index.claims import TaggedSentence
from index.config import IndexConfig
from index.errors import StoreUnavailable

log = logging.getLogger(__name__)

_POINTER_SUFFIX = "-pointer"
_CHUNKS_SUFFIX = "-chunks"
_CATALOG_SUFFIX = "-catalog"
_GET_PAGE = 5000
# Chroma caps one write; stay well below it.
WRITE_BATCH = 2000


@dataclass(frozen=True)
class ArticleRecord:
    """What the index knows of one article: its metadata, text and tagged sentences."""

    id: str
    title: str
    outlet: str
    content_hash: str
    path: str
    chunks: int
    published: str | None = None
    url: str | None = None
    reports_on: str | None = None
    reprint_of: str | None = None
    also_in: tuple[str, ...] = ()
    body: str = ""
    sentences: tuple[TaggedSentence, ...] = ()

    def metadata(self) -> schema.CatalogMetadata:
        values: schema.CatalogMetadata = {
            "title": self.title,
            "outlet": self.outlet,
            "content_hash": self.content_hash,
            "path": self.path,
            "chunks": self.chunks,
        }
        if self.published is not None:
            values["published"] = self.published
        if self.url is not None:
            values["url"] = self.url
        if self.reports_on is not None:
            values["reports_on"] = self.reports_on
        if self.reprint_of is not None:
            values["reprint_of"] = self.reprint_of
        if self.also_in:
            values["also_in"] = json.dumps(list(self.also_in), ensure_ascii=False)
        return values

    def document(self) -> str:
        """Body and tagged sentences as one JSON document; sentences keep offsets, not their text."""
        return json.dumps(
            {"body": self.body, "sentences": [s.to_dict() for s in self.sentences]},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_chroma(cls, record_id: str, metadata: Mapping[str, Any], document: str | None) -> ArticleRecord:
        payload = json.loads(document) if document else {}
        body = str(payload.get("body", ""))
        return cls(
            id=record_id,
            title=str(metadata.get(schema.TITLE, "")),
            outlet=str(metadata.get(schema.OUTLET, "")),
            content_hash=str(metadata.get(schema.CONTENT_HASH, "")),
            path=str(metadata.get(schema.PATH, "")),
            chunks=int(metadata.get(schema.CHUNKS, 0)),
            published=_optional(metadata.get(schema.PUBLISHED)),
            url=_optional(metadata.get(schema.URL)),
            reports_on=_optional(metadata.get(schema.REPORTS_ON)),
            reprint_of=_optional(metadata.get(schema.REPRINT_OF)),
            also_in=tuple(json.loads(str(metadata.get(schema.ALSO_IN) or "[]"))),
            body=body,
            sentences=tuple(TaggedSentence.from_dict(s, body) for s in payload.get("sentences", [])),
        )


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class StoredChunk:
    """One chunk as Chroma holds it: id, text, vector and the metadata filters and citations need."""

    id: str
    text: str
    metadata: schema.ChunkMetadata
    vector: Sequence[float] = ()


@dataclass(frozen=True)
class DenseHit:
    chunk_id: str
    metadata: schema.ChunkMetadata
    distance: float


@dataclass(frozen=True)
class IndexStatus:
    store: str
    generation: str | None
    articles: int
    chunks: int
    embed_model: str | None
    updated_at: str | None
    update_interrupted: bool
    format: int = schema.FORMAT_VERSION


@dataclass(frozen=True)
class Pointer:
    active: str | None
    embed_model: str | None
    updated_at: str | None
    dirty: bool
    version: int
    format: int


_T = TypeVar("_T")


class IndexStore:
    """All reads and writes of factdesk's collections go through here."""

    def __init__(self, client: ClientAPI, name: str, label: str) -> None:
        self.client = client
        self.name = name
        self.label = label

    # --- the pointer ------------------------------------------------------------------

    def pointer(self) -> Pointer:
        metadata: Mapping[str, Any] = self._guard(lambda: self._pointer_collection().metadata) or {}
        return Pointer(
            active=metadata.get(schema.ACTIVE) or None,
            embed_model=metadata.get(schema.EMBED_MODEL) or None,
            updated_at=metadata.get(schema.UPDATED_AT) or None,
            dirty=bool(metadata.get(schema.DIRTY, False)),
            version=int(metadata.get(schema.VERSION, 0)),
            # Indexes written before the format was recorded are format 1.
            format=int(metadata.get(schema.FORMAT, 1)),
        )

    def set_pointer(self, active: str, *, embed_model: str, dirty: bool) -> None:
        """Flip or mark the live generation in one metadata write (Chroma replaces it whole)."""
        current = self.pointer()
        metadata = {
            schema.ACTIVE: active,
            schema.EMBED_MODEL: embed_model,
            schema.UPDATED_AT: datetime.now(UTC).isoformat(timespec="seconds"),
            schema.DIRTY: dirty,
            schema.VERSION: current.version + 1,
            schema.FORMAT: schema.FORMAT_VERSION,
        }
        self._guard(lambda: self._pointer_collection().modify(metadata=metadata))

    def _pointer_collection(self) -> Collection:
        return self.client.get_or_create_collection(
            self.name + _POINTER_SUFFIX, embedding_function=None, metadata={schema.ACTIVE: ""}
        )

    # --- generations ------------------------------------------------------------------

    def new_generation(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        return f"{self.name}-g{stamp}{secrets.token_hex(3)}"

    def generations(self) -> list[str]:
        """Every generation with collections in the store, live or not."""
        names = self._guard(self.client.list_collections)
        prefix = self.name + "-g"
        found = set()
        for collection in names:
            name = collection if isinstance(collection, str) else collection.name
            for suffix in (_CHUNKS_SUFFIX, _CATALOG_SUFFIX):
                if name.startswith(prefix) and name.endswith(suffix):
                    found.add(name[: -len(suffix)])
        return sorted(found)

    def drop_generation(self, generation: str) -> None:
        for suffix in (_CHUNKS_SUFFIX, _CATALOG_SUFFIX):
            # Already gone is fine; a store that is down shows on the next call anyway.
            with contextlib.suppress(Exception):
                self.client.delete_collection(generation + suffix)

    def chunks(self, generation: str) -> Collection:
        return self._guard(
            lambda: self.client.get_or_create_collection(
                generation + _CHUNKS_SUFFIX,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        )

    def catalog(self, generation: str) -> Collection:
        return self._guard(
            lambda: self.client.get_or_create_collection(generation + _CATALOG_SUFFIX, embedding_function=None)
        )

    # --- catalog ----------------------------------------------------------------------

    def catalog_hashes(self, generation: str) -> dict[str, str]:
        catalog = self.catalog(generation)
        hashes: dict[str, str] = {}
        for ids, metadatas, _ in self._pages(catalog, include=["metadatas"]):
            for record_id, metadata in zip(ids, metadatas, strict=True):
                hashes[record_id] = str((metadata or {}).get(schema.CONTENT_HASH, ""))
        return hashes

    def catalog_paths(self, generation: str) -> dict[str, str]:
        """Article id -> the corpus path it was indexed from."""
        catalog = self.catalog(generation)
        return {
            record_id: str((metadata or {}).get(schema.PATH, ""))
            for ids, metadatas, _ in self._pages(catalog, include=["metadatas"])
            for record_id, metadata in zip(ids, metadatas, strict=True)
        }

    def current_hashes(self, generation: str, ids: Iterable[str]) -> dict[str, str]:
        """The catalog's content hash of each given article: what readers may serve right now."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        catalog = self.catalog(generation)
        result = self._guard(lambda: catalog.get(ids=wanted, include=["metadatas"]))
        return {
            record_id: str((metadata or {}).get(schema.CONTENT_HASH, ""))
            for record_id, metadata in zip(result["ids"], result["metadatas"] or [], strict=True)
        }

    def put_articles(self, generation: str, records: Sequence[ArticleRecord]) -> None:
        if not records:
            return
        catalog = self.catalog(generation)
        # The catalog holds no vectors worth searching; Chroma needs one, so each gets [1.0].
        self._guard(
            catalog.upsert,
            ids=[record.id for record in records],
            embeddings=np.ones((len(records), 1), dtype=np.float32),
            metadatas=[cast(Metadata, dict(record.metadata())) for record in records],
            documents=[record.document() for record in records],
        )

    def set_reprints(self, generation: str, changes: Mapping[str, tuple[str | None, tuple[str, ...]]]) -> None:
        """Rewrite the reprint facts (reprint_of, also_in) of articles whose text did not change."""
        if not changes:
            return
        catalog = self.catalog(generation)
        ids = list(changes)
        metadatas = [
            cast(
                Metadata,
                {
                    schema.REPRINT_OF: changes[i][0],
                    schema.ALSO_IN: json.dumps(list(changes[i][1]), ensure_ascii=False) if changes[i][1] else None,
                },
            )
            for i in ids
        ]
        for start in range(0, len(ids), WRITE_BATCH):
            self._guard(
                catalog.update, ids=ids[start : start + WRITE_BATCH], metadatas=metadatas[start : start + WRITE_BATCH]
            )

    def articles(self, generation: str, ids: Iterable[str] | None = None) -> list[ArticleRecord]:
        catalog = self.catalog(generation)
        if ids is None:
            rows = [
                row
                for page in self._pages(catalog, include=["metadatas", "documents"])
                for row in zip(*page, strict=True)
            ]
        else:
            wanted = list(dict.fromkeys(ids))
            if not wanted:
                return []
            found = self._guard(lambda: catalog.get(ids=wanted, include=["metadatas", "documents"]))
            rows = list(zip(found["ids"], found["metadatas"] or [], found["documents"] or [], strict=True))
        return [ArticleRecord.from_chroma(i, m or {}, d) for i, m, d in rows]

    def reprint_group(self, generation: str, canonical_id: str) -> list[ArticleRecord]:
        """Every article of a reprint group: its canonical article and the copies that name it."""
        catalog = self.catalog(generation)
        found = self._guard(
            lambda: catalog.get(where={schema.REPRINT_OF: canonical_id}, include=["metadatas", "documents"])
        )
        rows = zip(found["ids"], found["metadatas"] or [], found["documents"] or [], strict=True)
        copies = [ArticleRecord.from_chroma(i, m or {}, d) for i, m, d in rows]
        return self.articles(generation, [canonical_id]) + copies

    def article_summaries(self, generation: str) -> list[ArticleRecord]:
        """Metadata of every article, without text: cheap enough for listings."""
        catalog = self.catalog(generation)
        return [
            ArticleRecord.from_chroma(record_id, metadata or {}, None)
            for ids, metadatas, _ in self._pages(catalog, include=["metadatas"])
            for record_id, metadata in zip(ids, metadatas, strict=True)
        ]

    def delete_articles(self, generation: str, ids: Sequence[str]) -> None:
        if not ids:
            return
        # Catalog first: readers serve only chunks the catalog vouches for, so a crash between
        # the two deletes leaves orphan chunks (swept later), never an article without its text.
        catalog, chunks = self.catalog(generation), self.chunks(generation)
        for start in range(0, len(ids), 500):
            batch = list(ids[start : start + 500])
            self._guard(catalog.delete, ids=batch)
            self._guard(chunks.delete, where=where_clause({schema.ARTICLE_ID: {"$in": batch}}))

    # --- chunks -----------------------------------------------------------------------

    def put_chunks(self, generation: str, chunks: Sequence[StoredChunk]) -> None:
        collection = self.chunks(generation)
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            self._guard(
                collection.upsert,
                ids=[chunk.id for chunk in batch],
                embeddings=np.asarray([chunk.vector for chunk in batch], dtype=np.float32),
                metadatas=[cast(Metadata, dict(chunk.metadata)) for chunk in batch],
                documents=[chunk.text for chunk in batch],
            )

    def delete_stale_chunks(self, generation: str, article_id: str, keep_hash: str) -> None:
        chunks = self.chunks(generation)
        where = where_clause({"$and": [{schema.ARTICLE_ID: article_id}, {schema.CONTENT_HASH: {"$ne": keep_hash}}]})
        self._guard(chunks.delete, where=where)

    def sweep(self, generation: str, owned: Callable[[str], bool] | None = None) -> int:
        """After an interrupted update: drop chunks whose article is gone or has a newer hash.

        `owned`: only articles it accepts (a partitioned worker must not touch the chunks another
        worker is writing before its catalog record).
        """
        hashes = self.catalog_hashes(generation)
        chunks = self.chunks(generation)
        stale = [
            chunk_id
            for ids, metadatas, _ in self._pages(chunks, include=["metadatas"])
            for chunk_id, metadata in zip(ids, metadatas, strict=True)
            if (owned is None or owned(str((metadata or {}).get(schema.ARTICLE_ID))))
            and hashes.get(str((metadata or {}).get(schema.ARTICLE_ID))) != (metadata or {}).get(schema.CONTENT_HASH)
        ]
        for start in range(0, len(stale), WRITE_BATCH):
            batch = stale[start : start + WRITE_BATCH]
            self._guard(chunks.delete, ids=batch)
        return len(stale)

    def all_chunks(self, generation: str) -> Iterator[StoredChunk]:
        """Every chunk (text and metadata, no vector), page by page: for checks and repairs."""
        for ids, metadatas, documents in self._pages(self.chunks(generation), include=["metadatas", "documents"]):
            for chunk_id, metadata, document in zip(ids, metadatas, documents, strict=True):
                yield StoredChunk(id=chunk_id, text=document or "", metadata=_chunk_metadata(metadata))

    def article_chunks(self, generation: str, article_id: str, content_hash: str) -> list[StoredChunk]:
        """The chunks of one version of an article (text and metadata), to repair the keyword index."""
        chunks = self.chunks(generation)
        where = where_clause({"$and": [{schema.ARTICLE_ID: article_id}, {schema.CONTENT_HASH: content_hash}]})
        result = self._guard(chunks.get, where=where, include=["metadatas", "documents"])
        return [
            StoredChunk(id=i, text=d or "", metadata=_chunk_metadata(m))
            for i, m, d in zip(result["ids"], result["metadatas"] or [], result["documents"] or [], strict=True)
        ]

    def chunk_metadata(self, generation: str, ids: Sequence[str]) -> dict[str, schema.ChunkMetadata]:
        chunks = self.chunks(generation)
        result = self._guard(lambda: chunks.get(ids=list(ids), include=["metadatas"]))
        return {i: _chunk_metadata(m) for i, m in zip(result["ids"], result["metadatas"] or [], strict=True)}

    def dense_search(self, generation: str, vector: np.ndarray, *, limit: int, where: Where | None) -> list[DenseHit]:
        """Nearest chunks to a query vector (cosine distance), restricted by a Chroma `where`."""
        chunks = self.chunks(generation)
        count = self._guard(chunks.count)
        if not count:
            return []
        result = self._guard(
            lambda: chunks.query(
                query_embeddings=np.asarray([vector], dtype=np.float32),
                n_results=min(limit, count),
                where=where,
                include=["metadatas", "distances"],
            )
        )
        ids = result["ids"][0]
        metadatas = (result["metadatas"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        return [
            DenseHit(chunk_id=i, metadata=_chunk_metadata(m), distance=float(d))
            for i, m, d in zip(ids, metadatas, distances, strict=True)
        ]

    # --- status -----------------------------------------------------------------------

    def status(self) -> IndexStatus:
        pointer = self.pointer()
        articles = chunks = 0
        if pointer.active:
            articles = self._guard(self.catalog(pointer.active).count)
            chunks = self._guard(self.chunks(pointer.active).count)
        return IndexStatus(
            store=self.label,
            generation=pointer.active,
            articles=articles,
            chunks=chunks,
            embed_model=pointer.embed_model,
            updated_at=pointer.updated_at,
            update_interrupted=pointer.dirty,
            format=pointer.format,
        )

    def _guard(self, call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        try:
            return call(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as error:
            raise StoreUnavailable(f"{self.label}: {type(error).__name__}: {error}") from error

    def _pages(self, collection: Collection, *, include: list[str]) -> Iterator[tuple[list[str], list[Any], list[Any]]]:
        offset = 0
        while True:
            result: Any = self._guard(collection.get, include=include, limit=_GET_PAGE, offset=offset)
            ids: list[str] = result["ids"]
            if not ids:
                return
            metadatas: list[Any] = list(result.get("metadatas") or [None] * len(ids))
            documents: list[Any] = list(result.get("documents") or [None] * len(ids))
            yield ids, metadatas, documents
            if len(ids) < _GET_PAGE:
                return
            offset += len(ids)


def where_clause(clause: Mapping[str, Any]) -> Where:
    """A Chroma filter; its TypedDict cannot follow nested literals, so it is checked by Chroma."""
    return cast(Where, dict(clause))


def _chunk_metadata(metadata: Mapping[str, Any] | None) -> schema.ChunkMetadata:
    values = dict(metadata or {})
    found: schema.ChunkMetadata = {
        "article_id": str(values.get(schema.ARTICLE_ID, "")),
        "content_hash": str(values.get(schema.CONTENT_HASH, "")),
        "start_char": int(values.get(schema.START_CHAR, 0)),
        "end_char": int(values.get(schema.END_CHAR, 0)),
        "outlet": str(values.get(schema.OUTLET, "")),
    }
    if schema.PUBLISHED_DAY in values:
        found["published_ord"] = int(values[schema.PUBLISHED_DAY])
    return found


_SEGMENT_FOLDER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def remove_orphan_segments(chroma_dir: Path) -> int:
    """Delete vector folders of collections Chroma no longer has; returns how many were removed.

    Embedded Chroma 1.5.9 leaves a deleted collection's vector folder (named by its segment id)
    on disk, so every dropped generation used to stay there. Chroma offers no call to list its
    segments: they are read from its own SQLite file, read-only, and if that file does not look
    as expected nothing is removed.
    """
    database = chroma_dir / "chroma.sqlite3"
    if not database.is_file():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            live = {str(row[0]) for row in connection.execute("SELECT id FROM segments")}
    except sqlite3.Error as error:
        log.info("not removing orphan Chroma folders: %s", error)
        return 0
    removed = 0
    for folder in chroma_dir.iterdir():
        if folder.is_dir() and _SEGMENT_FOLDER.match(folder.name) and folder.name not in live:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def open_store(config: IndexConfig) -> IndexStore:
    """Connect to the embedded store in the data folder, or to a Chroma server when a host is set."""
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if config.chroma_host:
            client = chromadb.HttpClient(host=config.chroma_host, port=config.chroma_port, settings=settings)
            client.heartbeat()
        else:
            path = config.data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as error:
        raise StoreUnavailable(f"cannot open {config.store_label}: {error}") from error
    return IndexStore(client, config.collection, config.store_label)
