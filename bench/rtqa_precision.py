"""Retrieval and answers on a RealTimeQA quick index embedded in fp32 (before) and as indexing now
embeds (`auto`: bf16 autocast on a CPU with native bf16), in one run.

    nice -n 10 .venv/bin/python bench/rtqa_precision.py --questions 40 --threads 1

Each precision is a `factdesk eval rtqa --quick --questions N --json` in its own process and its
own data folder (so each index is built from nothing, model loading included), on the same test
questions and articles; questions are embedded by the answering embedder (ONNX) in both, as
`factdesk ask` does. Prints hit@1/5/10 and MRR of hybrid, dense and keyword retrieval, the
answers' right/abstained/wrong, and indexing time; writes bench/results/rtqa_precision.json.
Article texts stay outside the repository (under --work).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FACTDESK = str(Path(sys.executable).parent / "factdesk")


def evaluate(precision: str, args: argparse.Namespace) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    environment |= {
        "FACTDESK_DATA_DIR": str(args.work / precision),
        "FACTDESK_THREADS": str(args.threads),
        "FACTDESK_EMBED_PRECISION": precision,
    }
    command = [FACTDESK, "eval", "rtqa", "--quick", "--questions", str(args.questions), "--data", str(args.data)]
    result = subprocess.run([*command, "--json"], env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"error: {precision} run failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=REPO / ".factdesk" / "bench-rtqa-precision")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "rtqa_precision.json")
    args = parser.parse_args()

    from index.embedding import choose_precision

    runs = {}
    for precision in ("fp32", "auto"):
        print(f"{precision}: factdesk eval rtqa --quick --questions {args.questions} ...", flush=True)
        runs[precision] = {**evaluate(precision, args), "load_average_at_end": os.getloadavg()}
    labels = {"fp32": "fp32 (before, baseline)", "auto": f"auto: {choose_precision('auto').describe()}"}
    print(f"\n{'retrieval':24} " + " ".join(f"{labels[p][:28]:>28}" for p in runs))
    for mode in ("hybrid", "dense", "keyword"):
        for key in ("hit@1", "hit@5", "hit@10", "mrr"):
            print(f"{mode + ' ' + key:24} " + " ".join(f"{runs[p]['retrieval'][mode][key]:>28.3f}" for p in runs))
    for key in ("accuracy", "abstained", "wrong"):
        print(f"{'answers ' + key:24} " + " ".join(f"{runs[p]['product'][key]:>28.3f}" for p in runs))
    for precision, result in runs.items():
        index = result["index"]
        print(
            f"{precision}: {result['questions']} questions, {result['articles']} articles, {result['chunks']} chunks, "
            f"indexed in {index['seconds']} s ({index['added'] / index['seconds']:.2f} articles/s)"
        )
    saved = {
        "questions": args.questions,
        "threads": args.threads,
        "runs": {
            labels[p]: {k: v for k, v in result.items() if k not in ("answers", "anchors", "how_counted")}
            for p, result in runs.items()
        },
        "command": "bench/rtqa_precision.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
    }
    from bench_support import write_result

    write_result(args.out, saved)


if __name__ == "__main__":
    main()
