"""The one place configuration is read: `FACTDESK_*` environment variables and a `.env` file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index import IndexConfig
from index.config import BUNDLED_EMBED_MODEL


class AnswerMode(StrEnum):
    EXTRACTIVE = "extractive"
    LLAMA_CPP = "llama-cpp"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FACTDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where articles and the index live.
    corpus_dir: Path = Path("corpus")
    data_dir: Path = Path(".factdesk")
    collection: str = Field(default="factdesk", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,40}[a-zA-Z0-9]$")
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    embed_model: str = BUNDLED_EMBED_MODEL
    max_article_bytes: int = Field(default=2_000_000, ge=1_000)
    threads: int | None = Field(default=None, ge=1, le=64)
    index_batch_articles: int = Field(default=32, ge=1, le=1000)  # articles embedded per write

    # Answering.
    llm: AnswerMode = AnswerMode.EXTRACTIVE
    llm_model: str | None = None  # GGUF path for llama-cpp, model name for hosted modes
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_retries: int = Field(default=2, ge=0, le=10)
    llm_context_tokens: int = Field(default=2048, ge=256)
    max_question_chars: int = Field(default=1000, ge=10)
    top_k: int = Field(default=8, ge=1, le=50)

    # Discord.
    discord_token: SecretStr | None = None
    discord_reindex_role: str | None = None
    discord_announce_channel: int | None = None
    discord_use_threads: bool = False
    # Off when another process (a `factdesk index --watch` against a Chroma server) keeps the index.
    discord_watch: bool = True
    discord_user_rate: int = Field(default=5, ge=1)
    discord_channel_rate: int = Field(default=20, ge=1)
    discord_rate_window_s: float = Field(default=60.0, gt=0)

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            corpus_dir=self.corpus_dir,
            data_dir=self.data_dir,
            collection=self.collection,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            embed_model=self.embed_model,
            max_article_bytes=self.max_article_bytes,
            threads=self.threads,
            batch_articles=self.index_batch_articles,
        )
