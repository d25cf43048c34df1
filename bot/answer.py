"""`answer_question`: a question in, a checked and cited `Answer` out.

retrieve (hybrid) -> sentences with statuses -> extractive selection, or generation followed by
checks in code -> numbered citations, claim statuses, abstention.
"""

from __future__ import annotations

import logging
import re
import threading

from bot.compose import (
    abstain,
    check_generated,
    extractive_answer,
    finish,
    is_relevant,
    mark_conflicts,
    says_nothing,
)
from bot.evidence import gather_evidence
from bot.llm import LLMUnavailable, build_llm
from bot.models import Answer
from bot.prompt import build_messages
from bot.retrieval import Retriever, SearchFilters
from bot.settings import AnswerMode, Settings
from index import IndexStore, open_store

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The small bundled model invents when given more than a couple of sentences.
EVIDENCE_FOR_MODE = {AnswerMode.LLAMA_CPP: 3}
DEFAULT_EVIDENCE_FOR_LLM = 8


class QuestionError(ValueError):
    """The question cannot be asked as given; the message tells the user why."""


def clean_question(question: str, *, max_chars: int) -> str:
    text = " ".join(_CONTROL.sub(" ", question).split())
    if not text:
        raise QuestionError("The question is empty: ask something about the articles.")
    if len(text) > max_chars:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {max_chars:,}.")
    if not any(char.isalnum() for char in text):
        raise QuestionError("The question has no words in it.")
    return text


class AnswerEngine:
    """What answering needs, loaded once per process: store, retriever, embedding model, LLMs."""

    def __init__(self, settings: Settings, store: IndexStore | None = None) -> None:
        self.settings = settings
        config = settings.index_config()
        self.store = store or open_store(config)
        self.retriever = Retriever(self.store, config.embed_model, config.threads)
        self._llms: dict[AnswerMode, object] = {}
        self._llm_lock = threading.Lock()

    def llm(self, mode: AnswerMode) -> object:
        with self._llm_lock:
            if mode not in self._llms:
                self._llms[mode] = build_llm(self.settings, mode)
            return self._llms[mode]


def answer_question(
    question: str,
    engine: AnswerEngine,
    *,
    mode: AnswerMode | None = None,
    filters: SearchFilters | None = None,
) -> Answer:
    """Answer from the indexed articles only. Raises `QuestionError`, `StoreUnavailable`, `IndexEmpty`."""
    settings = engine.settings
    mode = mode or settings.llm
    question = clean_question(question, max_chars=settings.max_question_chars)
    passages = engine.retriever.search(question, top_k=settings.top_k, filters=filters)
    evidence = gather_evidence(question, passages, engine.retriever.embed_model)
    if mode is AnswerMode.EXTRACTIVE:
        return extractive_answer(question, evidence, engine.retriever.embed_model)
    relevant = [item for item in evidence if is_relevant(item)]
    if not relevant:
        return abstain(question, mode.value)
    given = relevant[: EVIDENCE_FOR_MODE.get(mode, DEFAULT_EVIDENCE_FOR_LLM)]
    try:
        llm = engine.llm(mode)
        response = llm.chat(build_messages(question, given))  # type: ignore[attr-defined]
        generated = str(response.message.content or "")
    except LLMUnavailable as error:
        return _fallback(question, evidence, engine, f"{mode.value} is not available: {error}")
    except Exception as error:  # noqa: BLE001 - any backend failure falls back the same way
        log.warning("LLM %s failed: %s: %s", mode.value, type(error).__name__, error)
        return _fallback(question, evidence, engine, f"{mode.value} failed ({type(error).__name__}: {error})")
    drafts, removed = check_generated(question, generated, given, engine.retriever.embed_model)
    if not drafts:
        if says_nothing(generated):
            return abstain(question, mode.value, removed=removed)
        return extractive_answer(
            question,
            evidence,
            engine.retriever.embed_model,
            mode=mode.value,
            removed=removed,
            notes=["no generated sentence passed the checks; showing the article sentences instead"],
        )
    drafts = mark_conflicts(drafts, engine.retriever.embed_model)
    return finish(question, mode.value, drafts, removed=removed)


def _fallback(question: str, evidence: list, engine: AnswerEngine, note: str) -> Answer:
    return extractive_answer(
        question, evidence, engine.retriever.embed_model, notes=[note + "; showing the extractive answer"]
    )
