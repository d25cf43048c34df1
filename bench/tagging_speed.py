"""Claim tagging speed on one thread, parse included: rules only (before) against rules + models (after).

    OMP_NUM_THREADS=1 .venv/bin/python bench/tagging_speed.py                    # PolNeAR dev news
    OMP_NUM_THREADS=1 .venv/bin/python bench/tagging_speed.py --source rtqa --articles 200

Every mode runs `index.claims.tagger.tag_articles` (what indexing runs: paragraphs, `nlp.pipe`
in batches of 64, analysis, provenance) over the same real news articles from `../shared/data`
(never copied here): PolNeAR's dev articles, or RealTimeQA 2024 article texts. Modes:

- before: the stock spaCy pipeline and the rules alone (indexing as on main);
- the fast pipeline (`index.claims.fastpipe`, identical annotations) with the rules alone;
- after: the fast pipeline with rules + the learned attribution model + the hedge model (the product);
- with `--baseline-models FOLDER`: the same with the models in FOLDER (e.g. the previous commit's
  `index/claims/models`, written out with `git show`), so a model change is timed against the one
  it replaces in the same run;
- the stock pipeline with the learned tagger (what the fast pipeline pays for);
- the parse alone, stock and fast.

Modes alternate, `--repeats` times each, after a warm-up; the figure is each mode's best run by
CPU time (the least disturbed by other work on the machine), with its wall-clock figure beside.
Prints a table and writes bench/results/tagging_speed.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.offline  # noqa: F401, E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "tagging_speed.json"
GOAL = 350.0
PRODUCT = "after: fast parse + rules + learned models (product)"


def polnear_articles(documents: int) -> list[tuple[str, str]]:
    folder = DATA / "polnear" / "dev" / "text"
    paths = sorted(folder.glob("*.txt"))[:documents]
    return [(path.stem, path.read_text(encoding="utf-8")) for path in paths]


def rtqa_articles(count: int) -> list[tuple[str, str]]:
    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    with gzip.open(DATA / "realtimeqa-2024" / "gcs.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            for result in json.loads(line).get("search_result", []):
                url, text = result.get("url"), (result.get("text") or "").strip()
                if url and url not in seen and len(text) >= 200:
                    seen.add(url)
                    found.append((f"{len(found):05d}", text))
                    if len(found) == count:
                        return found
    return found


def as_articles(texts: list[tuple[str, str]]) -> list[object]:
    from index.articles import parse_article

    articles = []
    for name, text in texts:
        raw = f"---\ntitle: {name}\noutlet: Bench\n---\n{text}\n".encode()
        articles.append(parse_article(raw, f"{name}.md", max_bytes=10_000_000))
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=["polnear", "rtqa"], default="polnear")
    parser.add_argument("--documents", type=int, default=84, help="PolNeAR dev articles (84 in all)")
    parser.add_argument("--articles", type=int, default=200, help="RealTimeQA articles with --source rtqa")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--baseline-models", type=Path, default=None, help="a models folder to time beside")
    args = parser.parse_args()

    import spacy
    import torch

    from index.claims.learned.models import MODELS, load_own_voice, load_tagger
    from index.claims.rules import SPACY_MODEL, load_nlp
    from index.claims.tagger import read_articles, tag_articles

    torch.set_num_threads(1)
    texts = polnear_articles(args.documents) if args.source == "polnear" else rtqa_articles(args.articles)
    articles = as_articles(texts)
    stock = spacy.load(SPACY_MODEL, exclude=["ner"])
    fast = load_nlp()
    load_tagger()
    paragraphs = [line.strip() for _, text in texts for line in text.split("\n") if line.strip()]

    def tagging(nlp: object, mode: str) -> Callable[[], int]:
        def job() -> int:
            tagged = tag_articles(articles, tagging=mode, nlp=nlp)  # type: ignore[arg-type]
            return sum(len(sentences) for sentences in tagged)

        return job

    def tagging_with(folder: Path) -> Callable[[], int]:
        tagger, own_voice = load_tagger(folder), load_own_voice(folder)

        def job() -> int:
            read = read_articles(articles, nlp=fast, tagger=tagger, own_voice=own_voice)  # type: ignore[arg-type]
            return sum(len(sentences) for sentences in read)

        return job

    def parse_only(nlp: object) -> Callable[[], int]:
        def job() -> int:
            return sum(
                sum(1 for sent in doc.sents if any(c.isalnum() for c in sent.text))
                for doc in nlp.pipe(paragraphs, batch_size=64)  # type: ignore[attr-defined]
            )

        return job

    modes: dict[str, Callable[[], int]] = {
        "before: stock spaCy + rules (main)": tagging(stock, "rules"),
        "fast parse + rules": tagging(fast, "rules"),
        PRODUCT: tagging(fast, "learned"),
        "stock spaCy + rules + learned models": tagging(stock, "learned"),
        "parse only, stock spaCy": parse_only(stock),
        "parse only, fast parse": parse_only(fast),
    }
    if args.baseline_models is not None:
        modes["fast parse + rules + installed models, as the baseline runs"] = tagging_with(MODELS)
        modes[f"fast parse + rules + models in {args.baseline_models.name}/ (baseline)"] = tagging_with(
            args.baseline_models
        )
    for job in modes.values():  # warm-up: caches, first-call costs
        job()
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in modes}
    for _ in range(args.repeats):
        for name, job in modes.items():
            wall, cpu = time.perf_counter(), time.process_time()
            count = job()
            runs[name].append((time.perf_counter() - wall, time.process_time() - cpu, count))
    results: dict[str, object] = {
        "source": args.source,
        "articles": len(articles),
        "paragraphs": len(paragraphs),
        "repeats": args.repeats,
        "threads": {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "torch_threads": torch.get_num_threads(),
        "load_average": os.getloadavg(),
        "goal_sentences_per_second": GOAL,
        "modes": {},
    }
    table = results["modes"]
    assert isinstance(table, dict)
    for name, found in runs.items():
        sentences = found[0][2]
        table[name] = {
            "sentences": sentences,
            "best_cpu_sentences_per_second": round(sentences / min(cpu for _, cpu, _ in found), 1),
            "best_wall_sentences_per_second": round(sentences / min(wall for wall, _, _ in found), 1),
            "cpu_seconds": [round(cpu, 2) for _, cpu, _ in found],
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"{len(articles)} {args.source} articles, {len(paragraphs)} paragraphs; one thread, parse included")
    print(f"{'mode':<52} {'sentences':>9} {'sent/s CPU':>10} {'sent/s wall':>11}")
    for name, row in table.items():
        print(
            f"{name:<52} {row['sentences']:>9} {row['best_cpu_sentences_per_second']:>10.1f} "
            f"{row['best_wall_sentences_per_second']:>11.1f}"
        )
    after = table[PRODUCT]["best_cpu_sentences_per_second"]
    before = table["before: stock spaCy + rules (main)"]["best_cpu_sentences_per_second"]
    print(
        f"after / before: {after / before:.2f}; goal >= {GOAL:.0f} sentences/s: {'met' if after >= GOAL else 'NOT met'}"
    )
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
