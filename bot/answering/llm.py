"""Generating backends behind one small interface, built from llama-index integrations.

Each mode's integration is imported only when that mode is used, so the offline default needs
none of them installed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from bot.answering.config import AnswerConfig, AnswerMode
from bot.answering.errors import LLMUnavailable

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from bot.answering.local_server import LocalServer

# Local servers started in this process, one per model file: started once, stopped at exit.
_SERVERS: dict[tuple[str, int, int], LocalServer] = {}
_SERVERS_LOCK = threading.Lock()


def local_server(config: AnswerConfig) -> LocalServer:
    """The process's llama.cpp server for the configured local model (started on first use)."""
    from bot.answering.local_models import gguf_path
    from bot.answering.local_server import LocalServer

    gguf = gguf_path(config.llm_model, config.models_dir)
    key = (str(gguf), config.threads or 1, config.llm_context_tokens)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            _SERVERS[key] = LocalServer(gguf, threads=config.threads or 1, context_tokens=config.llm_context_tokens)
        return _SERVERS[key]


def build_llm(config: AnswerConfig, mode: AnswerMode) -> LLM:
    llm: LLM
    timeout = config.llm_timeout_s
    retries = config.llm_retries
    key = config.llm_api_key.get_secret_value() if config.llm_api_key else None
    try:
        if mode is AnswerMode.LOCAL:
            from llama_index.llms.openai_like import OpenAILike

            server = local_server(config)
            llm = OpenAILike(
                model="local",
                api_base=server.openai_base,
                api_key=server.api_key,
                is_chat_model=True,
                timeout=max(timeout, 120.0),  # a CPU generates a few tokens a second
                max_retries=0,
                temperature=0.0,
                max_tokens=300,
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
