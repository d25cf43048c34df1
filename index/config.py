"""What the indexer needs to know, as one immutable value built by the application's settings.

Defaults are written here once; `bot.settings.Settings` reads them from this class. Importing
this module loads nothing heavy: `factdesk --help` and the settings must stay fast.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

BUNDLED_EMBED_MODEL = "all-MiniLM-L6-v2"
EmbedPrecision = Literal["auto", "fp32", "bf16"]


@dataclass(frozen=True)
class IndexConfig:
    corpus_dir: Path
    data_dir: Path
    collection: str = "factdesk"
    chroma_host: str | None = None
    chroma_port: int = 8000
    embed_model: str = BUNDLED_EMBED_MODEL
    # "auto" (bf16 autocast where the CPU multiplies bf16 natively, else fp32), "fp32" or "bf16".
    embed_precision: EmbedPrecision = "auto"
    max_article_bytes: int = 2_000_000
    chunk_tokens: int = 200
    chunk_overlap: int = 30
    threads: int | None = None
    batch_articles: int = 32
    # Worker k of n (1-based) when several indexers share one Chroma server: each owns the
    # articles whose id hashes to it, from one shared corpus or disjoint ones (docs/scaling.md).
    partition: tuple[int, int] | None = None
    # Keyword indexes of other writers to search too (their data folders, or read-only copies of
    # them): an answering replica beside partitioned workers reads each worker's keywords.
    keyword_snapshots: tuple[Path, ...] = ()

    def owns(self, article_id: str) -> bool:
        """Whether this writer indexes the article: always, unless the articles are partitioned."""
        if self.partition is None:
            return True
        worker, workers = self.partition
        digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % workers == worker - 1

    @property
    def store_label(self) -> str:
        """A human-readable name of where the vectors live, for status output and errors."""
        if self.chroma_host:
            return f"chroma server http://{self.chroma_host}:{self.chroma_port}"
        return f"embedded chroma at {self.data_dir / 'chroma'}"
