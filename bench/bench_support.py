"""Helpers the bench workers share."""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generated_news import touch_fraction


def touch(corpus: Path, fraction: float = 0.01) -> int:
    return touch_fraction(sorted(corpus.glob("*.md")), fraction)


def factdesk_embedded_texts(store: Any) -> list[str]:
    """The exact inputs factdesk's chunks were embedded from, rebuilt from its store."""
    from index.chunking import embedding_input

    generation = store.pointer().active or ""
    titles = {record.id: record.title for record in store.article_summaries(generation)}
    return [embedding_input(titles.get(c.metadata["article_id"], ""), c.text) for c in store.all_chunks(generation)]


def plain_embedded_texts(collection: Any) -> list[str]:
    """What plain llama-index embedded: each node's text with its embedded metadata."""
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    stored = collection.get(include=["documents", "metadatas"])
    return [
        metadata_dict_to_node(metadata, text=document).get_content(MetadataMode.EMBED)
        for document, metadata in zip(stored["documents"], stored["metadatas"], strict=True)
    ]


def window_share(texts: list[str], window: int = 256) -> float:
    """Share of the word pieces given to the embedding model that fall inside its window.

    The model truncates longer inputs, so text past the window is stored but never embedded and
    cannot be found by dense search.
    """
    from tokenizers import Tokenizer

    from index.embedding import resolve_model_path

    tokenizer = Tokenizer.from_file(str(resolve_model_path("all-MiniLM-L6-v2") / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    lengths = [len(encoding.ids) for encoding in tokenizer.encode_batch(texts)]
    return sum(min(n, window) for n in lengths) / max(1, sum(lengths))


def write_result(out: Path, result: dict[str, Any]) -> None:
    """A bench's figures as JSON (bench/results/ unless told otherwise)."""
    import json

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_llama_index(files: Sequence[Path], data: Path, threads: int, chunk: int = 0) -> dict[str, Any]:
    """The baseline: plain llama-index (`VectorStoreIndex.from_documents` into Chroma) adds `files`
    to the collection in `data`, with the same bundled model and threads, in fp32 (llama-index's
    way). `chunk` 0 keeps llama-index's default splitter (1,024 tokens, of which MiniLM reads 256
    word pieces); otherwise `chunk`-token chunks with 30 overlap, so all the text is embedded.

    Timed from before its libraries and model load to the last write, as factdesk's own indexing
    is timed in these benches.
    """
    started = time.perf_counter()
    import chromadb
    from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedding import load_embedder

    embed_model = load_embedder("all-MiniLM-L6-v2", threads).model
    Settings.llm = MockLLM()
    Settings.embed_model = embed_model
    client = chromadb.PersistentClient(str(data), settings=chromadb.config.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("plain", embedding_function=None)
    before = collection.count()
    documents = SimpleDirectoryReader(input_files=[str(path) for path in files]).load_data()
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    transformations = [SentenceSplitter(chunk_size=chunk, chunk_overlap=30)] if chunk else None
    VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed_model, transformations=transformations
    )
    seconds = time.perf_counter() - started
    return {
        "articles": len(documents),
        "chunks": collection.count() - before,
        "chunks_total": collection.count(),
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "precision": "fp32",
        "embedded_share": window_share(plain_embedded_texts(collection)),
    }
