"""factdesk at the scale of every distinct RealTimeQA 2024 article, in one command.

    .venv/bin/python bench/scale.py --threads 2                 # all 8,817 articles (hours)
    .venv/bin/python bench/scale.py --articles 300 --steps 100  # a quick check of the script

The corpus grows in steps (1,000, 3,000, then every article): after each step the index is
brought up to date (incrementally, as a newsroom's would be) and a fresh answering process is
timed: start to first answer, resident memory, extractive p50/p95 on questions never asked
before whose articles are indexed. At the full size also: a no-change re-index, and the wall
time of a cold `factdesk ask` in its own process. In the same run, on the first
`--baseline-articles` articles, two plain llama-index baselines index the same text with the
same embedding model and threads: the default settings (SentenceSplitter at 1,024 tokens, of
which MiniLM reads 256 word pieces) and a fair one (SentenceSplitter at factdesk's 200 tokens,
so all the text is embedded); "text embedded" is the share of stored word pieces inside the
model's window. Every step runs in its own process, so memory figures are its own.

Prints a table; writes bench/results/scale.json (`--out` to change). Article texts stay outside
the repository (read from ../shared/data, written to a temporary folder).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "realtimeqa-2024"
FACTDESK = str(Path(sys.executable).parent / "factdesk")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- the corpus ------------------------------------------------------------------------------


def write_all_articles(folder: Path, limit: int | None) -> tuple[list[Path], dict[str, list[str]]]:
    """Every distinct article as a factdesk file (ordered as first met), and each question's article ids."""
    from evaluation.rtqa_data import article_id

    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    per_question: dict[str, list[str]] = {}
    seen: set[str] = set()
    with gzip.open(DATA / "gcs.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            ids = []
            for result in row.get("search_result") or []:
                url, text = result.get("url"), (result.get("text") or "").strip()
                if not url or len(text) < 200:
                    continue
                identifier = article_id(url)
                ids.append(identifier)
                if url in seen or (limit is not None and len(paths) >= limit):
                    continue
                seen.add(url)
                title = json.dumps((result.get("title") or "untitled")[:300] or "untitled")
                path = folder / f"{identifier}.md"
                front = f"title: {title}\noutlet: {json.dumps(url.split('/')[2])}\nurl: {json.dumps(url)}"
                path.write_text(f"---\n{front}\n---\n{text}\n", encoding="utf-8")
                paths.append(path)
            per_question[row["question_id"]] = ids
    return paths, per_question


def questions_for(indexed: set[str], per_question: dict[str, list[str]], count: int) -> list[str]:
    """Quiz questions whose retrieved articles are all indexed, spread over the data set."""
    from evaluation.rtqa_data import load_questions

    texts = {q.id: q.text for q in load_questions(DATA / "qa.jsonl.gz")}
    ready = [texts[q] for q, ids in sorted(per_question.items()) if ids and set(ids) <= indexed and q in texts]
    step = max(1, len(ready) // count)
    return ready[::step][:count]


# --- workers (each its own process) ------------------------------------------------------------


def worker_index(args: argparse.Namespace) -> dict[str, object]:
    from index.build import update_index
    from index.config import IndexConfig

    config = IndexConfig(corpus_dir=args.corpus, data_dir=args.data, threads=args.threads)
    started = time.perf_counter()
    report = update_index(config)
    return {
        "seconds": time.perf_counter() - started,
        "added": len(report.added),
        "updated": len(report.updated),
        "chunks_written": report.chunks_written,
        "problems": len(report.problems),
        "peak_mb": peak_mb(),
    }


def worker_answer(args: argparse.Namespace) -> dict[str, object]:
    """Start to first answer, then p50/p95 of new questions, and resident memory, in one fresh process."""
    started = time.perf_counter()
    from bot.answering.config import AnswerConfig
    from bot.answering.engine import AnswerEngine, answer_question
    from index.config import IndexConfig

    questions = json.loads(args.questions_file.read_text())
    engine = AnswerEngine.open(
        IndexConfig(corpus_dir=args.corpus, data_dir=args.data, threads=args.threads),
        AnswerConfig(threads=args.threads),
    )
    answer_question(questions[0], engine)
    first = time.perf_counter() - started
    times = []
    for question in questions[1:]:
        asked = time.perf_counter()
        answer_question(question, engine)
        times.append(1000 * (time.perf_counter() - asked))
    times.sort()
    return {
        "first_answer_s": first,
        "p50_ms": times[len(times) // 2],
        "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
        "questions": len(times),
        "rss_mb": rss_mb(),
        "torch_loaded": "torch" in sys.modules,
    }


def worker_plain(args: argparse.Namespace) -> dict[str, object]:
    """Plain llama-index into Chroma: default splitter (`--chunk 0`) or factdesk's 200-token chunks."""
    import chromadb
    from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedding import load_embedder

    embed_model = load_embedder("all-MiniLM-L6-v2", args.threads).model  # type: ignore[attr-defined]
    Settings.llm = MockLLM()
    Settings.embed_model = embed_model
    client = chromadb.PersistentClient(str(args.data), settings=chromadb.config.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("plain", embedding_function=None)
    started = time.perf_counter()
    documents = SimpleDirectoryReader(str(args.corpus)).load_data()
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    transformations = [SentenceSplitter(chunk_size=args.chunk, chunk_overlap=30)] if args.chunk else None
    VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed_model, transformations=transformations
    )
    seconds = time.perf_counter() - started
    from bench_support import plain_embedded_texts, window_share

    return {
        "articles": len(documents),
        "chunks": collection.count(),
        "seconds": seconds,
        "embedded_share": window_share(plain_embedded_texts(collection)),
    }


def worker_share(args: argparse.Namespace) -> dict[str, object]:
    """Share of factdesk's embedded word pieces inside the window, as its chunks are embedded."""
    from bench_support import factdesk_embedded_texts, window_share

    from index.config import IndexConfig
    from index.store import open_store

    texts = factdesk_embedded_texts(open_store(IndexConfig(corpus_dir=args.corpus, data_dir=args.data)))
    return {"embedded_share": window_share(texts), "chunks": len(texts)}


WORKERS = {"index": worker_index, "answer": worker_answer, "plain": worker_plain, "share": worker_share}


def run_worker(name: str, **options: object) -> dict[str, object]:
    command = [sys.executable, __file__, "--worker", name]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{name} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=None, help="at most this many articles (default: all)")
    parser.add_argument("--steps", type=int, nargs="*", default=[1000, 3000], help="sizes measured on the way")
    parser.add_argument("--baseline-articles", type=int, default=1000)
    parser.add_argument(
        "--questions", type=int, default=41, help="questions timed at each size (the first is the warm-up)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.json")
    parser.add_argument(
        "--work", type=Path, default=None, help="keep the corpus and index here (default: a temporary folder)"
    )
    parser.add_argument("--worker", choices=list(WORKERS))
    for name in ("corpus", "data", "questions-file"):
        parser.add_argument(f"--{name}", type=Path)
    parser.add_argument("--chunk", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="factdesk-scale-"))
    every, per_question = write_all_articles(work / "all", args.articles)
    corpus, data = work / "corpus", work / "data"
    corpus.mkdir(parents=True, exist_ok=True)
    sizes = [size for size in args.steps if size < len(every)] + [len(every)]
    rows: list[dict[str, object]] = []
    index_seconds = 0.0
    copied = 0
    for size in sizes:
        for path in every[copied:size]:
            shutil.copy(path, corpus / path.name)
        copied = size
        built = run_worker("index", corpus=corpus, data=data, threads=args.threads)
        index_seconds += float(built["seconds"])  # type: ignore[arg-type]
        indexed = {path.stem for path in every[:size]}
        questions = work / f"questions-{size}.json"
        questions.write_text(json.dumps(questions_for(indexed, per_question, args.questions)))
        answered = run_worker("answer", corpus=corpus, data=data, threads=args.threads, **{"questions-file": questions})
        rows.append({"articles": size, **{f"index_{k}": v for k, v in built.items()}, **answered})
        print(f"{size} articles: indexed +{built['added']} in {float(built['seconds']):.0f} s; {answered}", flush=True)

    no_change = run_worker("index", corpus=corpus, data=data, threads=args.threads)
    share = run_worker("share", corpus=corpus, data=data)
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}}
    environment |= {
        "FACTDESK_CORPUS_DIR": str(corpus),
        "FACTDESK_DATA_DIR": str(data),
        "FACTDESK_THREADS": str(args.threads),
    }
    question = json.loads((work / f"questions-{sizes[-1]}.json").read_text())[-1]
    started = time.perf_counter()
    subprocess.run([FACTDESK, "ask", "--json", question], env=environment, capture_output=True, check=True)
    cli_ask = time.perf_counter() - started

    baseline_corpus = work / "baseline-corpus"
    baseline_corpus.mkdir(exist_ok=True)
    for path in every[: args.baseline_articles]:
        shutil.copy(path, baseline_corpus / path.name)
    mine = run_worker("index", corpus=baseline_corpus, data=work / "baseline-factdesk", threads=args.threads)
    default = run_worker("plain", corpus=baseline_corpus, data=work / "baseline-default", threads=args.threads)
    fair = run_worker("plain", corpus=baseline_corpus, data=work / "baseline-fair", threads=args.threads, chunk=200)
    mine_share = run_worker("share", corpus=baseline_corpus, data=work / "baseline-factdesk")
    count = args.baseline_articles if args.baseline_articles < len(every) else len(every)

    final = rows[-1]
    result = {
        "articles": len(every),
        "chunks": share["chunks"],
        "index_articles_per_s": round(len(every) / index_seconds, 3),
        "index_seconds": round(index_seconds, 1),
        "baseline_sample_articles": count,
        "index_articles_per_s_on_sample": round(count / float(mine["seconds"]), 3),  # type: ignore[arg-type]
        "baseline_fair_articles_per_s": round(count / float(fair["seconds"]), 3),  # type: ignore[arg-type]
        "baseline_default_articles_per_s": round(count / float(default["seconds"]), 3),  # type: ignore[arg-type]
        "text_embedded": {
            "factdesk": round(float(mine_share["embedded_share"]), 3),  # type: ignore[arg-type]
            "baseline_fair": round(float(fair["embedded_share"]), 3),  # type: ignore[arg-type]
            "baseline_default": round(float(default["embedded_share"]), 3),  # type: ignore[arg-type]
        },
        "no_change_reindex_s": round(float(no_change["seconds"]), 2),  # type: ignore[arg-type]
        "rss_mb": round(float(final["rss_mb"]), 1),  # type: ignore[arg-type]
        "first_answer_s": round(float(final["first_answer_s"]), 2),  # type: ignore[arg-type]
        "p50_ms": round(float(final["p50_ms"]), 1),  # type: ignore[arg-type]
        "p95_ms": round(float(final["p95_ms"]), 1),  # type: ignore[arg-type]
        "cli_ask_s": round(cli_ask, 2),
        "by_size": [
            {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items() if not k.startswith("index_peak")}
            for row in rows
        ],
        "threads": args.threads,
        "cpu": os.cpu_count(),
        "command": "bench/scale.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
    }
    print(f"\n{'articles':>9} {'first answer s':>15} {'p50 ms':>8} {'p95 ms':>8} {'RSS MB':>8}")
    for row in rows:
        print(
            f"{row['articles']:>9} {float(row['first_answer_s']):>15.2f} {float(row['p50_ms']):>8.1f} "  # type: ignore[arg-type]
            f"{float(row['p95_ms']):>8.1f} {float(row['rss_mb']):>8.0f}"  # type: ignore[arg-type]
        )
    print(
        f"\nindexing, {count} articles: factdesk {result['index_articles_per_s_on_sample']} articles/s, plain fair "
        f"{result['baseline_fair_articles_per_s']}, plain default {result['baseline_default_articles_per_s']} "
        f"(text embedded {result['text_embedded']})"
    )
    print(f"no-change re-index {result['no_change_reindex_s']} s; cold factdesk ask {result['cli_ask_s']} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
