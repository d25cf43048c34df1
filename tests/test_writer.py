"""The one writer of a generation, the embedder's precision and batching, and the tagging worker
that starts before the first batch is needed."""

from __future__ import annotations

import ast
import gzip
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from index.articles import parse_article, scan_corpus
from index.claims.ahead import tagged_ahead
from index.config import IndexConfig
from index.embedding import LlamaIndexEmbedder, choose_precision, load_embedder, native_bf16_flag
from index.keyword import keyword_folder
from index.store import ArticleRecord, open_store
from index.writer import GenerationWriter
from tests.conftest import REPO, run, write_article

# Every call that changes a store; only index/writer.py may make them (index/store.py and
# index/keyword.py define them).
WRITES = {
    "put_chunks",
    "put_articles",
    "delete_stale_chunks",
    "delete_articles",
    "sweep",
    "set_pointer",
    "set_reprints",
    "drop_generation",
    "delete_stale",
    "delete_version",
    "drop_keyword_index",
}
DEFINERS = {"index/writer.py", "index/store.py", "index/keyword.py"}


def test_only_the_writer_writes_the_stores() -> None:
    found = []
    for folder in ("index", "bot", "evaluation", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if relative in DEFINERS:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = (
                    getattr(node.func, "attr", getattr(node.func, "id", None)) if isinstance(node, ast.Call) else None
                )
                if name in WRITES:
                    found.append(f"{relative}:{node.lineno} {name}")
    assert not found, found


def record(article_id: str) -> ArticleRecord:
    return ArticleRecord(
        article_id, title=article_id, outlet="Daily", content_hash="h" + article_id, path="x.md", chunks=0
    )


def test_a_new_generation_left_with_an_error_is_dropped(tmp_path: Path) -> None:
    config = IndexConfig(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    store = open_store(config)
    with pytest.raises(RuntimeError), GenerationWriter.new(store, config) as writer:
        writer.put([], [record("a")])
        assert store.generations() == [writer.generation]
        raise RuntimeError("killed half way")
    assert store.generations() == []
    assert not keyword_folder(config.data_dir, writer.generation).exists()
    assert store.pointer().active is None


def test_a_partitioned_writer_refuses_another_workers_article(tmp_path: Path) -> None:
    config = IndexConfig(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data", partition=(1, 2))
    store = open_store(config)
    ids = [f"article-{number}" for number in range(20)]
    mine = next(i for i in ids if config.owns(i))
    theirs = next(i for i in ids if not config.owns(i))
    with GenerationWriter(store, config, "factdesk-gshared", fresh=False) as writer:
        writer.put([], [record(mine)])
        with pytest.raises(ValueError, match="does not own"):
            writer.put([], [record(theirs)])
        with pytest.raises(ValueError, match="does not own"):
            writer.remove([theirs])
        assert (config.data_dir / "update-in-progress").exists()  # marked in its own folder, not the pointer
        writer.finish()
    assert not (config.data_dir / "update-in-progress").exists()
    assert store.catalog_hashes("factdesk-gshared") == {mine: "h" + mine}


def test_a_first_index_that_was_killed_goes_on_from_its_last_batch(
    tmp_path: Path, embed_model: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.build import update_index
    from index.store import IndexStore

    config = IndexConfig(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data", threads=1, batch_articles=1)
    for name in ("a", "b", "c"):
        write_article(config.corpus_dir, f"{name}.md", title=name.upper(), outlet="Daily", body=f"Story {name} ran.")
    real_put = IndexStore.put_articles
    calls: list[int] = []

    def killed_at_the_second_batch(self: IndexStore, generation: str, records: list) -> None:  # type: ignore[type-arg]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_put(self, generation, records)

    monkeypatch.setattr(IndexStore, "put_articles", killed_at_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        update_index(config)
    monkeypatch.undo()
    assert open_store(config).status().update_interrupted
    resumed = update_index(config)
    assert resumed.added == ("b", "c") and resumed.notes  # "a" was kept, b's orphan chunks swept
    status = open_store(config).status()
    assert (status.articles, status.update_interrupted) == (3, False)
    assert open_store(config).generations() == [status.generation]


# --- precision ------------------------------------------------------------------------------------


def cpuinfo(folder: Path, flags: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 {flags}\n\nprocessor\t: 1\n")
    return path


def test_precision_follows_the_cpu_unless_forced(tmp_path: Path) -> None:
    with_bf16 = cpuinfo(tmp_path / "sapphire", "avx512f avx512_bf16")
    without = cpuinfo(tmp_path / "skylake", "avx2 avx512f")
    assert native_bf16_flag(with_bf16) == "avx512_bf16"
    assert choose_precision("auto", with_bf16).describe() == "bf16 (autocast, the CPU has avx512_bf16)"
    assert native_bf16_flag(cpuinfo(tmp_path / "amx", "amx_tile amx_bf16")) == "amx_bf16"
    assert native_bf16_flag(without) is None
    assert choose_precision("auto", without).describe() == "fp32 (the CPU has no native bf16)"
    assert not choose_precision("auto", tmp_path / "missing").bf16  # no /proc: fp32
    assert not choose_precision("fp32", with_bf16).bf16
    assert choose_precision("bf16", without).bf16


def test_bf16_embeds_nearly_as_fp32_and_keeps_the_order(embed_model: object) -> None:
    texts = [
        "Short.",
        "The harbor bridge will close for two weeks of repairs, the city said on Monday. " * 6,
        "Officials said 1,234,567 dollars, 89.5 percent and 4/5/2024 were in the budget documents.",
        "A court in Rotterdam ruled against the port authority.",
    ] * 9  # 36 texts: two batches
    fp32 = load_embedder("all-MiniLM-L6-v2", 1, "fp32")
    bf16 = load_embedder("all-MiniLM-L6-v2", 1, "bf16")
    reference = fp32.embed_documents(texts)
    alone = np.stack([fp32.embed_documents([text])[0] for text in texts[:4]])
    assert np.allclose(reference[:4], alone, atol=1e-5)  # each row is its own text's vector
    assert np.allclose(reference[4:8], reference[:4], atol=1e-5)
    lower = bf16.embed_documents(texts)
    assert np.allclose(np.linalg.norm(lower, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(reference * lower, axis=1)
    assert cosine.min() > 0.999
    assert not np.array_equal(reference, lower)  # autocast really ran in bf16


def test_batches_are_sorted_by_word_pieces(embed_model: object) -> None:
    """Numbers and rare words are many word pieces in few characters: sorting by characters
    would put them with the short texts."""
    dense = "4/5/2024 1,234,567 Rotterdam-Zuid 89.5% 0x1F" * 3  # few characters, many pieces
    plain = " ".join(["the cat sat on the mat and then it went to sleep in the sun"] * 3)  # the other way round
    texts = [dense] * 32 + [plain] * 32
    embedder = load_embedder("all-MiniLM-L6-v2", 1, "fp32")
    lengths = embedder._lengths(texts)
    assert lengths[0] > lengths[-1] and len(texts[0]) < len(texts[-1])
    seen: list[list[str]] = []

    class Spy:
        def get_text_embedding_batch(self, batch: list[str]) -> list[list[float]]:
            seen.append(batch)
            return embedder.model.get_text_embedding_batch(batch)

    spied = LlamaIndexEmbedder("spy", Spy(), embedder.precision)  # type: ignore[arg-type]
    spied._tokenizer = embedder._tokenizer
    vectors = spied.embed_documents(texts)
    assert seen[0] == [plain] * 32 and seen[1] == [dense] * 32  # no batch pads plain texts to dense ones
    assert np.allclose(vectors[0], vectors[1]) and not np.allclose(vectors[0], vectors[-1])  # order kept


def test_status_says_which_precision_embeds(tmp_path: Path) -> None:
    auto = run(tmp_path, "index", "--status")
    assert auto.returncode == 0, auto.stderr
    expected = "bf16 (autocast, the CPU has" if native_bf16_flag() else "fp32 (the CPU has no native bf16)"
    assert expected in " ".join(auto.stdout.split())
    forced = run(tmp_path, "index", "--status", env={"FACTDESK_EMBED_PRECISION": "fp32"})
    assert "fp32 (forced by FACTDESK_EMBED_PRECISION)" in " ".join(forced.stdout.split())
    bad = run(tmp_path, "index", "--status", env={"FACTDESK_EMBED_PRECISION": "fp16"})
    assert bad.returncode == 1 and bad.stderr.startswith("error:") and "EMBED_PRECISION" in bad.stderr.upper()
    assert "Traceback" not in bad.stderr


def test_torch_takes_the_second_core_only_when_the_tagger_waits_and_it_is_faster() -> None:
    from index.cores import CoreSharing

    busy = [False]
    loaded = CoreSharing(2, lambda: busy[0], tries=2, keep=5)
    speed = {1: 1000.0, 2: 600.0}  # a busy machine: two threads are slower
    chosen = []
    for _ in range(12):
        threads = loaded.choose()
        chosen.append(threads)
        loaded.record(threads, int(speed[threads]), 1.0)
    assert chosen[:4] == [1, 1, 2, 2]  # both measured first
    assert set(chosen[4:10]) == {1}  # then the faster
    idle = CoreSharing(2, lambda: busy[0], tries=2, keep=5)
    for _ in range(6):
        threads = idle.choose()
        idle.record(threads, {1: 1000, 2: 1400}[threads], 1.0)
    assert idle.choose() == 2
    busy[0] = True
    assert idle.choose() == 1  # the tagger has its core while it tags
    assert CoreSharing(1, lambda: False).choose() == 1


# --- the tagging worker ---------------------------------------------------------------------------


def test_the_tagging_worker_starts_before_the_first_batch_is_asked_for(tmp_path: Path) -> None:
    for number in range(4):
        write_article(tmp_path / "corpus", f"a{number}.md", title=f"A {number}", outlet="Daily", body="It rained.")
    articles = scan_corpus(tmp_path / "corpus", max_bytes=100_000).articles
    before = set(multiprocessing.active_children())
    with tagged_ahead([articles[:2], articles[2:]]) as tagged:
        started = set(multiprocessing.active_children()) - before
        assert started, "no tagging worker runs before the first batch is asked for"
        results = [future.result(timeout=300) for _, future in tagged]
    assert [len(sentences) for sentences in results] == [2, 2]


def test_the_tagging_worker_ends_when_the_indexer_is_killed(tmp_path: Path) -> None:
    for number in range(4):
        write_article(tmp_path / "corpus", f"a{number}.md", title=f"A {number}", outlet="Daily", body="It rained.")
    script = textwrap.dedent(
        f"""
        import multiprocessing, sys, time
        from pathlib import Path
        from index.articles import scan_corpus
        from index.claims.ahead import tagged_ahead

        if __name__ == "__main__":
            articles = scan_corpus(Path({str(tmp_path / "corpus")!r}), max_bytes=100_000).articles
            with tagged_ahead([articles[:2], articles[2:]]) as tagged:
                next(iter(tagged))[1].result(timeout=300)
                print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
                time.sleep(600)
        """
    )
    indexer = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in indexer.stdout.readline().split()]  # type: ignore[union-attr]
        assert workers
    finally:
        indexer.kill()  # SIGKILL: nothing in the indexer runs any more
        indexer.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(map(running, workers)):
        time.sleep(0.5)
    alive = [pid for pid in workers if running(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the tagging worker outlived the killed indexer"


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- RealTimeQA articles, read once for the evaluation and the benches ----------------------------


def test_rtqa_search_results_filter_and_write_valid_articles(tmp_path: Path) -> None:
    from evaluation.rtqa_data import search_results, write_articles

    long_text = "The council approved the new harbor budget on Tuesday after a long debate. " * 4
    rows = [
        {
            "question_id": "q1",
            "search_result": [
                {"url": "https://example.org/a", "title": "A", "text": long_text, "publish_date": "2024/03/05"},
                {"url": "https://example.org/short", "title": "Short", "text": "Too short."},
                {"url": None, "title": "No address", "text": long_text},
                {"url": "https://news.example.com/b", "title": 'B: "quoted"', "text": long_text, "publish_date": "?"},
            ],
        },
        {"question_id": "q2", "search_result": None},
    ]
    with gzip.open(tmp_path / "gcs.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    found = dict(search_results(tmp_path))
    assert [r.url for r in found["q1"]] == ["https://example.org/a", "https://news.example.com/b"]
    assert found["q2"] == []
    assert [r.published for r in found["q1"]] == ["2024-03-05", None]
    for result in found["q1"]:
        article = parse_article(result.markdown().encode(), f"{result.id}.md", max_bytes=100_000)
        assert article.meta.title == result.title and article.meta.outlet == result.url.split("/")[2]
    per_question = write_articles(tmp_path, {"q1"}, tmp_path / "corpus")
    assert per_question == {"q1": [r.id for r in found["q1"]]}
    assert sorted(p.stem for p in (tmp_path / "corpus").glob("*.md")) == sorted(r.id for r in found["q1"])


def test_make_bench_installs_what_the_benches_import() -> None:
    """The plain llama-index baseline's Chroma store comes from the `bench` extra `make bench` installs."""
    makefile = (REPO / "Makefile").read_text()
    assert '-e ".[test,bench]"' in makefile and "bench: $(VENV)/.bench" in makefile
    pyproject = (REPO / "pyproject.toml").read_text()
    assert "llama-index-vector-stores-chroma" in pyproject.split("bench = [")[1].split("]")[0]
