"""What answering needs to know, as one immutable value built by the application's settings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr


class AnswerMode(StrEnum):
    EXTRACTIVE = "extractive"
    LLAMA_CPP = "llama-cpp"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"


@dataclass(frozen=True)
class AnswerConfig:
    mode: AnswerMode = AnswerMode.EXTRACTIVE
    llm_model: str | None = None  # GGUF path for llama-cpp, model name for hosted modes
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0
    llm_retries: int = 2
    llm_context_tokens: int = 2048
    max_question_chars: int = 1000
    top_k: int = 8
    threads: int | None = None
