"""`answer_question`: a question in, a checked and cited `Answer` out.

search (hybrid, in `index.search`) -> sentences with statuses (`evidence`) -> extractive
selection, or generation followed by checks in code -> conflicts -> numbered citations, claim
statuses, abstention.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from bot.answering.config import AnswerConfig, AnswerMode
from bot.answering.conflicts import compare_sources
from bot.answering.drafts import abstain, to_answer
from bot.answering.errors import LLMUnavailable
from bot.answering.evidence import Evidence, SentenceVectors, gather_evidence
from bot.answering.models import Answer
from bot.answering.prompt import build_messages
from bot.answering.question import clean_question
from bot.answering.reprints import as_groups
from bot.answering.selection import extractive_answer, relevant
from bot.answering.timeline import asks_about_now
from bot.answering.verify import check_generated, says_nothing
from index.config import IndexConfig
from index.search import Searcher, SearchFilters

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

# Evidence sentences given to a generating model.
EVIDENCE_FOR_LLM = 8


class AnswerEngine:
    """What answering needs, loaded once per process: the searcher, sentence vectors, LLMs."""

    def __init__(self, config: AnswerConfig, searcher: Searcher) -> None:
        self.config = config
        self.searcher = searcher
        self.vectors = SentenceVectors(searcher.embedder)
        self._llms: dict[AnswerMode, LLM] = {}
        self._llm_lock = threading.Lock()

    @classmethod
    def open(cls, index: IndexConfig, config: AnswerConfig) -> AnswerEngine:
        return cls(config, Searcher.open(index))

    def llm(self, mode: AnswerMode) -> LLM:
        from bot.answering.llm import build_llm

        with self._llm_lock:
            if mode not in self._llms:
                self._llms[mode] = build_llm(self.config, mode)
            return self._llms[mode]

    def evidence(self, question: str, filters: SearchFilters | None = None) -> list[Evidence]:
        """The scored sentences a question would be answered from (also what evaluations read)."""
        results = self.searcher.search(question, top_k=self.config.top_k, filters=filters)
        return as_groups(gather_evidence(question, results, self.vectors), self.searcher)


def answer_question(
    question: str,
    engine: AnswerEngine,
    *,
    mode: AnswerMode | None = None,
    filters: SearchFilters | None = None,
) -> Answer:
    """Answer from the indexed articles only. Raises `QuestionError`, `StoreUnavailable`, `IndexEmpty`."""
    mode = mode or engine.config.mode
    question = clean_question(question, max_chars=engine.config.max_question_chars)
    evidence = engine.evidence(question, filters)
    if mode is AnswerMode.EXTRACTIVE:
        return extractive_answer(question, evidence, engine.vectors)
    given = relevant(evidence)[:EVIDENCE_FOR_LLM]
    if not given:
        return abstain(question, mode.value)
    try:
        response = engine.llm(mode).chat(build_messages(question, given))
        generated = str(response.message.content or "")
    except LLMUnavailable as error:
        return _fallback(question, evidence, engine, f"{mode.value} is not available: {error}")
    except Exception as error:  # noqa: BLE001 - any backend failure falls back the same way
        log.warning("LLM %s failed: %s: %s", mode.value, type(error).__name__, error)
        return _fallback(question, evidence, engine, f"{mode.value} failed ({type(error).__name__}: {error})")
    drafts, removed = check_generated(question, generated, given, engine.vectors)
    if not drafts:
        if says_nothing(generated):
            return abstain(question, mode.value, removed=removed)
        return extractive_answer(
            question,
            evidence,
            engine.vectors,
            mode=mode.value,
            removed=removed,
            notes=["no generated sentence passed the checks; showing the article sentences instead"],
        )
    compared = compare_sources(drafts, given, engine.vectors, about_now=asks_about_now(question))
    return to_answer(question, mode.value, compared, removed=removed)


def _fallback(question: str, evidence: list[Evidence], engine: AnswerEngine, note: str) -> Answer:
    return extractive_answer(question, evidence, engine.vectors, notes=[note + "; showing the extractive answer"])
