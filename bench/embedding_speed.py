"""Indexing's embedder in fp32 (baseline) and under bf16 autocast, in one run: speed and agreement.

    .venv/bin/python bench/embedding_speed.py --chunks 600 --queries 200 --json

Real text: RealTimeQA 2024 chunks, made as the indexer makes them (bench/embedding_agreement.py).
For each precision and thread count: chunks per second (the same chunks, embedded as
`factdesk index` embeds them: length-sorted batches of 32) and the share of word pieces that
were padding. Agreement of bf16 with fp32: for each query (embedded by the answering embedder,
ONNX, as `factdesk ask` does), the top 10 chunks among the bf16 chunk vectors against the top 10
among the fp32 ones, and the cosine between the two vectors of each chunk. Also says which
precision `auto` picks on this CPU, and why. With --json writes bench/results/embedding_speed.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def padding_share(texts: list[str], batch: int, by: str) -> float:
    """Share of the word pieces fed to the model that are padding, in length-sorted batches
    (sorted by word pieces, as the indexer sorts, or by characters, as it used to)."""
    from index.embedding import load_embedder

    lengths = load_embedder("all-MiniLM-L6-v2", 1)._lengths(texts)
    key = (lambda i: lengths[i]) if by == "word pieces" else (lambda i: len(texts[i]))
    order = sorted(range(len(texts)), key=key)
    fed = padded = 0
    for start in range(0, len(order), batch):
        sizes = [lengths[i] for i in order[start : start + batch]]
        fed += max(sizes) * len(sizes)
        padded += max(sizes) * len(sizes) - sum(sizes)
    return padded / max(1, fed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "realtimeqa-2024")
    parser.add_argument("--chunks", type=int, default=600)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--json", action="store_true", help="also write bench/results/embedding_speed.json")
    args = parser.parse_args()

    import torch
    from embedding_agreement import real_chunks, top

    from index.embedding import BATCH_SIZE, choose_precision, load_embedder, load_query_embedder

    chunks, queries = real_chunks(args.data, args.chunks)
    queries = queries[: args.queries]
    vectors: dict[str, np.ndarray] = {}
    speed: dict[str, dict[str, float]] = {}
    for precision in ("fp32", "bf16"):
        embedder = load_embedder("all-MiniLM-L6-v2", 1, precision)
        embedder.embed_documents(chunks[:64])  # warm-up: first calls allocate
        for threads in args.threads:
            torch.set_num_threads(threads)
            started = time.perf_counter()
            vectors[precision] = embedder.embed_documents(chunks)
            seconds = time.perf_counter() - started
            speed.setdefault(precision, {})[f"{threads}_threads_chunks_per_s"] = round(len(chunks) / seconds, 1)
            print(f"{precision} {threads} threads: {len(chunks) / seconds:.1f} chunks/s", flush=True)
    asked = np.stack([load_query_embedder("all-MiniLM-L6-v2", 1).embed_query(query) for query in queries])
    baseline_top = top(vectors["fp32"], asked, 10)
    bf16_top = top(vectors["bf16"], asked, 10)
    agreement = float(np.mean([len(a & b) / 10 for a, b in zip(baseline_top, bf16_top, strict=True)]))
    cosine = np.sum(vectors["fp32"] * vectors["bf16"], axis=1)
    auto = choose_precision("auto")
    result = {
        "chunks": len(chunks),
        "queries": len(queries),
        "speed": speed,
        "speedup": {
            f"{threads}_threads": round(
                speed["bf16"][f"{threads}_threads_chunks_per_s"] / speed["fp32"][f"{threads}_threads_chunks_per_s"], 2
            )
            for threads in args.threads
        },
        "top10_agreement_bf16_vs_fp32": round(agreement, 4),
        "cosine_bf16_fp32_mean": round(float(cosine.mean()), 6),
        "cosine_bf16_fp32_min": round(float(cosine.min()), 6),
        "padding_share": {by: round(padding_share(chunks, BATCH_SIZE, by), 4) for by in ("word pieces", "characters")},
        "auto_picks": auto.describe(),
        "load_average_at_end": os.getloadavg(),
        "command": "bench/embedding_speed.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
    }
    lines = [f"{'precision':16} " + " ".join(f"{f'{t} thread(s)':>12}" for t in args.threads) + "  (chunks/s)"]
    lines += [
        f"{precision + (' (baseline)' if precision == 'fp32' else ''):16} "
        + " ".join(f"{speed[precision][f'{t}_threads_chunks_per_s']:>12}" for t in args.threads)
        for precision in ("fp32", "bf16")
    ]
    lines.append(
        f"bf16 / fp32: {result['speedup']}; top-10 agreement {agreement:.3f}; cosine mean "
        f"{result['cosine_bf16_fp32_mean']}, min {result['cosine_bf16_fp32_min']}; padding share of what the "
        f"model reads, sorted by {result['padding_share']}; auto picks {result['auto_picks']}"
    )
    print("\n" + "\n".join(lines))
    if args.json:
        from bench_support import write_result

        write_result(REPO / "bench" / "results" / "embedding_speed.json", result)


if __name__ == "__main__":
    main()
