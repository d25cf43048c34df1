"""After every index update: answer again the follows the new or changed articles may touch,
record what changed, then send what waits for the webhook.

This is the one call every writer makes after an update (`factdesk index`, `--watch`, `fetch`,
`add`, the Discord bot's watcher and `/reindex`), through `Indexer(after_update=...)`. It runs in
the writer's process, under its lock, so changes are recorded by one process at a time. A follow
that fails to be answered is reported and the others go on; the index update itself is done
before this starts and is never undone by it.

Follows are answered again in the extractive mode whatever the configured mode: statuses,
parties and sources come from the tagger and the articles in every mode, and only wording
(which is no change) would differ, at many times the cost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from bot.follows.config import FollowConfig
from bot.follows.models import RecordedChange, Snapshot, discord_channel_id
from bot.follows.store import FollowStore

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from bot.answering.engine import AnswerEngine
    from bot.answering.evidence import Evidence
    from bot.answering.models import Answer
    from index.build import IndexReport
    from index.search import SearchFilters

log = logging.getLogger(__name__)

DISCORD_TARGET = "discord"
WEBHOOK_TARGET = "webhook"


@dataclass(frozen=True)
class FollowReport:
    """What one pass did: for the writer's output and the log."""

    follows: int = 0
    # Whose terms met the fresh articles; of those, the ones whose search retrieved a relevant fresh
    # sentence, answered again.
    candidates: int = 0
    answered: int = 0
    changes: tuple[RecordedChange, ...] = ()
    sent: int = 0
    problems: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def worth_telling(self) -> bool:
        return bool(self.answered or self.changes or self.sent or self.problems)


def targets(channel: str, config: FollowConfig) -> list[str]:
    """Where a follow's changes go besides the lists: its Discord channel, and the webhook."""
    found = [DISCORD_TARGET] if discord_channel_id(channel) is not None else []
    return found + ([WEBHOOK_TARGET] if config.webhook else [])


def notice_changes(
    report: IndexReport, engine: Callable[[], AnswerEngine], store: FollowStore, config: FollowConfig
) -> FollowReport:
    """Answer again each follow a fresh sentence may concern, and record what changed."""
    from bot.follows.touch import candidates

    started = time.perf_counter()
    fresh = tuple(dict.fromkeys((*report.added, *report.updated)))
    store.forget_sentence_vectors([*report.updated, *report.removed])
    follows = store.terms()
    if not fresh or not follows:
        return FollowReport(follows=len(follows), seconds=time.perf_counter() - started)
    loaded = engine()
    touched = candidates(follows, loaded.searcher.store.articles(report.generation, fresh))
    answered = 0
    recorded: list[RecordedChange] = []
    problems: list[str] = []
    for follow_id in touched:
        try:
            found = _check(follow_id, loaded, store, config, set(fresh))
        except Exception as error:  # one follow failing must not stop the others
            log.warning("follow %s could not be checked", follow_id, exc_info=error)
            problems.append(f"follow {follow_id} could not be checked: {type(error).__name__}: {error}")
            continue
        if found is not None:
            answered += 1
            recorded += found
    return FollowReport(
        follows=len(follows),
        candidates=len(touched),
        answered=answered,
        changes=tuple(recorded),
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
    )


def _check(
    follow_id: int, engine: AnswerEngine, store: FollowStore, config: FollowConfig, fresh: set[str]
) -> list[RecordedChange] | None:
    """The changes recorded for one follow; None when its answer cannot cite a fresh sentence."""
    from bot.follows.compare import changes_between

    follow = store.get(follow_id)
    if follow is None:
        return None
    answered = answer_again(follow.question, follow.filters(), engine, fresh, kept=store)
    if answered is None:
        return None
    answer, evidence = answered
    changes = changes_between(follow.snapshot, answer, fresh, text_similarity(engine, evidence))
    if not changes:
        return []
    return store.record(follow.id, changes, Snapshot.of(answer), targets(follow.channel, config))


def answer_again(
    question: str,
    filters: SearchFilters,
    engine: AnswerEngine,
    fresh: Collection[str],
    *,
    kept: FollowStore | None = None,
) -> tuple[Answer, list[Evidence]] | None:
    """`answer_question`'s extractive answer, built step by step so as to stop as soon as it cannot
    cite a fresh sentence: when the search retrieves no fresh passage (nothing embedded yet), or
    when no fresh sentence among the evidence is relevant (no answer assembled). Both are exact.
    The question was cleaned when it was followed. With `kept`, sentence vectors kept there are
    used, and those embedded here are kept."""
    from bot.answering.evidence import gather_evidence
    from bot.answering.selection import extractive_answer, is_relevant

    results = engine.searcher.search(question, top_k=engine.config.top_k, filters=filters)
    if not any(passage.article.id in fresh for passage in results.passages):
        return None
    if kept is not None:
        versions = {passage.article.id: passage.article.content_hash for passage in results.passages}
        recall_vectors(kept, engine, versions)
    evidence = gather_evidence(question, results, engine.vectors)
    if kept is not None:
        keep_vectors(kept, engine, evidence)
    if not any(item.article.id in fresh and is_relevant(item) for item in evidence):
        return None
    return extractive_answer(question, evidence, engine.vectors), evidence


def vector_model(engine: AnswerEngine) -> str:
    """Which embeddings kept vectors are: the answering embedder's kind and model."""
    embedder = engine.vectors.embedder
    return f"{type(embedder).__name__}:{embedder.name}"


def recall_vectors(store: FollowStore, engine: AnswerEngine, versions: Mapping[str, str]) -> None:
    found = store.sentence_vectors(vector_model(engine), versions)
    engine.vectors.remember(list(found), [np.frombuffer(blob, dtype=np.float32) for blob in found.values()])


def keep_vectors(store: FollowStore, engine: AnswerEngine, evidence: Sequence[Evidence]) -> None:
    rows = [
        (item.article.id, item.article.content_hash, item.sentence.start, item.vector.astype(np.float32).tobytes())
        for item in evidence
        if item.vector is not None
    ]
    store.keep_sentence_vectors(vector_model(engine), rows)


def keep_evidence(store: FollowStore, engine: AnswerEngine, question: str, filters: SearchFilters) -> None:
    """After following: keep the vectors of the sentences its answer read (embedded already, so
    this costs a search), for whichever process answers it again."""
    keep_vectors(store, engine, engine.evidence(question, filters))


def text_similarity(
    engine: AnswerEngine, evidence: Sequence[Evidence] = ()
) -> Callable[[Sequence[str], Sequence[str]], np.ndarray]:
    """Cosine similarity of claim texts; a claim that is an evidence sentence reuses its vector."""
    known = {item.sentence.text: item.vector for item in evidence if item.vector is not None}

    def vectors(texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            known.update(zip(missing, engine.vectors.texts(missing), strict=True))
        return np.stack([known[text] for text in texts])

    def similarity(first: Sequence[str], second: Sequence[str]) -> np.ndarray:
        similar: np.ndarray = vectors(first) @ vectors(second).T
        return similar

    return similarity


def follow_hook(
    config: FollowConfig,
    engine: Callable[[], AnswerEngine],
    on_report: Callable[[FollowReport], None] | None = None,
) -> Callable[[IndexReport], None]:
    """What `Indexer(after_update=...)` calls: notice changes, then send pending webhook deliveries.

    `engine` is called only when some follow may be touched, so an update with no follows, or none
    concerned, loads no answering model. Failures are logged and reported, never raised: the
    update they follow is complete."""
    store = FollowStore(config)

    def after_update(report: IndexReport) -> None:
        if not store.exists:
            return
        try:
            result = notice_changes(report, engine, store, config)
        except Exception as error:
            log.error("follows could not be checked after the update", exc_info=error)
            result = FollowReport(problems=(f"follows could not be checked: {type(error).__name__}: {error}",))
        if config.webhook:
            from bot.follows.webhook import deliver_webhooks

            delivered = deliver_webhooks(store, config)
            result = replace(result, sent=delivered.sent, problems=result.problems + delivered.problems)
        if on_report is not None:
            on_report(result)

    return after_update
