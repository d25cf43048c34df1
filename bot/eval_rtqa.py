"""`factdesk eval rtqa`: factdesk on real 2024 news (RealTimeQA), nobody here wrote.

Questions are split by date: the first half (dev) is for development, the second half (test)
is what gets reported. Quick mode takes every k-th test question (20 by default) and indexes
only the articles retrieved for them; the full run indexes every article of the split.

* retrieval: is an article whose text contains the gold answer among the top k articles
  (k = 1, 5, 10), and MRR, for BM25 only, dense only and hybrid; questions whose gold answer is
  in none of their articles are counted apart and left out of these rates.
* multiple choice (offline): each choice is scored by the retrieved evidence (share of its words
  in a sentence and in the retrieved articles, and embedding similarity of question+choice to
  the best sentence); the best-supported choice wins, cited by its sentence. "None of the above"
  is chosen when the best-supported choice is not named verbatim in the retrieved articles
  (rule chosen on the dev split).
* NOTA twins: the same questions with the gold choice replaced by "None of the above".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer import AnswerEngine
from bot.evidence import gather_evidence
from bot.retrieval import Passage
from bot.settings import Settings
from index import update_index

NOTA = "none of the above"
# Below this share of a choice's words in the retrieved articles, no choice is supported.
MIN_COVERAGE = 0.5
ANCHORS = {"multiple_choice": 0.579, "closed_book": 0.436, "nota": 0.766}


@dataclass(frozen=True)
class Question:
    id: str
    date: str
    text: str
    choices: tuple[str, ...]
    answer: int

    @property
    def gold(self) -> str:
        return self.choices[self.answer]


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        for line in file:
            if line.strip():
                yield json.loads(line)


def load_questions(path: Path) -> list[Question]:
    return [
        Question(
            id=row["question_id"],
            date=row["question_date"].replace("-", "/"),
            text=row["question_sentence"],
            choices=tuple(row["choices"]),
            answer=int(row["answer"][0]),
        )
        for row in _lines(path)
    ]


def split_by_date(questions: list[Question], split: str) -> list[Question]:
    ordered = sorted(questions, key=lambda q: (q.date, q.id))
    half = len(ordered) // 2
    return ordered[:half] if split == "dev" else ordered[half:]


def article_id(url: str) -> str:
    return "rtqa-" + hashlib.sha1(url.encode()).hexdigest()[:16]


def write_articles(data: Path, question_ids: set[str], corpus: Path) -> dict[str, list[str]]:
    """Write each distinct article once; return the article ids found for each question."""
    corpus.mkdir(parents=True, exist_ok=True)
    per_question: dict[str, list[str]] = {}
    for row in _lines(data / "gcs.jsonl.gz"):
        if row["question_id"] not in question_ids:
            continue
        ids = []
        for result in row.get("search_result") or []:
            url, text = result.get("url"), (result.get("text") or "").strip()
            if not url or len(text) < 200:
                continue
            identifier = article_id(url)
            ids.append(identifier)
            path = corpus / f"{identifier}.md"
            if not path.exists():
                published = (result.get("publish_date") or "").replace("/", "-")
                front = {
                    "title": (result.get("title") or "untitled")[:400] or "untitled",
                    "outlet": url.split("/")[2],
                    "url": url,
                }
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
                    front["published"] = published
                lines = ["---", *(f"{key}: {json.dumps(value)}" for key, value in front.items()), "---", text]
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        per_question[row["question_id"]] = ids
    return per_question


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def contains(text: str, answer: str) -> bool:
    needle = _normalise(answer)
    return bool(needle) and f" {needle} " in f" {_normalise(text)} "


def ranked_articles(passages: list[Passage]) -> list[str]:
    return list(dict.fromkeys(passage.article.id for passage in passages))


def retrieval_scores(ranks: list[int | None]) -> dict[str, float]:
    """Ranks are 1-based positions of the first article holding the answer, None if absent."""
    count = len(ranks) or 1
    scores = {f"hit@{k}": sum(1 for r in ranks if r is not None and r <= k) / count for k in (1, 5, 10)}
    scores["mrr"] = sum(1 / r for r in ranks if r is not None) / count
    return {key: round(value, 4) for key, value in scores.items()}


def coverage(text: str, answer: str) -> float:
    """Share of the answer's words found in the text (1.0 for an exact mention)."""
    if contains(text, answer):
        return 1.0
    words = set(_normalise(answer).split())
    return len(words & set(_normalise(text).split())) / len(words) if words else 0.0


def choose(question: Question, engine: AnswerEngine, passages: list[Passage]) -> tuple[int | None, str | None]:
    """The best-supported choice and the sentence that supports it; None for none of the above."""
    embed = engine.retriever.embed_model
    evidence = gather_evidence(question.text, passages, embed)
    bodies = " ".join({passage.article.id: passage.article.body for passage in passages}.values())
    candidates = [(i, c) for i, c in enumerate(question.choices) if _normalise(c) != NOTA]
    in_articles = {number: coverage(bodies, choice) for number, choice in candidates}
    if max(in_articles.values(), default=0.0) < MIN_COVERAGE:
        return None, None
    best: tuple[float, int, str | None] = (-1e9, candidates[0][0], None)
    for number, choice in candidates:
        query = np.asarray(embed.get_query_embedding(f"{question.text} {choice}"))
        score, quote = 0.0, None
        for item in evidence:
            value = float(item.vector @ query) + 0.6 * coverage(item.sentence.text, choice)
            if value > score:
                score, quote = value, item.sentence.text
        score += 0.3 * in_articles[number]
        if score > best[0]:
            best = (score, number, quote)
    if in_articles[best[1]] < 1.0:
        return None, None  # the best-supported choice is never named in the articles: none of the above
    return best[1], best[2]


def evaluate_rtqa(
    settings: Settings,
    data: Path,
    *,
    quick: bool = True,
    split: str = "test",
    questions_in_quick: int = 20,
    work_dir: Path | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    questions = split_by_date(load_questions(data / "qa.jsonl.gz"), split)
    if quick:
        step = max(1, len(questions) // questions_in_quick)
        questions = questions[::step][:questions_in_quick]
    twins = {q.id: q for q in load_questions(data / "qa_nota.jsonl.gz")}
    size = f"quick{questions_in_quick}" if quick else "full"
    work = work_dir or settings.data_dir / f"eval-rtqa-{split}-{size}"
    corpus = work / "corpus"
    per_question = write_articles(data, {q.id for q in questions}, corpus)
    eval_settings = settings.model_copy(update={"corpus_dir": corpus, "data_dir": work / "data", "collection": "rtqa"})
    index_started = time.perf_counter()
    report = update_index(eval_settings.index_config())
    index_seconds = time.perf_counter() - index_started
    engine = AnswerEngine(eval_settings)
    bodies = {record.id: record.body for record in engine.store.articles(engine.store.pointer().active)}

    ranks: dict[str, list[int | None]] = {"bm25": [], "dense": [], "hybrid": []}
    absent = 0
    correct = nota_right = nota_wrongly = 0
    plus_minus = 0
    answers = []
    for question in questions:
        holders = {a for a in per_question.get(question.id, []) if contains(bodies.get(a, ""), question.gold)}
        if holders:
            for mode in ranks:
                order = ranked_articles(engine.retriever.search(question.text, top_k=30, mode=mode))
                ranks[mode].append(next((i + 1 for i, a in enumerate(order) if a in holders), None))
        else:
            absent += 1
        passages = engine.retriever.search(question.text, top_k=10)
        picked, quote = choose(question, engine, passages)
        if picked is None:
            nota_wrongly += 1
        elif picked == question.answer:
            correct += 1
            plus_minus += 1
        else:
            plus_minus -= 1
        answers.append({"id": question.id, "picked": picked, "gold": question.answer, "quote": quote})
        twin = twins.get(question.id + "_nota")
        if twin is not None:
            twin_pick, _ = choose(twin, engine, passages)
            nota_index = next(i for i, c in enumerate(twin.choices) if _normalise(c) == NOTA)
            if (twin_pick is None and twin.answer == nota_index) or twin_pick == twin.answer:
                nota_right += 1
    count = len(questions) or 1
    return {
        "split": split,
        "quick": quick,
        "questions": len(questions),
        "articles": len(bodies),
        "chunks": engine.store.status().chunks,
        "index": {
            "seconds": round(index_seconds, 1),
            "added": len(report.added),
            "skipped": len(report.skipped),
            "problems": len(report.problems),
        },
        "answer_in_no_article": absent,
        "retrieval": {mode: retrieval_scores(values) for mode, values in ranks.items()},
        "multiple_choice": {
            "accuracy": round(correct / count, 4),
            "score_plus_minus": round(plus_minus / count, 4),
            "said_none_of_the_above": round(nota_wrongly / count, 4),
        },
        "nota": {"accuracy": round(nota_right / count, 4)},
        "anchors": ANCHORS,
        "seconds": round(time.perf_counter() - started, 1),
        "how_counted": "retrieval over the pooled articles of all evaluated questions, article level (passages "
        "deduplicated by article, 30 passages deep); gold answer found by normalised substring match",
        "answers": answers,
    }


def render_rtqa_table(console: Any, results: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(
        title=f"RealTimeQA 2024, {results['split']} split ({results['questions']} questions, "
        f"{results['articles']} articles, {results['chunks']} chunks)"
    )
    for column in ("measure", "bm25", "dense", "hybrid"):
        table.add_column(column, justify="right")
    for key in ("hit@1", "hit@5", "hit@10", "mrr"):
        table.add_row(key, *(f"{results['retrieval'][mode][key]:.3f}" for mode in ("bm25", "dense", "hybrid")))
    console.print(table)
    answers = Table(title="Answers (offline extractive)")
    for column in ("measure", "factdesk", "anchor"):
        answers.add_column(column, justify="right")
    mc = results["multiple_choice"]
    answers.add_row("multiple choice accuracy", f"{mc['accuracy']:.3f}", "0.579 GPT-3 + search; 0.436 closed book")
    answers.add_row("score (+1 right, 0 none, -1 wrong)", f"{mc['score_plus_minus']:.3f}", "")
    answers.add_row("wrongly said none of the above", f"{mc['said_none_of_the_above']:.3f}", "")
    answers.add_row("NOTA twins accuracy", f"{results['nota']['accuracy']:.3f}", "0.766")
    console.print(answers)
    console.print(
        f"answer in none of the articles: {results['answer_in_no_article']} questions; "
        f"indexing {results['index']['seconds']} s; total {results['seconds']} s"
    )
