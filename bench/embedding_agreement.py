"""How closely the answering embedder (ONNX Runtime) agrees with the indexing one (torch).

The index stores torch vectors of chunks; questions are embedded with ONNX. What matters is
whether the same chunks come back: for each query, the top 10 chunks by ONNX query vector
against the torch chunk vectors, compared with the top 10 by torch query vector (the baseline,
which agrees with itself). Also the cosine between the two embeddings of the same texts, and
their speed on one thread.

    .venv/bin/python bench/embedding_agreement.py --chunks 500 --queries 100 --json

Real text: RealTimeQA 2024 articles from ../shared/data, chunked as the indexer chunks them
(never copied into the repository). Writes bench/results/embedding_agreement.json with --json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def real_chunks(data: Path, count: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """`count` chunks of distinct RealTimeQA articles (as embedded: title and text), and queries:
    the title of every other article and the first sentence of the others."""
    from index.articles import parse_article
    from index.chunking import split_articles

    results = []
    with gzip.open(data / "gcs.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            for result in json.loads(line).get("search_result") or []:
                if len(result.get("text") or "") > 800:
                    results.append(result)
    random.Random(seed).shuffle(results)
    chunks: list[str] = []
    queries: list[str] = []
    seen: set[str] = set()
    for result in results:
        if result["url"] in seen:
            continue
        seen.add(result["url"])
        title = " ".join(str(result.get("title") or "untitled").split())[:300] or "untitled"
        raw = f"---\ntitle: {json.dumps(title)}\noutlet: x\n---\n{result['text']}\n".encode()
        try:
            article = parse_article(raw, "a.md", max_bytes=5_000_000)
        except ValueError:
            continue
        pieces = split_articles([article], chunk_tokens=200, chunk_overlap=30)
        chunks.append(random.Random(len(chunks)).choice(pieces).embed_text)
        body = article.body.split(". ")[0]
        queries.append(title if len(queries) % 2 == 0 else body[:300])
        if len(chunks) >= count:
            break
    return chunks, queries


def top(matrix: np.ndarray, queries: np.ndarray, k: int) -> list[set[int]]:
    scores = queries @ matrix.T
    return [set(np.argsort(-row)[:k].tolist()) for row in scores]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "realtimeqa-2024")
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="also write bench/results/embedding_agreement.json")
    args = parser.parse_args()

    from index.embedding import load_embedder, load_query_embedder

    chunks, queries = real_chunks(args.data, args.chunks)
    queries = queries[: args.queries]
    torch_model = load_embedder("all-MiniLM-L6-v2", 1)
    onnx_model = load_query_embedder("all-MiniLM-L6-v2", 1)
    rows = {}
    for name, model in (("torch (indexing, baseline)", torch_model), ("onnx (answering)", onnx_model)):
        started = time.perf_counter()
        vectors = model.embed_documents(chunks)
        chunk_seconds = time.perf_counter() - started
        started = time.perf_counter()
        asked = np.stack([model.embed_query(query) for query in queries])
        query_ms = 1000 * (time.perf_counter() - started) / len(queries)
        rows[name] = {
            "chunks": vectors,
            "queries": asked,
            "chunks_per_s": len(chunks) / chunk_seconds,
            "query_ms": query_ms,
        }
    reference, candidate = rows["torch (indexing, baseline)"], rows["onnx (answering)"]
    stored = reference["chunks"]  # what the index holds
    baseline_top = top(stored, reference["queries"], 10)
    onnx_top = top(stored, candidate["queries"], 10)
    agreement = float(np.mean([len(a & b) / 10 for a, b in zip(baseline_top, onnx_top, strict=True)]))
    top1 = float(
        np.mean(
            [
                min(a) == min(b)
                for a, b in zip(top(stored, reference["queries"], 1), top(stored, candidate["queries"], 1), strict=True)
            ]
        )
    )
    cosine_chunks = np.sum(reference["chunks"] * candidate["chunks"], axis=1)
    cosine_queries = np.sum(reference["queries"] * candidate["queries"], axis=1)
    result = {
        "chunks": len(chunks),
        "queries": len(queries),
        "top10_agreement": round(agreement, 4),
        "top1_agreement": round(top1, 4),
        "cosine_chunks_mean": round(float(cosine_chunks.mean()), 5),
        "cosine_chunks_min": round(float(cosine_chunks.min()), 5),
        "cosine_queries_mean": round(float(cosine_queries.mean()), 5),
        "speed": {
            name: {"chunks_per_s": round(row["chunks_per_s"], 1), "query_ms": round(row["query_ms"], 1)}
            for name, row in rows.items()
        },
        "threads": 1,
        "command": "bench/embedding_agreement.py " + " ".join(sys.argv[1:]),
    }
    print(f"{'embedder':28} {'chunks/s':>9} {'query ms':>9}")
    for name, row in result["speed"].items():  # type: ignore[union-attr]
        print(f"{name:28} {row['chunks_per_s']:>9} {row['query_ms']:>9}")
    print(
        f"top-10 agreement of ONNX queries against the stored torch vectors: {result['top10_agreement']:.3f} "
        f"(top-1 {result['top1_agreement']:.3f}); cosine chunks mean {result['cosine_chunks_mean']}, "
        f"min {result['cosine_chunks_min']}"
    )
    if args.json:
        from bench_support import write_result

        write_result(REPO / "bench" / "results" / "embedding_agreement.json", result)


if __name__ == "__main__":
    main()
