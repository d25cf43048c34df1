"""factdesk at the scale of every distinct RealTimeQA 2024 article (8,817), in one command that
survives an interruption.

    make bench-scale                      # = nice -n 10 .venv/bin/python bench/scale.py --threads 2 (hours)
    .venv/bin/python bench/scale.py --articles 120 --steps 60 --work /tmp/scale-check   # checks the script

The corpus grows in steps (1,000, 3,000, then every article). At each step factdesk's index is
brought up to date (incrementally, as a newsroom's would be), then measured: a no-change
re-index; a fresh answering process (start to first answer, resident memory, extractive p50 and
p95 on questions never asked before whose articles are all indexed); the wall time of a cold
`factdesk ask --json` in its own process. At the baseline steps (1,000 and 3,000) two plain
llama-index baselines index the same articles with the same model and threads, in the same
invocation: the default settings (SentenceSplitter at 1,024 tokens, of which MiniLM reads 256
word pieces) and a fair one (200-token chunks like factdesk's, so all the text is embedded).
Each adds a step's new articles to its own index of the previous step's, as factdesk does, so
articles per second compare the same articles added to the same index. "text embedded" is the
share of the stored word pieces inside the model's window. Every part runs in its own process,
so memory figures are its own; each is timed from before its libraries and models load.

Interruptions: each finished part of a step is kept in `<work>/state.json` at once, and
`--out` (bench/results/scale.json) is rewritten after every step, so the same command run again
goes on where it stopped. A killed factdesk update resumes (it is incremental and crash-safe);
its figures add the batches the killed attempt finished (`<work>/progress-<size>.jsonl`) to the
attempt that completes it. A killed baseline is redone from a copy of its previous step's index.
`--fresh` starts over; options that change what is measured are refused on a resume.

The article texts stay outside the repository (read from ../shared/data, written under --work,
by default .factdesk/bench-scale).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
DATA = REPO.parent / "shared" / "data" / "realtimeqa-2024"
FACTDESK = str(Path(sys.executable).parent / "factdesk")
# What makes two runs the same measurement: a resume with other values is refused.
SAME_RUN = ("articles", "steps", "baseline_steps", "threads", "questions", "precision")


# --- the corpus ------------------------------------------------------------------------------


def write_all_articles(folder: Path, limit: int | None) -> tuple[list[str], dict[str, list[str]]]:
    """Every distinct article as a factdesk file, in the order first met (at most `limit`), and
    each question's article ids."""
    from evaluation.rtqa_data import search_results

    folder.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    seen: set[str] = set()
    per_question: dict[str, list[str]] = {}
    for question_id, results in search_results(DATA):
        for result in results:
            if result.id in seen or (limit is not None and len(names) >= limit):
                continue
            seen.add(result.id)
            path = folder / f"{result.id}.md"
            if not path.exists():
                path.write_text(result.markdown(), encoding="utf-8")
            names.append(path.name)
        per_question[question_id] = [result.id for result in results]
    return names, per_question


def questions_for(indexed: set[str], per_question: dict[str, list[str]], count: int) -> list[str]:
    """Quiz questions whose retrieved articles are all indexed, spread over the data set."""
    from evaluation.rtqa_data import load_questions

    texts = {q.id: q.text for q in load_questions(DATA / "qa.jsonl.gz")}
    ready = [texts[q] for q, ids in sorted(per_question.items()) if ids and set(ids) <= indexed and q in texts]
    step = max(1, len(ready) // count)
    return ready[::step][:count]


# --- workers (each its own process) ------------------------------------------------------------


def worker_index(job: dict[str, Any]) -> dict[str, Any]:
    """factdesk's update of the index, progress written after every batch (for a resume)."""
    started = time.perf_counter()
    from bench_support import peak_mb

    from index.build import update_index
    from index.config import IndexConfig
    from index.embedding import choose_precision

    config = IndexConfig(
        corpus_dir=Path(job["corpus"]),
        data_dir=Path(job["data"]),
        threads=job["threads"],
        embed_precision=job["precision"],
    )
    attempt = f"{os.getpid()}-{time.time():.0f}"
    progress_file = Path(job["progress"]) if job.get("progress") else None

    def progress(done: int, total: int) -> None:
        if progress_file is not None:
            line = {"attempt": attempt, "done": done, "total": total, "seconds": time.perf_counter() - started}
            with progress_file.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(line) + "\n")

    updating = time.perf_counter()
    report = update_index(config, progress=progress)
    return {
        "seconds": time.perf_counter() - started,
        "update_seconds": time.perf_counter() - updating,  # without starting Python and importing
        "added": len(report.added),
        "updated": len(report.updated),
        "chunks_written": report.chunks_written,
        "problems": len(report.problems),
        "notes": list(report.notes),
        "peak_mb": peak_mb(),
        "precision": choose_precision(config.embed_precision).describe(),
        "attempt": attempt,
    }


def worker_answer(job: dict[str, Any]) -> dict[str, Any]:
    """Start to first answer, then p50/p95 of new questions, and resident memory, in one fresh process."""
    started = time.perf_counter()
    from bot.answering.config import AnswerConfig
    from bot.answering.engine import AnswerEngine, answer_question
    from index.config import IndexConfig

    questions = job["questions"]
    engine = AnswerEngine.open(
        IndexConfig(corpus_dir=Path(job["corpus"]), data_dir=Path(job["data"]), threads=job["threads"]),
        AnswerConfig(threads=job["threads"]),
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


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def worker_plain(job: dict[str, Any]) -> dict[str, Any]:
    from bench_support import plain_llama_index

    files = [Path(name) for name in json.loads(Path(job["files"]).read_text())]
    return plain_llama_index(files, Path(job["data"]), job["threads"], job["chunk"])


def worker_share(job: dict[str, Any]) -> dict[str, Any]:
    """Share of factdesk's embedded word pieces inside the window, as its chunks are embedded."""
    from bench_support import factdesk_embedded_texts, window_share

    from index.config import IndexConfig
    from index.store import open_store

    texts = factdesk_embedded_texts(open_store(IndexConfig(corpus_dir=Path(job["corpus"]), data_dir=Path(job["data"]))))
    return {"embedded_share": window_share(texts), "chunks": len(texts)}


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "index": worker_index,
    "answer": worker_answer,
    "plain": worker_plain,
    "share": worker_share,
}


# --- the run ---------------------------------------------------------------------------------


class Run:
    """One measurement, kept in `<work>/state.json` part by part so that it can be resumed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work
        self.state_file = self.work / "state.json"
        self.logs = self.work / "logs"
        self.corpus, self.data = self.work / "corpus", self.work / "data"
        settings = {name: getattr(args, name) for name in SAME_RUN}
        self.logs.mkdir(parents=True, exist_ok=True)
        self.corpus.mkdir(exist_ok=True)
        self.state: dict[str, Any] = {"settings": settings, "steps": {}, "started": time.strftime("%Y-%m-%d %H:%M")}
        if self.state_file.exists():
            self.state = json.loads(self.state_file.read_text())
            if self.state["settings"] != settings:
                raise SystemExit(
                    f"error: {self.work} holds a run with other settings ({self.state['settings']}): "
                    "run it with those, or add --fresh to start over"
                )
            finished = [size for size, parts in self.state["steps"].items() if "finished" in parts]
            print(f"resuming the run in {self.work}; finished steps: {', '.join(finished) or 'none'}", flush=True)
        self.save()

    def save(self) -> None:
        temp = self.state_file.with_suffix(".tmp")
        temp.write_text(json.dumps(self.state, indent=1) + "\n")
        os.replace(temp, self.state_file)

    def part(self, size: int, name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A part of a step: measured once, kept as soon as it is done, skipped on a resume."""
        parts = self.state["steps"].setdefault(str(size), {})
        if name not in parts:
            print(f"  {size}: {name} ...", flush=True)
            parts[name] = {**measure(), "commit": commit(), "load_average_at_end": os.getloadavg()}
            self.save()
        return dict(parts[name])

    def worker(self, name: str, log: str, **job: Any) -> dict[str, Any]:
        """Run a worker process; its log goes to <work>/logs/, and its progress (if any) to the terminal."""
        command = [sys.executable, __file__, "--worker", name, "--job", json.dumps(job, default=str)]
        progress = Path(job["progress"]) if job.get("progress") else None
        with (self.logs / f"{log}.log").open("a", encoding="utf-8") as errors:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
            while True:
                try:
                    output, _ = process.communicate(timeout=120)
                    break
                except subprocess.TimeoutExpired:
                    if progress is not None and progress.exists():
                        last = json.loads(progress.read_text().splitlines()[-1])
                        print(f"    {last['done']}/{last['total']} articles, {last['seconds']:.0f} s", flush=True)
        if process.returncode != 0:
            tail = (self.logs / f"{log}.log").read_text(encoding="utf-8")[-3000:]
            raise SystemExit(f"error: the {name} worker failed (log: {self.logs / log}.log):\n{tail}")
        return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]

    def step(self, size: int, names: list[str], questions: list[str]) -> None:
        """Every part of one step not measured yet; `names` are the articles the step adds."""
        print(f"step {size} articles", flush=True)
        common = {"corpus": self.corpus, "data": self.data, "threads": self.args.threads}
        self.part(size, "index", lambda: self.index(size, len(names)))
        self.part(size, "no_change", lambda: self.worker("index", "no-change", **common, precision=self.args.precision))
        self.part(size, "share", lambda: self.worker("share", "share", corpus=self.corpus, data=self.data))
        self.part(size, "answer", lambda: self.worker("answer", "answer", **common, questions=questions))
        self.part(size, "cli_ask", lambda: self.cli_ask(questions[-1]))
        baselines = self.args.baseline_steps
        if size in baselines:
            before = baselines[baselines.index(size) - 1] if baselines.index(size) else None
            self.part(size, "baseline_default", lambda: self.baseline("default", size, before, names))
            self.part(size, "baseline_fair", lambda: self.baseline("fair", size, before, names))
        self.state["steps"][str(size)]["finished"] = time.strftime("%Y-%m-%d %H:%M")
        self.save()

    # --- the parts ----------------------------------------------------------------------------

    def index(self, size: int, articles: int) -> dict[str, Any]:
        """factdesk's update of the step's `articles`, timed over every attempt: a killed one
        counts until its last finished batch (what it did is kept, the next attempt goes on)."""
        progress = self.work / f"progress-{size}.jsonl"
        earlier: dict[str, dict[str, Any]] = {}
        if progress.exists():
            for line in progress.read_text().splitlines():
                row = json.loads(line)
                earlier[row["attempt"]] = row
        result = self.worker(
            "index",
            f"index-{size}",
            corpus=self.corpus,
            data=self.data,
            threads=self.args.threads,
            precision=self.args.precision,
            progress=progress,
        )
        killed = [row for attempt, row in earlier.items() if attempt != result["attempt"]]
        result["articles_indexed"] = articles
        result["attempts"] = 1 + len(killed)
        result["seconds_total"] = result["seconds"] + sum(row["seconds"] for row in killed)
        return result

    def baseline(self, kind: str, size: int, previous: int | None, names: list[str]) -> dict[str, Any]:
        """A plain llama-index baseline adds the step's new articles to its index of the previous step."""
        store = self.work / f"baseline-{kind}-{size}"
        shutil.rmtree(store, ignore_errors=True)  # what a killed attempt left
        if previous is not None:
            shutil.copytree(self.work / f"baseline-{kind}-{previous}", store)
        files = self.work / f"baseline-files-{size}.json"
        files.write_text(json.dumps([str(self.work / "all" / name) for name in names]))
        chunk = 0 if kind == "default" else 200
        return self.worker(
            "plain", f"baseline-{kind}-{size}", files=files, data=store, threads=self.args.threads, chunk=chunk
        )

    def cli_ask(self, question: str) -> dict[str, Any]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
        environment |= {
            "FACTDESK_CORPUS_DIR": str(self.corpus),
            "FACTDESK_DATA_DIR": str(self.data),
            "FACTDESK_THREADS": str(self.args.threads),
        }
        started = time.perf_counter()
        asked = subprocess.run([FACTDESK, "ask", "--json", question], env=environment, capture_output=True, check=False)
        if asked.returncode != 0:
            raise SystemExit(f"error: factdesk ask failed: {asked.stderr.decode()[-2000:]}")
        return {"seconds": time.perf_counter() - started}


def commit() -> str:
    found = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or "unknown"


def step_figures(size: int, parts: dict[str, Any], previous: int) -> dict[str, Any]:
    """One step's row of the results: the keys the scale issue names, then the detail."""
    index, share = parts["index"], parts["share"]
    added = index["articles_indexed"]
    row: dict[str, Any] = {
        "articles": size,
        "chunks": share["chunks"],
        "index_articles_per_s": round(added / index["seconds_total"], 3),
        "baseline_fair_articles_per_s": None,
        "baseline_default_articles_per_s": None,
        # update_index alone, as the no-change figures before were timed (the process start is in cli_ask_s).
        "no_change_reindex_s": round(parts["no_change"].get("update_seconds", parts["no_change"]["seconds"]), 2),
        "no_change_reindex_process_s": round(parts["no_change"]["seconds"], 2),
        "rss_mb": round(parts["answer"]["rss_mb"], 1),
        "first_answer_s": round(parts["answer"]["first_answer_s"], 2),
        "p50_ms": round(parts["answer"]["p50_ms"], 1),
        "p95_ms": round(parts["answer"]["p95_ms"], 1),
        "cli_ask_s": round(parts["cli_ask"]["seconds"], 2),
        "embed_precision": index["precision"],
        "articles_added": added,
        "added_after": previous,
        "index_seconds": round(index["seconds_total"], 1),
        "index_attempts": index["attempts"],
        "index_peak_mb": round(index["peak_mb"]),
        "index_chunks_per_s": round(index["chunks_written"] / index["seconds"], 1),
        "questions_timed": parts["answer"]["questions"],
        "answer_loaded_torch": parts["answer"]["torch_loaded"],
        "text_embedded": {"factdesk": round(share["embedded_share"], 3)},
        "commits": sorted({part["commit"] for part in parts.values() if isinstance(part, dict) and "commit" in part}),
    }
    for kind in ("fair", "default"):
        baseline = parts.get(f"baseline_{kind}")
        if baseline:
            rate = baseline["articles"] / baseline["seconds"]
            row[f"baseline_{kind}_articles_per_s"] = round(rate, 3)
            row[f"vs_baseline_{kind}"] = round(row["index_articles_per_s"] / rate, 2)
            row[f"baseline_{kind}_chunks"] = baseline["chunks_total"]
            row["text_embedded"][f"baseline_{kind}"] = round(baseline["embedded_share"], 3)
    if any(parts.get(f"baseline_{kind}") for kind in ("fair", "default")):
        row["baseline_precision"] = "fp32 (llama-index's default)"
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'articles':>8} {'chunks':>7} {'index art/s':>11} {'fair art/s':>10} {'default art/s':>13} "
        f"{'no-change s':>11} {'RSS MB':>7} {'first s':>7} {'p50 ms':>7} {'p95 ms':>7} {'ask s':>6}"
    )
    for row in rows:
        fair, default = row["baseline_fair_articles_per_s"], row["baseline_default_articles_per_s"]
        print(
            f"{row['articles']:>8} {row['chunks']:>7} {row['index_articles_per_s']:>11} {fair or '-':>10} "
            f"{default or '-':>13} {row['no_change_reindex_s']:>11} {row['rss_mb']:>7.0f} {row['first_answer_s']:>7} "
            f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['cli_ask_s']:>6}"
        )
    print(f"embedding: {rows[-1]['embed_precision']}; text embedded: {rows[-1]['text_embedded']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=None, help="at most this many articles (default: all)")
    parser.add_argument("--steps", type=int, nargs="*", default=[1000, 3000], help="sizes measured on the way")
    parser.add_argument(
        "--baseline-steps", type=int, nargs="*", default=[1000, 3000], help="the first steps, with the baselines"
    )
    parser.add_argument(
        "--questions", type=int, default=41, help="questions timed at each size (the first is the warm-up)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto", help="factdesk's embedding")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.json")
    parser.add_argument("--work", type=Path, default=REPO / ".factdesk" / "bench-scale", help="corpus, indexes, state")
    parser.add_argument("--fresh", action="store_true", help="start over instead of resuming the run in --work")
    parser.add_argument("--worker", choices=list(WORKERS))
    parser.add_argument("--job", type=json.loads, default={})
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.job)))
        return
    if args.fresh:
        shutil.rmtree(args.work, ignore_errors=True)
    every, per_question = write_all_articles(args.work / "all", args.articles)
    sizes = [size for size in args.steps if size < len(every)] + [len(every)]
    if args.baseline_steps != sizes[: len(args.baseline_steps)]:
        raise SystemExit(
            f"error: --baseline-steps must be the first of the steps {sizes} (each baseline adds a step's articles)"
        )
    run = Run(args)
    rows: list[dict[str, Any]] = []
    previous = 0
    for size in sizes:
        names = every[previous:size]
        for name in names:
            if not (run.corpus / name).exists():
                shutil.copy(args.work / "all" / name, run.corpus / name)
        if "finished" not in run.state["steps"].get(str(size), {}):
            questions = questions_for({Path(name).stem for name in every[:size]}, per_question, args.questions)
            run.step(size, names, questions)
        rows.append(step_figures(size, run.state["steps"][str(size)], previous))
        write_results(args, rows, complete=size == sizes[-1])
        print_table(rows)
        previous = size


def write_results(args: argparse.Namespace, rows: list[dict[str, Any]], *, complete: bool) -> None:
    """The last finished step's figures at the top (the issue's keys), every step below."""
    last = rows[-1]
    total_seconds = sum(row["index_seconds"] for row in rows)
    result = {
        **{key: value for key, value in last.items() if key not in ("commits", "added_after")},
        "complete": complete,
        "index_articles_per_s_all_steps": round(sum(row["articles_added"] for row in rows) / total_seconds, 3),
        "index_seconds_all_steps": round(total_seconds, 1),
        "p50_growth_from_first_step": round(last["p50_ms"] / rows[0]["p50_ms"], 2),
        "steps": rows,
        "threads": args.threads,
        "cpu": os.cpu_count(),
        "command": "bench/scale.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temp = args.out.with_suffix(".tmp")
    temp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(temp, args.out)
    print(f"wrote {args.out} ({'complete' if complete else 'so far'})", flush=True)


if __name__ == "__main__":
    main()
