"""Incremental indexing against a real Chroma (embedded and `chroma run`) with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.build import update_index
from index.config import IndexConfig
from index.search import Passage, Searcher
from index.store import open_store
from tests.conftest import SEED_CORPUS, make_settings, open_engine, write_article


def config_for(tmp_path: Path, **overrides: object) -> IndexConfig:
    return make_settings(tmp_path / "corpus", tmp_path / "data", **overrides).index_config()


def chunk_ids(config: IndexConfig) -> dict[str, set[str]]:
    store = open_store(config)
    by_article: dict[str, set[str]] = {}
    for chunk in store.all_chunks(store.pointer().active):
        by_article.setdefault(chunk.metadata["article_id"], set()).add(chunk.id)
    return by_article


def passage_text(passage: Passage) -> str:
    return passage.article.body[passage.start : passage.end]


def three_articles(corpus: Path) -> None:
    write_article(corpus, "a.md", title="Alpha", outlet="One", body="The alpha plant opened in 2020. " * 5)
    write_article(corpus, "b.md", title="Beta", outlet="Two", body="Beta shipped a new phone to stores. " * 5)
    write_article(corpus, "c.md", title="Gamma", outlet="Three", body="Gamma rays were detected by the lab. " * 5)


@pytest.fixture(params=["embedded", "server"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> IndexConfig:
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        # Each test gets its own collection names on the shared server.
        return config_for(tmp_path, chroma_host=host, chroma_port=port, collection=f"t{tmp_path.name[-20:]}")
    return config_for(tmp_path)


def test_incremental_lifecycle(config: IndexConfig, embed_model: object) -> None:
    three_articles(config.corpus_dir)
    first = update_index(config)
    assert first.added == ("a", "b", "c") and first.chunks_written >= 3
    before = chunk_ids(config)

    again = update_index(config)
    assert again.skipped == ("a", "b", "c")
    assert (again.added, again.updated, again.removed, again.chunks_written) == ((), (), (), 0)
    assert chunk_ids(config) == before

    write_article(config.corpus_dir, "b.md", title="Beta", outlet="Two", body="Beta recalled the phone. " * 5)
    edited = update_index(config)
    assert edited.updated == ("b",) and edited.skipped == ("a", "c")
    after = chunk_ids(config)
    assert after["a"] == before["a"] and after["c"] == before["c"]
    assert after["b"].isdisjoint(before["b"])  # old chunks of b are gone, new ones in

    (config.corpus_dir / "c.md").unlink()
    removed = update_index(config)
    assert removed.removed == ("c",)
    assert "c" not in chunk_ids(config)
    assert {r.id for r in open_store(config).article_summaries(open_store(config).pointer().active)} == {"a", "b"}

    write_article(config.corpus_dir, "d.md", title="Delta", outlet="Four", body="Delta airline added flights to Oslo.")
    added = update_index(config)
    assert added.added == ("d",)

    from bot.answering.engine import answer_question

    engine = open_engine(
        make_settings(
            config.corpus_dir,
            config.data_dir,
            chroma_host=config.chroma_host,
            chroma_port=config.chroma_port,
            collection=config.collection,
        )
    )
    answer = answer_question("Which airline added flights to Oslo?", engine)
    assert not answer.abstained
    assert answer.sources[0].article_id == "d"
    recalled = answer_question("Did Beta recall the phone?", engine)
    assert any("recalled" in s.quote for s in recalled.sources)
    assert not any("shipped a new phone" in s.quote for s in recalled.sources)


def test_malformed_file_among_good_ones(tmp_path: Path, embed_model: object) -> None:
    config = config_for(tmp_path)
    three_articles(config.corpus_dir)
    (config.corpus_dir / "broken.md").write_text("---\ntitle: [oops\n---\nText")
    report = update_index(config)
    assert report.added == ("a", "b", "c")
    assert [p.path for p in report.problems] == ["broken.md"]
    assert open_store(config).status().articles == 3


def test_interrupted_rebuild_leaves_old_index_serving(tmp_path: Path, embed_model: object) -> None:
    config = config_for(
        tmp_path,
    )
    config = IndexConfig(**{**config.__dict__, "batch_articles": 1})
    three_articles(config.corpus_dir)
    update_index(config)
    store = open_store(config)
    live = store.pointer().active
    before = chunk_ids(config)

    def interrupt(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(config, rebuild=True, progress=interrupt)

    assert store.pointer().active == live
    assert store.generations() == [live]  # the partial generation was dropped
    assert chunk_ids(config) == before

    rebuilt = update_index(config, rebuild=True)
    assert rebuilt.rebuilt and store.pointer().active != live
    assert store.generations() == [store.pointer().active]
    assert chunk_ids(config).keys() == before.keys()


def test_interrupted_update_is_repaired_and_never_mixes_versions(
    tmp_path: Path, embed_model: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks written before the catalog: a crash between the two serves the old version."""
    config = IndexConfig(**{**config_for(tmp_path).__dict__, "batch_articles": 1})
    three_articles(config.corpus_dir)
    update_index(config)
    write_article(config.corpus_dir, "a.md", title="Alpha", outlet="One", body="The alpha plant closed in 2023. " * 5)
    write_article(config.corpus_dir, "b.md", title="Beta", outlet="Two", body="Beta sold its phone unit. " * 5)

    from index.store import IndexStore

    real_put = IndexStore.put_articles
    calls: list[int] = []

    def crash_on_second_catalog_write(self: IndexStore, generation: str, records: list) -> None:
        calls.append(1)
        if len(calls) == 2:  # b's new chunks are in Chroma, its catalog record is not
            raise RuntimeError("simulated crash")
        real_put(self, generation, records)

    monkeypatch.setattr(IndexStore, "put_articles", crash_on_second_catalog_write)
    with pytest.raises(RuntimeError):
        update_index(config)
    monkeypatch.undo()
    store = open_store(config)
    assert store.status().update_interrupted

    searcher = Searcher.open(config, store)
    hashes = store.catalog_hashes(store.pointer().active)
    chunk_texts = [chunk.text for chunk in store.all_chunks(store.pointer().active)]
    assert any("sold its phone" in text for text in chunk_texts)  # the orphaned new version is there
    passages = searcher.search("Did Beta sell its phone unit?", top_k=8).passages
    assert passages
    for passage in passages:
        assert passage.article.content_hash == hashes[passage.article.id]
        assert "sold" not in passage_text(passage)  # ...but never served next to the old catalog record

    repaired = update_index(config)
    assert repaired.updated == ("b",) and repaired.notes
    assert not open_store(config).status().update_interrupted
    total = sum(len(ids) for ids in chunk_ids(config).values())
    assert total == open_store(config).status().chunks


def test_changing_the_embedding_model_rebuilds(tmp_path: Path, embed_model: object) -> None:
    config = config_for(tmp_path)
    three_articles(config.corpus_dir)
    update_index(config)
    model_copy = tmp_path / "model"
    from index.embedding import resolve_model_path

    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), model_copy)
    switched = IndexConfig(**{**config.__dict__, "embed_model": str(model_copy)})
    report = update_index(switched)
    assert report.rebuilt and "embedding model changed" in report.notes[0]
    assert open_store(switched).status().embed_model == str(model_copy)


def test_seed_article_is_retrieved(tmp_path: Path, embed_model: object) -> None:
    config = config_for(tmp_path)
    shutil.copytree(SEED_CORPUS, config.corpus_dir)
    update_index(config)
    passages = Searcher.open(config).search("What is distillation of AI models?").passages
    assert passages and passages[0].article.id == "the-verge-mythos-export-report"
    assert "distillation" in passage_text(passages[0])
    status = open_store(config).status()
    assert status.articles == 1 and status.chunks >= 3 and status.embed_model == "all-MiniLM-L6-v2"


def test_store_unreachable_is_a_clear_error(tmp_path: Path) -> None:
    from index.errors import StoreUnavailable
    from tests.conftest import free_port

    config = config_for(tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreUnavailable, match=r"cannot open chroma server http://127\.0\.0\.1"):
        update_index(config)


def test_reader_with_a_warm_cache_never_mixes_versions(
    tmp_path: Path, embed_model: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crash after the catalog moved to the new version but before the old chunks were deleted."""
    from index.store import IndexStore

    config = config_for(tmp_path)
    three_articles(config.corpus_dir)
    update_index(config)
    searcher = Searcher.open(config)
    assert any("shipped" in passage_text(p) for p in searcher.search("What did Beta do with the phone?").passages)

    write_article(config.corpus_dir, "b.md", title="Beta", outlet="Two", body="Beta recalled the phone. " * 5)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash before old chunks are deleted")

    monkeypatch.setattr(IndexStore, "delete_stale_chunks", crash)
    with pytest.raises(RuntimeError):
        update_index(config)
    store = open_store(config)
    texts = [c.text for c in store.all_chunks(store.pointer().active) if c.metadata["article_id"] == "b"]
    assert any("shipped" in t for t in texts) and any("recalled" in t for t in texts)  # both versions stored

    found = searcher.search("What did Beta do with the phone?", top_k=10).passages
    passages = [p for p in found if p.article.id == "b"]
    assert passages and all("recalled" in passage_text(p) and "shipped" not in passage_text(p) for p in passages)
