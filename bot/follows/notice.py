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

from bot.follows.config import FollowConfig
from bot.follows.models import RecordedChange, Snapshot, discord_channel_id
from bot.follows.store import FollowStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from bot.answering.engine import AnswerEngine
    from bot.follows.touch import Sentence
    from index.build import IndexReport

log = logging.getLogger(__name__)

DISCORD_TARGET = "discord"
WEBHOOK_TARGET = "webhook"


@dataclass(frozen=True)
class FollowReport:
    """What one pass did: for the writer's output and the log."""

    follows: int = 0
    # Whose terms met the fresh articles, and of those, which had a relevant fresh sentence.
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
    follows = store.terms()
    if not fresh or not follows:
        return FollowReport(follows=len(follows), seconds=time.perf_counter() - started)
    loaded = engine()
    records = loaded.searcher.store.articles(report.generation, fresh)
    touched = candidates(follows, records)
    answered = 0
    recorded: list[RecordedChange] = []
    problems: list[str] = []
    for follow_id, sentences in touched.items():
        try:
            found = _check(follow_id, sentences, loaded, store, config, set(fresh))
        except Exception as error:
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
    follow_id: int,
    sentences: Sequence[Sentence],
    engine: AnswerEngine,
    store: FollowStore,
    config: FollowConfig,
    fresh: set[str],
) -> list[RecordedChange] | None:
    """The changes recorded for one follow; None when no fresh sentence is relevant to it."""
    from bot.answering.config import AnswerMode
    from bot.answering.engine import answer_question
    from bot.follows.compare import changes_between
    from bot.follows.touch import relevant_to

    follow = store.get(follow_id)
    if follow is None or not relevant_to(follow.question, sentences, engine):
        return None
    answer = answer_question(follow.question, engine, mode=AnswerMode.EXTRACTIVE, filters=follow.filters())
    changes = changes_between(follow.snapshot, answer, fresh, text_similarity(engine))
    if not changes:
        return []
    return store.record(follow.id, changes, Snapshot.of(answer), targets(follow.channel, config))


def text_similarity(engine: AnswerEngine) -> Callable[[Sequence[str], Sequence[str]], np.ndarray]:
    def similarity(first: Sequence[str], second: Sequence[str]) -> np.ndarray:
        similar: np.ndarray = engine.vectors.texts(first) @ engine.vectors.texts(second).T
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
