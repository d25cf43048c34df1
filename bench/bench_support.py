"""Helpers the bench workers share."""

from __future__ import annotations

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
