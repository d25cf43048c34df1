"""Kill the indexer (SIGKILL) at random points of an update and of a rebuild: what serves
afterwards is the old or the new version of each article, complete, never a mix; a rerun
completes. And questions asked while an update runs all get answers."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.answering.engine import answer_question
from index.articles import scan_corpus
from index.build import update_index
from index.config import IndexConfig
from index.keyword import KeywordIndex, keyword_folder
from index.store import open_store
from tests.conftest import make_settings, open_engine, write_article

FACTDESK = str(Path(sys.executable).parent / "factdesk")
TOPICS = ["bridge", "library", "ferry", "school", "harbor", "market", "stadium", "museum"]


def write_version(corpus: Path, version: int, count: int = 24) -> None:
    for number in range(count):
        topic = TOPICS[number % len(TOPICS)]
        if version == 2 and number % 6 == 5:
            (corpus / f"a{number:02d}.md").unlink(missing_ok=True)  # removed in v2
            continue
        edition = version if (version == 1 or number % 2 == 0) else 1
        body = " ".join(
            f"The {topic} project number {number} reached stage {edition} on day {day} of the works."
            for day in range(12)
        )
        write_article(corpus, f"a{number:02d}.md", title=f"{topic.title()} {number}", outlet="Daily", body=body)
    if version == 2:
        for number in range(24, 28):
            write_article(
                corpus,
                f"a{number:02d}.md",
                title=f"New {number}",
                outlet="Daily",
                body=f"A new story {number} about the harbor festival.",
            )


def hashes_of(corpus: Path) -> dict[str, str]:
    return {a.id: a.content_hash for a in scan_corpus(corpus, max_bytes=1_000_000).articles}


def served_state(config: IndexConfig) -> dict[str, str]:
    """What readers see, checked for consistency: every catalog article has exactly its chunks."""
    store = open_store(config)
    active = store.pointer().active
    assert active, "no index is serving"
    records = {record.id: record for record in store.articles(active)}
    served: dict[str, int] = {}
    for chunk in store.all_chunks(active):
        record = records.get(chunk.metadata["article_id"])
        if record is not None and record.content_hash == chunk.metadata["content_hash"]:
            served[record.id] = served.get(record.id, 0) + 1
    keywords = KeywordIndex.open_reader(keyword_folder(config.data_dir, active))
    assert keywords is not None, "the serving generation has no keyword index"
    in_keywords = keywords.version_counts()
    for record in records.values():
        assert served.get(record.id, 0) == record.chunks, f"{record.id}: partial chunks served"
        assert in_keywords[(record.id, record.content_hash)] == record.chunks, f"{record.id}: keyword index differs"
    return {record.id: record.content_hash for record in records.values()}


def kill_during(args: list[str], env: dict[str, str], delay: float) -> bool:
    """Run factdesk and SIGKILL it after `delay` seconds; True if it was still running."""
    process = subprocess.Popen([FACTDESK, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    alive = process.poll() is None
    if alive:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return alive


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")},
        "FACTDESK_CORPUS_DIR": str(tmp_path / "corpus"),
        "FACTDESK_DATA_DIR": str(tmp_path / "data"),
        "FACTDESK_THREADS": "1",
        "FACTDESK_INDEX_BATCH_ARTICLES": "3",
    }


@pytest.mark.slow
@pytest.mark.parametrize("command", [["index"], ["index", "--rebuild"]])
def test_sigkill_at_random_points_never_serves_a_mix(
    tmp_path: Path, env: dict[str, str], command: list[str], embed_model: object
) -> None:
    corpus = tmp_path / "corpus"
    config = make_settings(corpus, tmp_path / "data", index_batch_articles=3).index_config()
    write_version(corpus, 1)
    update_index(config)
    old = hashes_of(corpus)
    assert served_state(config) == old
    write_version(corpus, 2)
    new = hashes_of(corpus)

    # Kill points as shares of how long the same run takes here, timed on a copy of the data
    # folder: fixed delays proved nothing on a machine fast enough to finish before the first.
    probe = tmp_path / "probe-data"
    shutil.copytree(tmp_path / "data", probe)
    started = time.perf_counter()
    subprocess.run([FACTDESK, *command], env={**env, "FACTDESK_DATA_DIR": str(probe)}, capture_output=True, timeout=600)
    duration = time.perf_counter() - started
    shutil.rmtree(probe)
    rng = random.Random(sum(map(ord, " ".join(command))))
    killed = 0
    for delay in sorted(rng.uniform(0.4, 0.9) * duration for _ in range(3)):
        killed += kill_during(command, env, delay)
        state = served_state(config)
        for article_id, content in state.items():
            assert content in (old.get(article_id), new.get(article_id)), article_id
        if command[-1] == "--rebuild":
            assert state in (old, new)  # a rebuild flips all at once
    assert killed, "the indexer finished before any kill: the test proved nothing"

    finished = subprocess.run([FACTDESK, *command], env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert served_state(config) == new
    store = open_store(config)
    assert store.generations() == [store.pointer().active]
    assert not store.status().update_interrupted


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_questions_during_reindex_all_get_answers(
    tmp_path: Path, mode: str, request: pytest.FixtureRequest, embed_model: object
) -> None:
    overrides: dict[str, object] = {"index_batch_articles": 2}
    if mode == "server":
        host, port = request.getfixturevalue("chroma_server")
        overrides |= {"chroma_host": host, "chroma_port": port, "collection": f"c{tmp_path.name[-20:]}"}
    corpus = tmp_path / "corpus"
    settings = make_settings(corpus, tmp_path / "data", **overrides)
    write_version(corpus, 1)
    update_index(settings.index_config())
    engine = open_engine(settings)
    write_version(corpus, 2)

    failures: list[BaseException] = []
    done = threading.Event()

    def reindex() -> None:
        try:
            update_index(settings.index_config())
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=reindex)
    thread.start()
    answers = 0
    while not done.is_set() or answers < 3:
        answer = answer_question("Which stage did the bridge project reach?", engine)
        assert not answer.abstained
        assert all("bridge" in source.quote.lower() or "Bridge" in source.title for source in answer.sources)
        answers += 1
    thread.join()
    assert not failures, failures
    assert answers >= 3
    final = answer_question("What is the harbor festival story about?", engine)
    assert any(source.article_id in {"a24", "a25", "a26", "a27"} for source in final.sources)


def test_chroma_server_down_and_back(tmp_path: Path, embed_model: object) -> None:
    from index.errors import StoreUnavailable
    from tests.conftest import BIN, free_port, wait_for_port

    port = free_port()
    command = [str(BIN / "chroma"), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "db")]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        wait_for_port(port, process=process)
        return process

    server = start()
    try:
        settings = make_settings(tmp_path / "corpus", tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)
        write_version(tmp_path / "corpus", 1, count=6)
        update_index(settings.index_config())
        engine = open_engine(settings)
        assert not answer_question("Which stage did the bridge project reach?", engine).abstained
        server.terminate()
        server.wait(timeout=20)
        with pytest.raises(StoreUnavailable, match=f"chroma server http://127.0.0.1:{port}"):
            answer_question("Which stage did the bridge project reach?", engine)
        server = start()
        assert not answer_question("Which stage did the bridge project reach?", engine).abstained
    finally:
        server.terminate()
        server.wait(timeout=20)
