"""Indexing speed and memory: factdesk's pipeline against plain llama-index, in one run.

    .venv/bin/python bench/index_throughput.py --articles 1000          # generated news
    .venv/bin/python bench/index_throughput.py --source rtqa --articles 1000

Each path runs in its own process (so peak memory is its own), on the same articles and the
same bundled embedding model, with the same thread count. factdesk's path also tags every
sentence's claim status (spaCy), which plain llama-index does not do: the table shows both.
Then factdesk's no-change re-index and a 1%-changed re-index. Prints a table; with --json
writes the figures to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import index.offline  # noqa: F401

RTQA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "realtimeqa-2024"


def write_rtqa_corpus(folder: Path, count: int) -> list[Path]:
    """The first `count` distinct article texts of RealTimeQA 2024, as factdesk articles."""
    from evaluation.rtqa_data import search_results

    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for _, results in search_results(RTQA):
        for result in results:
            path = folder / f"{result.id}.md"
            if path.exists():
                continue
            path.write_text(result.markdown(), encoding="utf-8")
            paths.append(path)
            if len(paths) == count:
                return paths
    return paths


def worker_factdesk(corpus: Path, data: Path, threads: int) -> dict:
    """factdesk's update from nothing, timed like the baseline: from before its libraries and models load."""
    started = time.perf_counter()
    from index.build import update_index
    from index.config import IndexConfig
    from index.embedding import choose_precision

    config = IndexConfig(corpus_dir=corpus, data_dir=data, threads=threads)
    report = update_index(config)
    seconds = time.perf_counter() - started
    from bench_support import factdesk_embedded_texts, peak_mb, window_share

    peak = peak_mb()

    from index.store import open_store

    return {
        "articles": len(report.added),
        "chunks": report.chunks_written,
        "seconds": seconds,
        "peak_mb": peak,
        "embedded_share": window_share(factdesk_embedded_texts(open_store(config))),
        "precision": choose_precision(config.embed_precision).describe(),
    }


def worker_reindex(corpus: Path, data: Path, threads: int) -> dict:
    from bench_support import touch

    from index.build import update_index
    from index.config import IndexConfig

    config = IndexConfig(corpus_dir=corpus, data_dir=data, threads=threads)
    started = time.perf_counter()
    unchanged = update_index(config)
    no_change = time.perf_counter() - started
    changed = touch(corpus)
    started = time.perf_counter()
    report = update_index(config)
    one_percent = time.perf_counter() - started
    assert unchanged.chunks_written == 0 and len(report.updated) == changed
    return {"no_change_s": no_change, "one_percent_s": one_percent, "changed": changed}


def worker_plain(corpus: Path, data: Path, threads: int) -> dict:
    from bench_support import plain_llama_index

    return plain_llama_index(sorted(corpus.glob("*.md")), data, threads)


def worker_no_change_at_scale(corpus: Path, data: Path, threads: int) -> dict:
    """The no-change path on a large corpus, without embedding it first (hours here).

    The catalog gets one real record per article (real text and content hash, no tagged
    sentences and no chunks): a no-change update reads only the files and the catalog's hashes,
    so what it times is the code path `factdesk index` runs when nothing changed.
    """
    from index.articles import scan_corpus
    from index.build import update_index
    from index.config import IndexConfig
    from index.store import ArticleRecord, open_store
    from index.writer import GenerationWriter

    config = IndexConfig(corpus_dir=corpus, data_dir=data, threads=threads)
    scan = scan_corpus(corpus, max_bytes=config.max_article_bytes)
    with GenerationWriter.new(open_store(config), config) as writer:
        for start in range(0, len(scan.articles), 500):
            records = [
                ArticleRecord(a.id, a.meta.title, a.meta.outlet, a.content_hash, a.path, 0, body=a.body)
                for a in scan.articles[start : start + 500]
            ]
            writer.put([], records)
        writer.finish()
    started = time.perf_counter()
    report = update_index(config)
    seconds = time.perf_counter() - started
    assert not report.changed and len(report.skipped) == len(scan.articles)
    return {"articles": len(scan.articles), "no_change_s": seconds}


WORKERS = {
    "factdesk": worker_factdesk,
    "plain": worker_plain,
    "reindex": worker_reindex,
    "no-change-at-scale": worker_no_change_at_scale,
}


def run_worker(name: str, corpus: Path, data: Path, threads: int) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            name,
            "--corpus",
            str(corpus),
            "--data",
            str(data),
            "--threads",
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--source", choices=["generated", "rtqa"], default="generated")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--json", action="store_true", help="also write bench/results/index_<source>_<n>[_no_change].json"
    )
    parser.add_argument(
        "--no-change-only",
        action="store_true",
        help="only time a no-change re-index of --articles articles (catalog-only index, no embedding)",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.corpus, args.data, args.threads)))
        return

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        if args.source == "rtqa":
            paths = write_rtqa_corpus(root / "corpus", args.articles)
        else:
            from generated_news import write_corpus

            paths = write_corpus(root / "corpus", args.articles)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
        if args.no_change_only:
            result = run_worker("no-change-at-scale", root / "corpus", root / "scale", args.threads)
            print(f"no-change re-index of {result['articles']} {args.source} articles: {result['no_change_s']:.2f} s")
            if args.json:
                save(f"index_{args.source}_{len(paths)}_no_change.json", {"source": args.source, "no_change": result})
            return
        print(
            f"{len(paths)} {args.source} articles, {chars / len(paths):,.0f} characters each on average, "
            f"{args.threads} threads",
            flush=True,
        )
        plain = run_worker("plain", root / "corpus", root / "plain", args.threads)
        ours = run_worker("factdesk", root / "corpus", root / "factdesk", args.threads)
        again = run_worker("reindex", root / "corpus", root / "factdesk", args.threads)

    rows = []
    for name, result in (("plain llama-index (baseline)", plain), ("factdesk (with claim tagging)", ours)):
        rows.append(
            (
                name,
                result["articles"],
                result["chunks"],
                result["chunks"] / result["seconds"],
                result["articles"] / result["seconds"],
                result["seconds"],
                result["peak_mb"],
                result["embedded_share"],
            )
        )
    print(
        f"\n{'path':32} {'articles':>8} {'chunks':>7} {'chunks/s':>9} {'articles/s':>10} {'wall s':>8} "
        f"{'peak MB':>8} {'text embedded':>13}"
    )
    for row in rows:
        print(
            f"{row[0]:32} {row[1]:8d} {row[2]:7d} {row[3]:9.1f} {row[4]:10.2f} {row[5]:8.1f} {row[6]:8.0f} "
            f"{row[7]:13.0%}"
        )
    ratio = plain["seconds"] / ours["seconds"]
    print(
        "text embedded: share of the chunks' word pieces inside MiniLM's 256-piece window "
        "(the rest is stored but never embedded)"
    )
    print(f"\nfactdesk wall time vs baseline: {ratio:.2f}x the baseline's speed (articles/s)")
    print(f"factdesk embeds in {ours['precision']}; the baseline in {plain['precision']}")
    print(
        f"no-change re-index: {again['no_change_s']:.2f} s; "
        f"{again['changed']} articles (1%) changed: {again['one_percent_s']:.2f} s"
    )
    if args.json:
        save(
            f"index_{args.source}_{len(paths)}.json",
            {
                "source": args.source,
                "articles": len(paths),
                "threads": args.threads,
                "plain": plain,
                "factdesk": ours,
                "reindex": again,
            },
        )


def save(name: str, results: dict[str, object]) -> None:
    out = Path(__file__).resolve().parent / "results" / name
    out.write_text(json.dumps({**results, "date": time.strftime("%Y-%m-%d")}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
