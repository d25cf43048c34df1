"""Helpers the bench workers share."""

from __future__ import annotations

from pathlib import Path

from generated_news import touch_fraction


def touch(corpus: Path, fraction: float = 0.01) -> int:
    return touch_fraction(sorted(corpus.glob("*.md")), fraction)


def window_share(collection: object, window: int = 256) -> float:
    """Share of the word pieces given to the embedding model that fall inside its window.

    Counted on what each path really embeds (chunk text with its embedded metadata, as
    llama-index builds it). The model truncates longer inputs, so text past the window is stored
    but never embedded and cannot be found by dense search.
    """
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import metadata_dict_to_node
    from transformers import AutoTokenizer

    from index.embedding import resolve_model_path

    stored = collection.get(include=["documents", "metadatas"])  # type: ignore[attr-defined]
    texts = [
        metadata_dict_to_node(metadata, text=document).get_content(MetadataMode.EMBED)
        for document, metadata in zip(stored["documents"], stored["metadatas"], strict=True)
    ]
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path("all-MiniLM-L6-v2")))
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]
    return sum(min(n, window) for n in lengths) / max(1, sum(lengths))
