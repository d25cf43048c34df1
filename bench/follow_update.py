"""What following questions adds to an index update: the same update of new articles timed with no
follow hook, with the hook and no follows, and with the hook and 1,000 follows, in one run.

    OMP_NUM_THREADS=1 .venv/bin/python bench/follow_update.py --out bench/results/follow_update.json
    ... --recall     # also answer every follow again on the updated index: what the term filter misses

Real news: RealTimeQA 2024 (../shared/data, never copied here), questions in date order. The base
index holds the articles of the first --base-questions questions; the update brings --new articles
of the questions after them. The follows are the first --follows questions, each followed with its
own answer on the base index as the baseline, in channels of a Discord server (100 channels, so
each change also gets a delivery row), as `/follow` stores them.

Each timed run starts from its own copy of the base data folder, in its own process, with the
models an indexer or a bot has loaded already loaded before the clock starts (the indexing models,
and for the hook the answering engine: a one-shot `factdesk index` also pays the engine's load,
shown apart). The clock covers `Indexer.update()`, the one call every writer makes: tagging,
embedding and writing the new articles, then the hook. Rounds alternate the three runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import index.offline  # noqa: F401

RTQA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "realtimeqa-2024"
MODES = ("no hook", "hook, no follows", "hook, follows")
CHANNELS = 100


def settings_for(corpus: Path, data: Path, threads: int) -> Any:
    from bot.settings import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        corpus_dir=corpus,
        data_dir=data,
        threads=threads,
        follow_max_per_channel=100_000,
        follow_max_per_user=100_000,
    )


def prepare(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Corpus and base index, the incoming articles, and the follows with their baselines."""
    from evaluation.rtqa_data import load_questions, write_articles

    questions = sorted(load_questions(RTQA / "qa.jsonl.gz"), key=lambda q: (q.date, q.id))
    corpus, incoming = root / "corpus", root / "incoming"
    write_articles(RTQA, {q.id for q in questions[: args.base_questions]}, corpus)
    base_ids = {path.stem for path in corpus.glob("*.md")}
    after = questions[args.base_questions : args.base_questions + 20]
    write_articles(RTQA, {q.id for q in after}, incoming)
    new = [path for path in sorted(incoming.glob("*.md")) if path.stem not in base_ids][: args.new]
    for path in incoming.glob("*.md"):
        if path not in new:
            path.unlink()
    print(f"base: {len(base_ids)} articles of {args.base_questions} questions; update: {len(new)} new articles")

    from index.build import update_index

    settings = settings_for(corpus, root / "base", args.threads)
    started = time.perf_counter()
    report = update_index(settings.index_config())
    print(f"base index: {report.chunks_written} chunks in {time.perf_counter() - started:.0f} s", flush=True)

    from bot.answering.config import AnswerMode
    from bot.answering.engine import AnswerEngine, answer_question
    from bot.follows.models import Snapshot, discord_place
    from bot.follows.notice import keep_evidence
    from bot.follows.store import FollowStore
    from index.search import SearchFilters

    engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
    store = FollowStore(settings.follow_config())
    started = time.perf_counter()
    followed = questions[: args.follows]
    for number, question in enumerate(followed):
        answer = answer_question(question.text, engine, mode=AnswerMode.EXTRACTIVE)
        channel, user = discord_place(1000 + number % CHANNELS), f"discord:{2000 + number}"
        store.add(answer.question, Snapshot.of(answer), channel=channel, user=user)
        keep_evidence(store, engine, answer.question, SearchFilters())
    abstained = sum(follow.snapshot.abstained for follow in store.follows())
    print(f"{len(followed)} follows answered in {time.perf_counter() - started:.0f} s ({abstained} abstained)")
    for path in new:
        shutil.move(path, corpus / path.name)
    return {
        "base_articles": len(base_ids),
        "new_articles": len(new),
        "new_chars": sum(len((corpus / p.name).read_text(encoding="utf-8")) for p in new),
        "follows": len(followed),
        "follows_abstained": abstained,
    }


def worker(mode: str, corpus: Path, data: Path, threads: int) -> dict[str, Any]:
    """One timed update in this process, models loaded first."""
    from bot.answering.engine import AnswerEngine
    from bot.follows.notice import FollowReport, follow_hook
    from index.claims.learned.models import load_tagger
    from index.claims.rules import load_nlp
    from index.embedding import load_embedder
    from index.indexer import Indexer

    settings = settings_for(corpus, data, threads)
    load_embedder(settings.embed_model, threads)
    load_nlp()
    load_tagger()
    reports: list[FollowReport] = []
    hook = None
    engine_load = 0.0
    if mode != "no hook":
        if mode == "hook, no follows":
            for path in data.glob(settings.follow_config().database.name + "*"):  # with its -wal, -shm
                path.unlink()
        started = time.perf_counter()
        engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
        engine.searcher.store.status()
        engine_load = time.perf_counter() - started
        hook = follow_hook(settings.follow_config(), lambda: engine, reports.append)
    indexer = Indexer(settings.index_config(), after_update=hook)
    started = time.perf_counter()
    report = indexer.update()
    seconds = time.perf_counter() - started
    followed = reports[0] if reports else FollowReport()
    return {
        "mode": mode,
        "seconds": seconds,
        "added": len(report.added),
        "chunks": report.chunks_written,
        "engine_load_s": engine_load,
        "hook_s": followed.seconds,
        "follows": followed.follows,
        "candidates": followed.candidates,
        "answered": followed.answered,
        "changes": [(c.follow_id, c.change.kind.value) for c in followed.changes],
        "problems": list(followed.problems),
    }


def recall(corpus: Path, base: Path, updated: Path, threads: int) -> dict[str, Any]:
    """Answer every follow again on the updated index and compare it with its baseline: the changes
    there are, against those the hook found (it re-answered only the follows it selected)."""
    from bot.answering.config import AnswerMode
    from bot.answering.engine import AnswerEngine, answer_question
    from bot.follows.compare import changes_between
    from bot.follows.notice import text_similarity
    from bot.follows.store import FollowStore
    from index.store import open_store

    settings = settings_for(corpus, updated, threads)
    engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
    store = open_store(settings.index_config())
    active = store.pointer().active or ""
    base_store = open_store(settings_for(corpus, base, threads).index_config())
    before = set(base_store.catalog_hashes(base_store.pointer().active or ""))
    fresh = set(store.catalog_hashes(active)) - before
    follows = FollowStore(settings_for(corpus, base, threads).follow_config()).follows()
    started = time.perf_counter()
    found = []
    for follow in follows:
        answer = answer_question(follow.question, engine, mode=AnswerMode.EXTRACTIVE)
        for change in changes_between(follow.snapshot, answer, fresh, text_similarity(engine)):
            found.append((follow.id, change.kind.value))
    return {"changes": found, "seconds": time.perf_counter() - started, "fresh": len(fresh)}


def run_worker(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False, env=os.environ.copy()
    )
    if result.returncode != 0:
        raise SystemExit(f"worker {args[:2]} failed:\n{result.stderr[-3000:]}")
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--follows", type=int, default=1000)
    parser.add_argument("--new", type=int, default=20, help="articles in the timed update")
    parser.add_argument("--base-questions", type=int, default=12, help="questions whose articles form the base")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--recall", action="store_true", help="also answer every follow again (slow)")
    parser.add_argument("--out", type=Path, help="write the JSON results here (bench/results/...)")
    parser.add_argument(
        "--work", type=Path, help="keep the work folder here, and reuse what an earlier run prepared in it"
    )
    parser.add_argument("--worker", choices=[*MODES, "recall"])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--base", type=Path)
    args = parser.parse_args()
    if args.worker == "recall":
        print(json.dumps(recall(args.corpus, args.base, args.data, args.threads)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args.data, args.threads)))
        return

    with tempfile.TemporaryDirectory() as temp:
        root = args.work or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        prepared = root / "setup.json"
        if prepared.is_file():  # a --work folder prepared by an earlier run: corpus, base index, follows
            setup = json.loads(prepared.read_text())
            print(f"reusing the corpus, base index and follows in {root}")
        else:
            setup = prepare(root, args)
            prepared.write_text(json.dumps(setup))
        runs: list[dict[str, Any]] = []
        for number in range(args.rounds):
            for mode in MODES:
                data = root / f"run-{number}-{mode.replace(',', '').replace(' ', '-')}"
                shutil.rmtree(data, ignore_errors=True)
                shutil.copytree(root / "base", data)
                result = run_worker("--worker", mode, "--corpus", str(root / "corpus"), "--data", str(data))
                result["round"] = number
                runs.append(result)
                print(f"round {number + 1}, {mode}: {result['seconds']:.1f} s", flush=True)
        checked = None
        if args.recall:
            updated = root / "run-0-hook-follows"
            checked = run_worker(
                "--worker", "recall", "--corpus", str(root / "corpus"), "--data", str(updated),
                "--base", str(root / "base"),
            )  # fmt: skip
    report(setup, runs, checked, args)


def report(setup: dict[str, Any], runs: list[dict[str, Any]], checked: dict[str, Any] | None, args: Any) -> None:
    """Each run against the run without a hook of the same round (the machine's load drifts between
    rounds): the median of those paired ratios, their range, and the hook's own seconds."""
    by_mode = {mode: [run for run in runs if run["mode"] == mode] for mode in MODES}
    baseline = {run["round"]: run["seconds"] for run in by_mode["no hook"]}
    paired = {mode: [run["seconds"] / baseline[run["round"]] - 1 for run in found] for mode, found in by_mode.items()}
    hook_share = {mode: [run["hook_s"] / baseline[run["round"]] for run in found] for mode, found in by_mode.items()}
    print(
        f"\n{setup['new_articles']} new articles ({setup['new_chars']:,} characters) on a base of "
        f"{setup['base_articles']}; {setup['follows']} follows ({setup['follows_abstained']} answered "
        f'"the articles don\'t say"); {args.rounds} rounds; update: wall time of Indexer.update(), median'
    )
    print(
        f"{'run':20} {'update s':>9} {'added':>8} {'range':>17} {'hook s':>7} {'hook share':>10} "
        f"{'candidates':>10} {'answered':>9} {'changes':>8}"
    )
    for mode in MODES:
        found, last = by_mode[mode], by_mode[mode][-1]
        seconds = statistics.median(run["seconds"] for run in found)
        if mode == "no hook":
            added, spread, share = "baseline", "", ""
        else:
            added = f"{statistics.median(paired[mode]):+.1%}"
            spread = f"{min(paired[mode]):+.0%} .. {max(paired[mode]):+.0%}"
            share = f"{statistics.median(hook_share[mode]):.1%}"
        hook = statistics.median(run["hook_s"] for run in found)
        print(
            f"{mode:20} {seconds:9.1f} {added:>8} {spread:>17} {hook:7.2f} {share:>10} {last['candidates']:10d} "
            f"{last['answered']:9d} {len(last['changes']):8d}"
        )
    print("added: the run against the no-hook run of the same round; hook share: the hook's own seconds against it")
    engine_load = statistics.median(run["engine_load_s"] for run in by_mode["hook, follows"])
    print(f"answering engine load, outside the clock (a one-shot `factdesk index` pays it once): {engine_load:.1f} s")
    results: dict[str, Any] = {
        "setup": setup,
        "rounds": args.rounds,
        "threads": args.threads,
        "added_median": {mode: statistics.median(paired[mode]) for mode in MODES},
        "hook_share_median": {mode: statistics.median(hook_share[mode]) for mode in MODES},
        "runs": runs,
        "date": time.strftime("%Y-%m-%d"),
    }
    if checked is not None:
        hooked = {tuple(change) for change in by_mode["hook, follows"][0]["changes"]}
        everything = {tuple(change) for change in checked["changes"]}
        missed, extra = sorted(everything - hooked), sorted(hooked - everything)
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(Counter(k for _, k in missed).items()))
        print(
            f"answering all {setup['follows']} follows again ({checked['seconds']:.0f} s): {len(everything)} changes; "
            f"the hook found {len(hooked & everything)}, missed {len(missed)} ({kinds or 'none'}), "
            f"found {len(extra)} not there"
        )
        results["recall"] = {**checked, "missed": missed, "extra": extra}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
