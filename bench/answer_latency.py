"""Warm latency of `answer_question` per answer mode, against plain llama-index retrieval.

    .venv/bin/python bench/answer_latency.py                    # seed corpus + 200 generated articles
    .venv/bin/python bench/answer_latency.py --articles 2000 --modes extractive local
    .venv/bin/python bench/answer_latency.py --rtqa .factdesk/eval-rtqa-test-full   # a RealTimeQA index
    ... --out bench/results/answer_latency.json                                      # also write JSON

With --rtqa, the index `factdesk eval rtqa` built is measured as it is (nothing re-indexed),
with 20 of the quiz questions that run evaluated, so their articles are in the index.

The baseline in the same run is plain dense vector search on the same Chroma collection with
the same query embedder (top 8 chunks, no keywords, sentences, statuses or checks): what
answering adds on top of vector search. Prints p50/p95 in milliseconds and the process's
resident memory.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import index.offline  # noqa: E402,F401

QUESTIONS = [
    "Why did the US restrict exports of the Mythos model?",
    "What is distillation of an AI model?",
    "Did a group linked to China gain access to Mythos?",
    "What did David Sacks say about the restrictions?",
    "How long will the bridge in Riverside be closed?",
    "Who plans to sell the port authority?",
    "How much will the repairs cost?",
    "What is the population of the colony on Mars?",
    "Has the White House confirmed the report?",
    "When did the library open?",
]


def _ask(question: str, *, engine: object, mode: object) -> object:
    from bot.answering.engine import answer_question

    return answer_question(question, engine, mode=mode)  # type: ignore[arg-type]


def rtqa_questions(work: Path, data: Path, count: int = 20) -> list[str]:
    """Quiz questions whose articles the work folder holds, named by it: eval-rtqa-<split>-<quickN|full>."""
    from evaluation.rtqa import load_questions, split_by_date, spread

    found = re.fullmatch(r"eval-rtqa-(dev|test)-(?:quick(\d+)|full)", work.name)
    if not found:
        raise SystemExit(f"{work} is not a work folder of `factdesk eval rtqa` (eval-rtqa-<split>-<quickN|full>)")
    asked = split_by_date(load_questions(data / "realtimeqa-2024" / "qa.jsonl.gz"), found[1])
    if found[2]:
        asked = spread(asked, int(found[2]))
    return [question.text for question in spread(asked, count)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200, help="generated articles besides the seed corpus")
    parser.add_argument("--modes", nargs="+", default=["extractive"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rtqa", type=Path, help="work folder of a `factdesk eval rtqa` run, measured as it is")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="public data sets (--rtqa)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    from generated_news import write_corpus

    from bot.answering.config import AnswerMode
    from bot.answering.engine import AnswerEngine
    from bot.settings import Settings
    from index.build import update_index

    questions = QUESTIONS
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        if args.rtqa:
            settings = Settings(
                _env_file=None,
                corpus_dir=args.rtqa / "corpus",
                data_dir=args.rtqa / "data",  # type: ignore[call-arg]
                collection="rtqa",
                threads=args.threads,
            )
            questions = rtqa_questions(args.rtqa, args.data)
        else:
            shutil.copytree(REPO / "corpus", root / "corpus")
            write_corpus(root / "corpus" / "generated", args.articles)
            settings = Settings(
                _env_file=None,
                corpus_dir=root / "corpus",
                data_dir=root / "data",  # type: ignore[call-arg]
                threads=args.threads,
            )
            update_index(settings.index_config())
        started = time.perf_counter()
        engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
        _ask("What happened this week?", engine=engine, mode=AnswerMode.EXTRACTIVE)  # not a timed question
        cold = time.perf_counter() - started
        status = engine.searcher.store.status()
        print(f"index: {status.articles} articles, {status.chunks} chunks; {args.threads} thread(s)")
        print(f"loading the bot and its first answer (models, keyword index over all chunks): {cold:.1f} s")

        store = engine.searcher.store
        chunks = store.chunks(store.pointer().active or "")
        embedder = engine.searcher.embedder

        def baseline(question: str) -> object:
            return chunks.query(query_embeddings=[embedder.embed_query(question)], n_results=8)

        def time_calls(call) -> tuple[list[float], list[float]]:
            """First round: questions never asked before; later rounds: the same questions again."""
            for question in ("warm-up: what happened?", "warm-up: who said it?"):
                call(question)
            first, repeated = [], []
            for round_number in range(args.rounds):
                for question in questions:
                    started = time.perf_counter()
                    call(question)
                    (first if round_number == 0 else repeated).append((time.perf_counter() - started) * 1000)
            return first, repeated

        rows = []
        for name, call in [("plain dense vector search, top 8 (baseline)", baseline)] + [
            (f"factdesk answer_question ({mode})", partial(_ask, engine=engine, mode=AnswerMode(mode)))
            for mode in args.modes
        ]:
            first, repeated = time_calls(call)
            rows.append((name + ", new questions", first))
            if repeated:
                rows.append((name + ", repeated", repeated))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\n{'path':64} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for name, timings in rows:
        print(
            f"{name:64} {len(timings):6d} {percentile(timings, 0.5):8.1f} {percentile(timings, 0.95):8.1f} "
            f"{statistics.fmean(timings):8.1f}"
        )
    print(f"\npeak resident memory of this process (index, models, answers): {rss:,.0f} MB")
    if args.out:
        result = {
            "command": " ".join(sys.argv),
            "articles": status.articles,
            "chunks": status.chunks,
            "threads": args.threads,
            "load_and_first_answer_s": round(cold, 2),
            "peak_rss_mb": round(rss),
            "paths": [
                {
                    "path": name,
                    "calls": len(timings),
                    "p50_ms": round(percentile(timings, 0.5), 1),
                    "p95_ms": round(percentile(timings, 0.95), 1),
                    "mean_ms": round(statistics.fmean(timings), 1),
                }
                for name, timings in rows
            ],
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
