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
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from index.claims import TaggedSentence
from index.config import IndexConfig

_POINTER_SUFFIX = "-pointer"
_CHUNKS_SUFFIX = "-chunks"
_CATALOG_SUFFIX = "-catalog"
_GET_PAGE = 5000
# Chroma caps one write; stay well below it.
WRITE_BATCH = 2000


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or used; the message says which and why."""


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
    body: str = ""
    sentences: tuple[TaggedSentence, ...] = ()

    def metadata(self) -> dict[str, str | int]:
        values: dict[str, str | int | None] = {
            "title": self.title,
            "outlet": self.outlet,
            "content_hash": self.content_hash,
            "path": self.path,
            "chunks": self.chunks,
            "published": self.published,
            "url": self.url,
            "reports_on": self.reports_on,
        }
        return {key: value for key, value in values.items() if value is not None}

    def document(self) -> str:
        return json.dumps({"body": self.body, "sentences": [s.to_dict() for s in self.sentences]})

    @classmethod
    def from_chroma(cls, record_id: str, metadata: dict[str, Any], document: str | None) -> ArticleRecord:
        payload = json.loads(document) if document else {}
        return cls(
            id=record_id,
            title=str(metadata.get("title", "")),
            outlet=str(metadata.get("outlet", "")),
            content_hash=str(metadata.get("content_hash", "")),
            path=str(metadata.get("path", "")),
            chunks=int(metadata.get("chunks", 0)),
            published=metadata.get("published"),
            url=metadata.get("url"),
            reports_on=metadata.get("reports_on"),
            body=payload.get("body", ""),
            sentences=tuple(TaggedSentence.from_dict(s) for s in payload.get("sentences", [])),
        )


@dataclass(frozen=True)
class IndexStatus:
    store: str
    generation: str | None
    articles: int
    chunks: int
    embed_model: str | None
    updated_at: str | None
    update_interrupted: bool


@dataclass(frozen=True)
class Pointer:
    active: str | None
    embed_model: str | None
    updated_at: str | None
    dirty: bool
    version: int


class IndexStore:
    """All reads and writes of factdesk's collections go through here."""

    def __init__(self, client: ClientAPI, name: str, label: str) -> None:
        self.client = client
        self.name = name
        self.label = label

    # --- the pointer ------------------------------------------------------------------

    def pointer(self) -> Pointer:
        metadata = self._guard(lambda: self._pointer_collection().metadata) or {}
        return Pointer(
            active=metadata.get("active") or None,
            embed_model=metadata.get("embed_model") or None,
            updated_at=metadata.get("updated_at") or None,
            dirty=bool(metadata.get("dirty", False)),
            version=int(metadata.get("version", 0)),
        )

    def set_pointer(self, active: str, *, embed_model: str, dirty: bool) -> None:
        """Flip or mark the live generation in one metadata write (Chroma replaces it whole)."""
        current = self.pointer()
        metadata = {
            "active": active,
            "embed_model": embed_model,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "dirty": dirty,
            "version": current.version + 1,
        }
        self._guard(lambda: self._pointer_collection().modify(metadata=metadata))

    def _pointer_collection(self) -> Collection:
        return self.client.get_or_create_collection(
            self.name + _POINTER_SUFFIX, embedding_function=None, metadata={"active": ""}
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
        for ids, metadatas, _ in _pages(catalog, include=["metadatas"]):
            for record_id, metadata in zip(ids, metadatas, strict=True):
                hashes[record_id] = str((metadata or {}).get("content_hash", ""))
        return hashes

    def current_hashes(self, generation: str, ids: Iterable[str]) -> dict[str, str]:
        """The catalog's content hash of each given article: what readers may serve right now."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        catalog = self.catalog(generation)
        result = self._guard(lambda: catalog.get(ids=wanted, include=["metadatas"]))
        return {
            record_id: str((metadata or {}).get("content_hash", ""))
            for record_id, metadata in zip(result["ids"], result["metadatas"], strict=True)
        }

    def put_articles(self, generation: str, records: Sequence[ArticleRecord]) -> None:
        if not records:
            return
        catalog = self.catalog(generation)
        # The catalog holds no vectors worth searching; Chroma needs one, so each gets [1.0].
        self._guard(
            lambda: catalog.upsert(
                ids=[record.id for record in records],
                embeddings=[[1.0] for _ in records],
                metadatas=[record.metadata() for record in records],
                documents=[record.document() for record in records],
            )
        )

    def articles(self, generation: str, ids: Iterable[str] | None = None) -> list[ArticleRecord]:
        catalog = self.catalog(generation)
        if ids is None:
            rows = [
                row for page in _pages(catalog, include=["metadatas", "documents"]) for row in zip(*page, strict=True)
            ]
        else:
            wanted = list(dict.fromkeys(ids))
            if not wanted:
                return []
            result = self._guard(lambda: catalog.get(ids=wanted, include=["metadatas", "documents"]))
            rows = list(zip(result["ids"], result["metadatas"], result["documents"], strict=True))
        return [ArticleRecord.from_chroma(i, m or {}, d) for i, m, d in rows]

    def article_summaries(self, generation: str) -> list[ArticleRecord]:
        """Metadata of every article, without text: cheap enough for listings."""
        catalog = self.catalog(generation)
        return [
            ArticleRecord.from_chroma(record_id, metadata or {}, None)
            for ids, metadatas, _ in _pages(catalog, include=["metadatas"])
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
            self._guard(lambda batch=batch: catalog.delete(ids=batch))
            self._guard(lambda batch=batch: chunks.delete(where={"article_id": {"$in": batch}}))

    def delete_stale_chunks(self, generation: str, article_id: str, keep_hash: str) -> None:
        chunks = self.chunks(generation)
        where = {"$and": [{"article_id": article_id}, {"content_hash": {"$ne": keep_hash}}]}
        self._guard(lambda: chunks.delete(where=where))

    def sweep(self, generation: str) -> int:
        """After an interrupted update: drop chunks whose article is gone or has a newer hash."""
        hashes = self.catalog_hashes(generation)
        chunks = self.chunks(generation)
        stale = [
            chunk_id
            for ids, metadatas, _ in _pages(chunks, include=["metadatas"])
            for chunk_id, metadata in zip(ids, metadatas, strict=True)
            if hashes.get(str((metadata or {}).get("article_id"))) != (metadata or {}).get("content_hash")
        ]
        for start in range(0, len(stale), WRITE_BATCH):
            batch = stale[start : start + WRITE_BATCH]
            self._guard(lambda batch=batch: chunks.delete(ids=batch))
        return len(stale)

    def all_chunks(self, generation: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every chunk, for keyword indexes built beside the vectors."""
        for ids, metadatas, documents in _pages(self.chunks(generation), include=["metadatas", "documents"]):
            for chunk_id, metadata, document in zip(ids, metadatas, documents, strict=True):
                yield chunk_id, document or "", dict(metadata or {})

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
        )

    def _guard(self, call: Any) -> Any:
        try:
            return call()
        except StoreUnavailable:
            raise
        except Exception as error:
            raise StoreUnavailable(f"{self.label}: {type(error).__name__}: {error}") from error


def _pages(collection: Collection, *, include: list[str]) -> Iterator[tuple[list, list, list]]:
    offset = 0
    while True:
        result = collection.get(include=include, limit=_GET_PAGE, offset=offset)
        ids = result["ids"]
        if not ids:
            return
        metadatas = result.get("metadatas") or [None] * len(ids)
        documents = result.get("documents") or [None] * len(ids)
        yield ids, metadatas, documents
        if len(ids) < _GET_PAGE:
            return
        offset += len(ids)


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
