"""factdesk's indexing (tagging, chunking, embedding, writing) of the same real articles with the
embedder in fp32 at a fixed thread count (the baseline: how main indexed before bf16) and in bf16
at one thread, at every thread, and with the cores shared as `factdesk index` shares them
(`index.cores.CoreSharing`: the tagging worker keeps a core while it tags; torch takes the other
one only when that measures faster), in one run.

    nice -n 10 .venv/bin/python bench/index_variants.py --articles 128 --threads 2

Each variant runs in its own process on a fresh data folder; the embedding model is loaded
before the clock starts (the same in all), so what is timed is `update_index` of RealTimeQA
articles from nothing. Prints articles/s and chunks/s; writes bench/results/index_variants.json.
Other processes on the machine change these figures a lot: compare the rows of one run.
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
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

# name -> (precision, fixed torch threads or None for the shared cores)
VARIANTS = {
    "fp32, all threads (baseline)": ("fp32", "all"),
    "bf16, 1 thread": ("bf16", "1"),
    "bf16, all threads": ("bf16", "all"),
    "bf16, shared cores (factdesk index)": ("bf16", "shared"),
}


def worker(corpus: Path, data: Path, threads: int, precision: str, policy: str) -> dict[str, Any]:
    import index.cores
    from index.build import update_index
    from index.config import IndexConfig
    from index.embedding import load_embedder

    if policy != "shared":
        fixed = 1 if policy == "1" else threads
        index.cores.CoreSharing.choose = lambda self: fixed  # type: ignore[method-assign]
    config = IndexConfig(corpus_dir=corpus, data_dir=data, threads=threads, embed_precision=precision)  # type: ignore[arg-type]
    load_embedder(config.embed_model, threads, config.embed_precision).embed_documents(["warm up"])
    started = time.perf_counter()
    report = update_index(config)
    seconds = time.perf_counter() - started
    return {"articles": len(report.added), "chunks": report.chunks_written, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=128)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "index_variants.json")
    parser.add_argument("--worker", nargs=5)
    args = parser.parse_args()
    if args.worker:
        corpus, data, threads, precision, policy = args.worker
        print(json.dumps(worker(Path(corpus), Path(data), int(threads), precision, policy)))
        return

    from index_throughput import write_rtqa_corpus

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as temp:
        corpus = Path(temp) / "corpus"
        write_rtqa_corpus(corpus, args.articles)
        for number, (name, (precision, policy)) in enumerate(VARIANTS.items()):
            command = [sys.executable, __file__, "--worker", str(corpus), f"{temp}/data{number}"]
            command += [str(args.threads), precision, policy]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise SystemExit(f"error: {name} failed:\n{result.stderr[-3000:]}")
            rows[name] = json.loads(result.stdout.strip().splitlines()[-1])
            row = rows[name]
            print(
                f"{name:38} {row['articles'] / row['seconds']:6.2f} articles/s {row['chunks'] / row['seconds']:7.1f} "
                f"chunks/s ({row['seconds']:.0f} s)",
                flush=True,
            )
    baseline = next(iter(rows.values()))
    for row in rows.values():
        row["articles_per_s"] = round(row["articles"] / row["seconds"], 3)
        row["vs_baseline"] = round(baseline["seconds"] / row["seconds"], 2)
    print("vs baseline: " + ", ".join(f"{name} {row['vs_baseline']}x" for name, row in rows.items()))
    from bench_support import write_result

    write_result(
        args.out,
        {
            "articles": args.articles,
            "threads": args.threads,
            "variants": rows,
            "load_average_at_end": os.getloadavg(),
            "command": "bench/index_variants.py " + " ".join(sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d"),
        },
    )


if __name__ == "__main__":
    main()
