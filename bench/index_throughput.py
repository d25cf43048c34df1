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
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import index.offline  # noqa: F401

RTQA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "realtimeqa-2024" / "gcs.jsonl.gz"


def write_rtqa_corpus(folder: Path, count: int) -> list[Path]:
    """The first `count` distinct article texts of RealTimeQA 2024, as factdesk articles."""
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    paths: list[Path] = []
    with gzip.open(RTQA, "rt", encoding="utf-8") as lines:
        for line in lines:
            for result in json.loads(line).get("search_result", []):
                url, text = result.get("url"), (result.get("text") or "").strip()
                if not url or url in seen or len(text) < 200:
                    continue
                seen.add(url)
                path = folder / f"{len(paths):05d}.md"
                title = json.dumps((result.get("title") or "untitled")[:300])
                outlet = json.dumps(url.split("/")[2])
                path.write_text(f"---\ntitle: {title}\noutlet: {outlet}\n---\n{text}\n", encoding="utf-8")
                paths.append(path)
                if len(paths) == count:
                    return paths
    return paths


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_factdesk(corpus: Path, data: Path, threads: int) -> dict:
    from index.build import update_index
    from index.config import IndexConfig
    from index.embedding import load_embedder

    config = IndexConfig(corpus_dir=corpus, data_dir=data, threads=threads)
    load_embedder(config.embed_model, threads)
    started = time.perf_counter()
    report = update_index(config)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    from bench_support import factdesk_embedded_texts, window_share

    from index.store import open_store

    return {
        "articles": len(report.added),
        "chunks": report.chunks_written,
        "seconds": seconds,
        "peak_mb": peak,
        "embedded_share": window_share(factdesk_embedded_texts(open_store(config))),
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
    import chromadb
    from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedding import load_embedder

    embed_model = load_embedder("all-MiniLM-L6-v2", threads).model  # type: ignore[attr-defined]
    Settings.llm = MockLLM()
    Settings.embed_model = embed_model
    client = chromadb.PersistentClient(str(data), settings=chromadb.config.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("plain", embedding_function=None)
    started = time.perf_counter()
    documents = SimpleDirectoryReader(str(corpus)).load_data()
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    VectorStoreIndex.from_documents(documents, storage_context=storage, embed_model=embed_model)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    from bench_support import plain_embedded_texts, window_share

    return {
        "articles": len(documents),
        "chunks": collection.count(),
        "seconds": seconds,
        "peak_mb": peak,
        "embedded_share": window_share(plain_embedded_texts(collection)),
    }


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

    config = IndexConfig(corpus_dir=corpus, data_dir=data, threads=threads)
    scan = scan_corpus(corpus, max_bytes=config.max_article_bytes)
    store = open_store(config)
    generation = store.new_generation()
    for start in range(0, len(scan.articles), 500):
        store.put_articles(
            generation,
            [
                ArticleRecord(a.id, a.meta.title, a.meta.outlet, a.content_hash, a.path, 0, body=a.body)
                for a in scan.articles[start : start + 500]
            ],
        )
    store.set_pointer(generation, embed_model=config.embed_model, dirty=False)
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
