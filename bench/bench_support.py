"""Helpers the bench workers share."""

from __future__ import annotations

from pathlib import Path

from generated_news import touch_fraction


def touch(corpus: Path, fraction: float = 0.01) -> int:
    return touch_fraction(sorted(corpus.glob("*.md")), fraction)


def window_share(texts: list[str], window: int = 256) -> float:
    """Share of the chunks' word pieces that fall inside the embedding model's window.

    The model truncates longer inputs, so text past the window is stored but never embedded
    and cannot be found by dense search.
    """
    from transformers import AutoTokenizer

    from index.embedding import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path("all-MiniLM-L6-v2")))
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]
    return sum(min(n, window) for n in lengths) / max(1, sum(lengths))
