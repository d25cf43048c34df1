"""`factdesk eval rtqa`: factdesk on real 2024 news (RealTimeQA), which nobody here wrote.

What is scored is the product: each question goes through `answer_question` exactly as
`factdesk ask` runs it (same search, evidence, checks and abstention, in the configured mode),
and the quiz pick is read off the returned `Answer` (`choices.pick_from_answer`; an abstained
answer is "none of the above"). Beside it, in the same run and labelled as such:
`baseline_choice_rule`, the evaluation's former rule that judges every choice on pooled evidence
without answering, and the published anchors (GPT-3 with search, closed book).

* retrieval: is an article whose text contains the gold answer among the top k articles (k = 1,
  5, 10), and MRR, for keyword (BM25) only, dense only and hybrid; questions whose gold answer is
  in none of their articles are counted apart and left out of these rates.
* answers: right / abstained / wrong and the +1/0/-1 score over all questions; the NOTA twins
  (one choice dropped at random, "None of the above" added: "none" is right only where the gold
  choice was dropped) are scored on the same answer, since the question is the same.

Quick mode takes `questions_in_quick` questions spread over the split and indexes only their
articles; the full run indexes every article of the split. Questions are split by date (see
`rtqa_data`): report the test half.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bot.answering.config import AnswerMode
from bot.answering.engine import AnswerEngine, answer_question
from bot.answering.llm import build_llm
from bot.settings import Settings
from evaluation.choices import choose, evidence_passages, pick_from_answer, support_choices
from evaluation.rtqa_data import (
    Question,
    answerable,
    contains,
    is_nota,
    load_questions,
    split_by_date,
    spread,
    write_articles,
)
from index.build import update_index
from index.search import Passage

log = logging.getLogger(__name__)

ANCHORS = {
    "multiple_choice": {"value": 0.579, "what": "GPT-3 with search (RealTimeQA 2023 baseline, published)"},
    "closed_book": {"value": 0.436, "what": "GPT-3 closed book (published)"},
    "nota": {"value": 0.766, "what": "GPT-3 on NOTA twins (published)"},
}


def ranked_articles(passages: Sequence[Passage]) -> list[str]:
    return list(dict.fromkeys(passage.article.id for passage in passages))


def retrieval_scores(ranks: list[int | None]) -> dict[str, float]:
    """Ranks are 1-based positions of the first article holding the answer, None if absent."""
    count = len(ranks) or 1
    scores = {f"hit@{k}": sum(1 for r in ranks if r is not None and r <= k) / count for k in (1, 5, 10)}
    scores["mrr"] = sum(1 / r for r in ranks if r is not None) / count
    return {key: round(value, 4) for key, value in scores.items()}


def outcome(pick: int | None, question: Question) -> str:
    """right, abstained or wrong; on a twin whose gold is "none of the above", saying none is right."""
    if is_nota(question.gold):
        return "right" if pick is None else "wrong"
    if pick is None:
        return "abstained"
    return "right" if pick == question.answer else "wrong"


def shares(outcomes: Counter[str], count: int) -> dict[str, float]:
    count = count or 1
    return {
        "accuracy": round(outcomes["right"] / count, 4),
        "abstained": round(outcomes["abstained"] / count, 4),
        "wrong": round(outcomes["wrong"] / count, 4),
        "score": round((outcomes["right"] - outcomes["wrong"]) / count, 4),
    }


def evaluate_rtqa(
    settings: Settings,
    data: Path,
    *,
    quick: bool = True,
    split: str = "test",
    questions_in_quick: int = 20,
    answerable_only: bool = False,
    work_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """`progress(stage, done, total)` hears about embedding and answering: a full run takes hours."""
    started = time.perf_counter()
    questions = split_by_date(load_questions(data / "qa.jsonl.gz"), split)
    if answerable_only:
        questions = answerable(data, questions)
    if quick:
        questions = spread(questions, questions_in_quick)
    twins = {q.id: q for q in load_questions(data / "qa_nota.jsonl.gz")}
    size = (f"quick{questions_in_quick}" if quick else "full") + ("-answerable" if answerable_only else "")
    work = work_dir or settings.data_dir / f"eval-rtqa-{split}-{size}"
    corpus = work / "corpus"
    per_question = write_articles(data, {q.id for q in questions}, corpus)
    eval_settings = settings.model_copy(update={"corpus_dir": corpus, "data_dir": work / "data", "collection": "rtqa"})
    mode = settings.llm
    if mode is not AnswerMode.EXTRACTIVE:
        build_llm(settings.answer_config(), mode)  # a missing model or key fails now, not after an hour
    index_started = time.perf_counter()
    report = update_index(
        eval_settings.index_config(), progress=partial(progress, "embedding articles") if progress else None
    )
    index_seconds = time.perf_counter() - index_started
    engine = AnswerEngine.open(eval_settings.index_config(), eval_settings.answer_config())
    store = engine.searcher.store
    bodies = {record.id: record.body for record in store.articles(engine.searcher.live_generation())}

    ranks: dict[str, list[int | None]] = {"keyword": [], "dense": [], "hybrid": []}
    product: Counter[str] = Counter()
    baseline: Counter[str] = Counter()
    product_twins: Counter[str] = Counter()
    baseline_twins: Counter[str] = Counter()
    checks: Counter[str] = Counter()
    latencies: list[float] = []
    answers = []
    for number, question in enumerate(questions, start=1):
        holders = {a for a in per_question.get(question.id, []) if contains(bodies.get(a, ""), question.gold)}
        if holders:
            for search_mode in ranks:
                found = engine.searcher.search(question.text, top_k=30, mode=search_mode)  # type: ignore[arg-type]
                order = ranked_articles(found.passages)
                ranks[search_mode].append(next((i + 1 for i, a in enumerate(order) if a in holders), None))
        asked = time.perf_counter()
        answer = answer_question(question.text, engine, mode=mode)
        latencies.append(time.perf_counter() - asked)
        checks["removed_sentences"] += answer.removed_sentences
        checks["fell_back"] += bool(answer.notes)
        pick = pick_from_answer(answer, question.choices)
        product[outcome(pick, question)] += 1
        product["answerable_right" if holders and pick == question.answer else "_"] += 1
        supports = support_choices(question, engine, evidence_passages(question, engine))
        rule = choose(supports, abstain=True)
        baseline[outcome(None if rule is None else rule.number, question)] += 1
        forced = choose(supports, abstain=False)
        baseline["forced_right"] += forced is not None and forced.number == question.answer
        twin = twins.get(question.id + "_nota")
        twin_outcome = None
        if twin is not None:
            twin_outcome = outcome(pick_from_answer(answer, twin.choices), twin)
            product_twins[twin_outcome] += 1
            twin_rule = choose(support_choices(twin, engine, evidence_passages(twin, engine)), abstain=True)
            baseline_twins[outcome(None if twin_rule is None else twin_rule.number, twin)] += 1
        answers.append(
            {
                "id": question.id,
                "picked": pick,
                "gold": question.answer,
                "outcome": outcome(pick, question),
                "nota_twin": twin_outcome,
                "abstained": answer.abstained,
                "answer_in_articles": bool(holders),
                "cited_articles": sorted({source.article_id for source in answer.sources}),
                "statuses": [claim.status.value for claim in answer.claims],
                "baseline_pick": None if rule is None else rule.number,
            }
        )
        if progress:
            progress("answering questions", number, len(questions))
    count = len(questions)
    with_answer = sum(1 for row in answers if row["answer_in_articles"])
    twins_seen = sum(product_twins.values())
    latencies.sort()
    return {
        "split": split,
        "quick": quick,
        "answerable_only": answerable_only,
        "mode": mode.value,
        "questions": count,
        "articles": len(bodies),
        "chunks": store.status().chunks,
        "index": {
            "seconds": round(index_seconds, 1),
            "added": len(report.added),
            "skipped": len(report.skipped),
            "problems": len(report.problems),
        },
        "answer_in_no_article": count - with_answer,
        "retrieval": {search_mode: retrieval_scores(values) for search_mode, values in ranks.items()},
        "product": {
            **shares(product, count),
            "questions": count,
            "accuracy_answer_in_articles": round(product["answerable_right"] / max(1, with_answer), 4),
            "nota_accuracy": round(product_twins["right"] / max(1, twins_seen), 4),
            "nota_twins": twins_seen,
            "removed_sentences": checks["removed_sentences"],
            "fell_back_to_extractive": checks["fell_back"],
            "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "latency_p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1) if latencies else None,
        },
        "baseline_choice_rule": {
            **shares(baseline, count),
            "forced_accuracy": round(baseline["forced_right"] / max(1, count), 4),
            "nota_accuracy": round(baseline_twins["right"] / max(1, sum(baseline_twins.values())), 4),
            "what": "the former evaluation rule: choices judged on pooled evidence, no answer_question",
        },
        "anchors": ANCHORS,
        "seconds": round(time.perf_counter() - started, 1),
        "how_counted": "product: answer_question as factdesk ask runs it, the pick read from the Answer "
        "(choices.pick_from_answer); retrieval over the pooled articles of all evaluated questions, article "
        "level (passages deduplicated by article, 30 passages deep); gold found by normalised substring match",
        "answers": answers,
    }


def render_rtqa_table(console: Any, results: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(
        title=f"RealTimeQA 2024, {results['split']} split ({results['questions']} questions, "
        f"{results['articles']} articles, {results['chunks']} chunks)"
    )
    for column in ("retrieval", "keyword (bm25)", "dense", "hybrid"):
        table.add_column(column, justify="right")
    for key in ("hit@1", "hit@5", "hit@10", "mrr"):
        table.add_row(key, *(f"{results['retrieval'][mode][key]:.3f}" for mode in ("keyword", "dense", "hybrid")))
    console.print(table)
    answers = Table(title=f"Answers ({results['mode']}), the product's path")
    for column in ("measure", "factdesk", "baseline choice rule", "anchor"):
        answers.add_column(column, justify="right")
    product, rule, anchors = results["product"], results["baseline_choice_rule"], results["anchors"]
    answers.add_row(
        "right", f"{product['accuracy']:.3f}", f"{rule['accuracy']:.3f}", f"{anchors['multiple_choice']['value']}"
    )
    answers.add_row("abstained (none of the above)", f"{product['abstained']:.3f}", f"{rule['abstained']:.3f}", "")
    answers.add_row("wrong", f"{product['wrong']:.3f}", f"{rule['wrong']:.3f}", "")
    answers.add_row("score (+1 / 0 / -1)", f"{product['score']:.3f}", f"{rule['score']:.3f}", "")
    answers.add_row(
        "NOTA twins accuracy",
        f"{product['nota_accuracy']:.3f}",
        f"{rule['nota_accuracy']:.3f}",
        f"{anchors['nota']['value']}",
    )
    answers.add_row(
        "forced choice accuracy", "", f"{rule['forced_accuracy']:.3f}", f"closed book {anchors['closed_book']['value']}"
    )
    console.print(answers)
    console.print(
        f"answer in none of the articles: {results['answer_in_no_article']} questions; "
        f"sentences removed by the checks: {product['removed_sentences']}; "
        f"answer p50 {product['latency_p50_ms']} ms, p95 {product['latency_p95_ms']} ms; "
        f"indexing {results['index']['seconds']} s; total {results['seconds']} s",
        highlight=False,
    )
