"""`factdesk eval rgb`: the product's answers on RGB `en_fact` (Chen et al., "Benchmarking Large
Language Models in Retrieval-Augmented Generation", AAAI 2024; data CC BY-NC-SA 4.0, read from
`../shared/data/rgb`, never copied here).

Each of the 100 questions gets its own small index per condition, as RGB gives each question its
own passages; every passage is one article. The question then goes through `answer_question`
exactly as `factdesk ask` runs it.

* noise robustness: the true passages and the irrelevant ones together; right when the answer
  does not abstain and states the gold answer (in a claim or a cited sentence).
* negative rejection: only the irrelevant passages; right when the answer abstains ("The
  articles don't say."). RGB's irrelevant passages sometimes do name the answer; that is part of
  the test as published.
* error detection: the true passages as articles of one outlet and the rewritten wrong ones as
  articles of another; detected when the answer shows both sides (a sentence with the gold
  answer and one with the fake) and marks a claim disputed.
* false alarms: only the true passages, split between the two outlets; a false alarm is an
  answer with any claim marked disputed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answering.engine import AnswerEngine, answer_question
from bot.answering.models import Answer
from bot.settings import Settings
from evaluation.data import require
from index.build import update_index
from index.claims.status import ClaimStatus

TRUE_OUTLET = "Harbor Ledger"
WRONG_OUTLET = "Summit Courier"
NOISE_OUTLET = "Wire Digest"
CONDITIONS = ("noise", "negative", "counterfactual", "consistent")

# Published English figures (the paper's Tables 3-5), beside which factdesk's are printed.
REJECTION_PUBLISHED = {
    "ChatGPT": 0.45,
    "ChatGLM-6B": 0.25,
    "ChatGLM2-6B": 0.4133,
    "Vicuna-7B-v1.3": 0.3333,
    "Qwen-7B-Chat": 0.3567,
    "BELLE-7B-2M": 0.3233,
}
NOISE_PUBLISHED = {
    "ChatGPT": 0.90,
    "ChatGLM-6B": 0.8467,
    "ChatGLM2-6B": 0.7733,
    "Vicuna-7B-v1.3": 0.8233,
    "Qwen-7B-Chat": 0.8767,
    "BELLE-7B-2M": 0.7133,
}
PUBLISHED: dict[str, object] = {
    "reference": "Chen, Lin, Han, Sun. Benchmarking Large Language Models in Retrieval-Augmented "
    "Generation. AAAI 2024 (arXiv:2309.01431), English results",
    "negative_rejection_rej_star": REJECTION_PUBLISHED,
    "noise_robustness_accuracy_noise_0.6": NOISE_PUBLISHED,
}


@dataclass(frozen=True)
class RgbQuestion:
    id: int
    query: str
    answers: tuple[str, ...]
    fake: str
    positive: tuple[str, ...]
    positive_wrong: tuple[str, ...]
    negative: tuple[str, ...]


def load_rgb(path: Path) -> list[RgbQuestion]:
    rows = []
    for line in require(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        answers = row["answer"] if isinstance(row["answer"], list) else [row["answer"]]
        rows.append(
            RgbQuestion(
                id=int(row["id"]),
                query=row["query"],
                answers=tuple(_flatten(answers)),
                fake=str(row["fakeanswer"]),
                positive=tuple(row["positive"]),
                positive_wrong=tuple(row["positive_wrong"]),
                negative=tuple(row["negative"]),
            )
        )
    return rows


def _flatten(values: list[Any]) -> Iterator[str]:
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        else:
            yield str(value)


def _normalise(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def states(text: str, answers: tuple[str, ...]) -> bool:
    return any(_normalise(answer).strip() and _normalise(answer) in _normalise(text) for answer in answers)


def answer_texts(answer: Answer) -> list[str]:
    """Each claim with the sentences it cites, as a reader sees them together."""
    return [
        " ".join([claim.text, *(answer.source(n).quote for n in claim.citations if 0 < n <= len(answer.sources))])
        for claim in answer.claims
    ]


def passages_for(question: RgbQuestion, condition: str) -> list[tuple[str, str]]:
    """(outlet, text) of the passages a condition indexes for a question."""
    if condition == "noise":
        return [(TRUE_OUTLET, text) for text in question.positive] + [(NOISE_OUTLET, t) for t in question.negative]
    if condition == "negative":
        return [(NOISE_OUTLET, text) for text in question.negative]
    if condition == "counterfactual":
        return [(TRUE_OUTLET, text) for text in question.positive] + [
            (WRONG_OUTLET, text) for text in question.positive_wrong
        ]
    return [(TRUE_OUTLET if n % 2 == 0 else WRONG_OUTLET, text) for n, text in enumerate(question.positive)]


def write_corpus(folder: Path, passages: list[tuple[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (outlet, text) in enumerate(passages):
        words = re.findall(r"\w+", text)
        title = " ".join(words[:8]) or "passage"
        front = ["---", f"title: {json.dumps(title)}", f"outlet: {json.dumps(outlet)}", "---"]
        (folder / f"p{number:02d}.md").write_text("\n".join([*front, text.strip(), ""]), encoding="utf-8")


def evaluate_rgb(
    settings: Settings,
    data: Path,
    *,
    limit: int | None = None,
    work_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    questions = load_rgb(data / "en_fact.json")[:limit]
    work = work_dir or settings.data_dir / "eval-rgb"
    tally = {condition: 0 for condition in CONDITIONS}
    answered_consistent = 0
    rows = []
    total = len(questions) * len(CONDITIONS)
    for number, question in enumerate(questions):
        row: dict[str, Any] = {"id": question.id}
        for step, condition in enumerate(CONDITIONS):
            folder = work / f"q{question.id:03d}-{condition}"
            write_corpus(folder / "corpus", passages_for(question, condition))
            local = settings.model_copy(
                update={
                    "corpus_dir": folder / "corpus",
                    "data_dir": work / "data",
                    "collection": f"rgb{question.id}{condition}",
                }
            )
            update_index(local.index_config())
            engine = AnswerEngine.open(local.index_config(), local.answer_config())  # the model is loaded once
            answer = answer_question(question.query, engine, mode=settings.llm)
            texts = answer_texts(answer)
            disputed = any(claim.status is ClaimStatus.DISPUTED for claim in answer.claims)
            if condition == "noise":
                ok = not answer.abstained and any(states(text, question.answers) for text in texts)
            elif condition == "negative":
                ok = answer.abstained
            elif condition == "counterfactual":
                both = any(states(t, question.answers) for t in texts) and any(
                    states(t, (question.fake,)) for t in texts
                )
                ok = both and disputed
            else:
                answered_consistent += not answer.abstained
                ok = disputed  # a false alarm
            tally[condition] += ok
            row[condition] = {"ok": ok, "abstained": answer.abstained, "disputed": disputed}
            if progress:
                progress("answering RGB questions", number * len(CONDITIONS) + step + 1, total)
        rows.append(row)
    count = len(questions) or 1
    return {
        "questions": len(questions),
        "mode": settings.llm.value,
        "noise_robustness": round(tally["noise"] / count, 4),
        "negative_rejection": round(tally["negative"] / count, 4),
        "error_detection": round(tally["counterfactual"] / count, 4),
        "false_alarms": round(tally["consistent"] / max(1, answered_consistent), 4),
        "false_alarm_questions_answered": answered_consistent,
        "noise_share": round(
            sum(len(q.negative) for q in questions) / max(1, sum(len(q.negative) + len(q.positive) for q in questions)),
            3,
        ),
        "published": PUBLISHED,
        "seconds": round(time.perf_counter() - started, 1),
        "how_counted": __doc__.split("\n\n", 2)[2].strip() if __doc__ else "",
        "answers": rows,
    }


def render_rgb_table(console: Any, results: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"RGB en_fact, {results['questions']} questions ({results['mode']})")
    for column in ("measure", "factdesk", "published (best of six LLMs)", "goal"):
        table.add_column(column, justify="right")
    rejection = max(REJECTION_PUBLISHED.values())
    noise = max(NOISE_PUBLISHED.values())
    table.add_row("noise robustness (accuracy)", f"{results['noise_robustness']:.3f}", f"{noise:.3f}", "")
    table.add_row("negative rejection", f"{results['negative_rejection']:.3f}", f"{rejection:.3f}", "above it")
    table.add_row("error detection", f"{results['error_detection']:.3f}", "", ">= 0.80")
    table.add_row("false alarms", f"{results['false_alarms']:.3f}", "", "<= 0.10")
    console.print(table)
    console.print(f"[dim]{PUBLISHED['reference']}[/]", highlight=False)
