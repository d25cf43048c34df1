"""Keyword (BM25) search over chunks, persisted on disk beside Chroma with tantivy.

Why tantivy and not an in-memory BM25: local Chroma has no sparse vectors, and rebuilding a BM25
index over every chunk at start and after each update cost 36.5 s and 670 MB at 72k chunks.
A tantivy index opens in milliseconds, is updated per article (delete by the article's id term,
add its chunks, commit atomically) and is never rebuilt except with its generation.

Questions are never parsed as tantivy query syntax: they are split into terms by the same
analyzer the index uses, so quotes, colons, brackets and AND/OR in a question are just words.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tantivy

from index import schema

_TEXT = "text"
_CHUNK_ID = "chunk_id"
_HEAP_BYTES = 50_000_000


class KeywordIndexBusy(RuntimeError):
    """Another writer holds the keyword index of this generation."""


@dataclass(frozen=True)
class KeywordChunk:
    chunk_id: str
    article_id: str
    content_hash: str
    text: str
    outlet: str
    published_day: int | None


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(_CHUNK_ID, stored=True, tokenizer_name="raw")
    builder.add_text_field(schema.ARTICLE_ID, stored=True, tokenizer_name="raw")
    builder.add_text_field(schema.CONTENT_HASH, stored=True, tokenizer_name="raw")
    builder.add_text_field(_TEXT, stored=False, tokenizer_name="en_stem")
    builder.add_text_field(schema.OUTLET, stored=False, tokenizer_name="raw")
    builder.add_integer_field(schema.PUBLISHED_DAY, stored=False, indexed=True, fast=True)
    return builder.build()


# The analyzer of the "en_stem" tokenizer the text field is indexed with, plus English stop
# words for queries only (they match nearly every chunk and only cost time).
_QUERY_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stopword("english"))
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)


class KeywordIndex:
    """One generation's keyword index in its own folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.schema = _schema()
        self._index = tantivy.Index(self.schema, path=str(folder), reuse=True)
        self._writer: tantivy.IndexWriter | None = None

    @classmethod
    def open_reader(cls, folder: Path) -> KeywordIndex | None:
        """The index in `folder` for searching, or None when no indexer has written one there."""
        if not (folder / "meta.json").is_file():
            return None
        return cls(folder)

    # --- writing ----------------------------------------------------------------------

    def _writer_or_open(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(heap_size=_HEAP_BYTES, num_threads=1)
            except ValueError as error:
                raise KeywordIndexBusy(f"keyword index {self.folder} is being written by another process") from error
        return self._writer

    def add(self, chunks: Iterable[KeywordChunk]) -> None:
        """Add chunks and commit them together: a reader sees all of them or none."""
        writer = self._writer_or_open()
        for chunk in chunks:
            values: dict[str, object] = {
                _CHUNK_ID: chunk.chunk_id,
                schema.ARTICLE_ID: chunk.article_id,
                schema.CONTENT_HASH: chunk.content_hash,
                _TEXT: chunk.text,
                schema.OUTLET: chunk.outlet,
            }
            if chunk.published_day is not None:
                values[schema.PUBLISHED_DAY] = chunk.published_day
            writer.add_document(tantivy.Document(**values))
        writer.commit()

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        if not ids:
            return
        writer = self._writer_or_open()
        for article_id in ids:
            writer.delete_documents_by_term(schema.ARTICLE_ID, article_id)
        writer.commit()

    def delete_stale(self, article_id: str, keep_hash: str) -> None:
        """Every chunk of an article but those of the version the catalog now vouches for."""
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, schema.ARTICLE_ID, article_id)),
                (tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, schema.CONTENT_HASH, keep_hash)),
            ]
        )
        writer = self._writer_or_open()
        writer.delete_documents_by_query(query)
        writer.commit()

    def delete_version(self, article_id: str, content_hash: str) -> None:
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, schema.ARTICLE_ID, article_id)),
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, schema.CONTENT_HASH, content_hash)),
            ]
        )
        writer = self._writer_or_open()
        writer.delete_documents_by_query(query)
        writer.commit()

    def close(self) -> None:
        """Release the writer's lock (readers need none)."""
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    # --- reading ----------------------------------------------------------------------

    def count(self) -> int:
        self._index.reload()
        return int(self._index.searcher().num_docs)

    def search(
        self,
        question: str,
        *,
        limit: int,
        outlet: str | None = None,
        day_from: int | None = None,
        day_to: int | None = None,
    ) -> list[KeywordHit]:
        """BM25 over chunk texts; filters restrict without changing scores."""
        terms = list(dict.fromkeys(_QUERY_ANALYZER.analyze(question)))
        if not terms:
            return []
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, _TEXT, term)) for term in terms]
        query = tantivy.Query.boolean_query(clauses)
        filters = []
        if outlet:
            filters.append(tantivy.Query.term_query(self.schema, schema.OUTLET, outlet))
        if day_from is not None or day_to is not None:
            filters.append(
                tantivy.Query.range_query(
                    self.schema, schema.PUBLISHED_DAY, tantivy.FieldType.Integer, day_from, day_to
                )
            )
        if filters:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query)]
                + [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
            )
        self._index.reload()
        searcher = self._index.searcher()
        hits = searcher.search(query, limit).hits
        return [KeywordHit(searcher.doc(address)[_CHUNK_ID][0], float(score)) for score, address in hits]

    def versions(self) -> set[tuple[str, str]]:
        """(article id, content hash) of every version this index holds chunks of, for repairs."""
        return set(self.version_counts())

    def version_counts(self) -> Counter[tuple[str, str]]:
        """How many chunks of each (article id, content hash) this index holds."""
        self._index.reload()
        searcher = self._index.searcher()
        total = int(searcher.num_docs)
        found: Counter[tuple[str, str]] = Counter()
        if total:
            for _, address in searcher.search(tantivy.Query.all_query(), total).hits:
                doc = searcher.doc(address)
                found[(doc[schema.ARTICLE_ID][0], doc[schema.CONTENT_HASH][0])] += 1
        return found


def keyword_folder(data_dir: Path, generation: str) -> Path:
    """Each generation's keyword index lives in its own folder, dropped with the generation."""
    return data_dir / "keyword" / generation


def drop_keyword_index(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
