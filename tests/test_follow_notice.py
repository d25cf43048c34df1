"""The hook after an update, on the real index of the test news: answering a follow again gives
exactly `answer_question`'s extractive answer, a follow whose answer cannot cite a new article is
not answered, a damaged follow is reported while the others are checked, and an update with no
follows loads nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.answering.config import AnswerMode
from bot.answering.drafts import abstain
from bot.answering.engine import AnswerEngine, answer_question
from bot.follows.config import FollowConfig
from bot.follows.models import ChangeKind, Snapshot
from bot.follows.notice import answer_again, follow_hook, keep_evidence, notice_changes, vector_model
from bot.follows.store import FollowStore
from index.build import IndexReport
from index.search import SearchFilters

QUESTIONS = [
    "How much will the Harbor Bridge repairs cost?",
    "Does the mayor plan to sell the port authority?",
    "When did the Riverside library reopen?",
    "Why did the US restrict exports of the Mythos model, and is that confirmed?",
]


def every_article(engine: AnswerEngine) -> tuple[str, list[str]]:
    generation = engine.searcher.live_generation()
    return generation, sorted(engine.searcher.store.catalog_hashes(generation))


@pytest.mark.parametrize("question", QUESTIONS)
def test_answering_again_is_answer_question_in_the_extractive_mode(news_engine: AnswerEngine, question: str) -> None:
    _, ids = every_article(news_engine)
    again = answer_again(question, SearchFilters(), news_engine, set(ids))
    assert again is not None
    answer, evidence = again
    assert answer == answer_question(question, news_engine, mode=AnswerMode.EXTRACTIVE)
    assert evidence and answer.claims
    assert answer_again(question, SearchFilters(), news_engine, {"an-article-not-in-this-index"}) is None


def test_a_damaged_follow_is_reported_and_the_others_are_checked(news_engine: AnswerEngine, tmp_path: Path) -> None:
    config = FollowConfig(data_dir=tmp_path)
    store = FollowStore(config)
    nothing = Snapshot.of(abstain(QUESTIONS[0], "extractive"))
    damaged, _ = store.add(QUESTIONS[2], nothing, channel="cli", user="cli")
    intact, _ = store.add(QUESTIONS[0], nothing, channel="cli", user="cli")
    with sqlite3.connect(config.database) as connection:
        connection.execute("UPDATE follows SET snapshot = '{\"abstained\": 3' WHERE id = ?", (damaged.id,))
    generation, ids = every_article(news_engine)
    report = notice_changes(IndexReport(added=tuple(ids), generation=generation), lambda: news_engine, store, config)
    assert report.candidates == 2 and report.answered == 1
    (change,) = report.changes
    assert change.follow_id == intact.id and change.change.kind is ChangeKind.ANSWERED
    (problem,) = report.problems
    assert problem.startswith(f"follow {damaged.id} could not be checked: ValidationError")


def test_an_update_with_no_follows_loads_no_answering_engine(tmp_path: Path) -> None:
    def never() -> AnswerEngine:
        raise AssertionError("the engine was loaded")

    reports: list[object] = []
    hook = follow_hook(FollowConfig(data_dir=tmp_path), never, reports.append)
    hook(IndexReport(added=("a",), generation="g"))
    assert reports == [] and not (tmp_path / "follows.sqlite3").exists()
    store = FollowStore(FollowConfig(data_dir=tmp_path))
    assert not store.remove(1) and not store.exists  # looking creates nothing either
    store.add("q", Snapshot(abstained=True), channel="cli", user="cli")
    hook(IndexReport(generation="g"))  # follows, but nothing new: still nothing loaded
    assert [type(report).__name__ for report in reports] == ["FollowReport"]


def test_kept_sentence_vectors_spare_another_process_embedding_them(
    news_engine: AnswerEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FollowStore(FollowConfig(data_dir=tmp_path))
    question = QUESTIONS[0]
    keep_evidence(store, news_engine, question, SearchFilters())
    generation, ids = every_article(news_engine)
    versions = {i: h for i, h in news_engine.searcher.store.catalog_hashes(generation).items()}
    assert store.sentence_vectors(vector_model(news_engine), versions)

    cold = AnswerEngine(news_engine.config, news_engine.searcher)  # another process: nothing in memory
    embedded: list[str] = []
    embedder = cold.vectors.embedder
    embed = embedder.embed_documents

    def counting(texts: Any) -> Any:
        embedded.extend(texts)
        return embed(texts)

    monkeypatch.setattr(embedder, "embed_documents", counting)
    again = answer_again(question, SearchFilters(), cold, set(ids), kept=store)
    assert again is not None and again[0] == answer_question(question, news_engine, mode=AnswerMode.EXTRACTIVE)
    assert embedded == []

    store.forget_sentence_vectors(ids[:1])
    left = store.sentence_vectors(vector_model(news_engine), versions)
    assert left and all(article_id != ids[0] for article_id, _, _ in left)
