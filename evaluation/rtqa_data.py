"""RealTimeQA 2024 as factdesk reads it: quiz questions, their NOTA twins and the articles a web
search returned for them, written into a corpus folder as Markdown articles (outside the repo).

Questions are split by date: the first half (dev) is for development, the second half (test) is
what gets reported.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


def spread(questions: list[Question], count: int) -> list[Question]:
    """`count` questions spread evenly over a split ordered by date: quick mode's sample."""
    return questions[:: max(1, len(questions) // count)][:count]


def article_id(url: str) -> str:
    return "rtqa-" + hashlib.sha1(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SearchResult:
    """One article a web search returned for a question, as factdesk indexes it."""

    url: str
    title: str
    text: str
    published: str | None

    @property
    def id(self) -> str:
        return article_id(self.url)

    def markdown(self) -> str:
        """The article as a factdesk file: front matter (title, outlet = the site, url, date) and text."""
        front: dict[str, str] = {
            "title": self.title[:400] or "untitled",
            "outlet": self.url.split("/")[2],
            "url": self.url,
        }
        if self.published:
            front["published"] = self.published
        lines = ["---", *(f"{key}: {json.dumps(value)}" for key, value in front.items()), "---", self.text]
        return "\n".join(lines) + "\n"


def search_results(data: Path, question_ids: set[str] | None = None) -> Iterator[tuple[str, list[SearchResult]]]:
    """Each question's usable search results (an address and 200 characters of text at least),
    in the data set's order; every question, or those in `question_ids`. The one reading of
    `gcs.jsonl.gz` that the evaluation and the benches share."""
    for row in _lines(data / "gcs.jsonl.gz"):
        if question_ids is not None and row["question_id"] not in question_ids:
            continue
        results = []
        for result in row.get("search_result") or []:
            url, text = result.get("url"), (result.get("text") or "").strip()
            if not url or len(text) < 200:
                continue
            published = (result.get("publish_date") or "").replace("/", "-")
            results.append(
                SearchResult(
                    url=url,
                    title=result.get("title") or "untitled",
                    text=text,
                    published=published if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published) else None,
                )
            )
        yield row["question_id"], results


def write_articles(data: Path, question_ids: set[str], corpus: Path) -> dict[str, list[str]]:
    """Write each distinct article once; return the article ids found for each question."""
    corpus.mkdir(parents=True, exist_ok=True)
    per_question: dict[str, list[str]] = {}
    for question_id, results in search_results(data, question_ids):
        for result in results:
            path = corpus / f"{result.id}.md"
            if not path.exists():
                path.write_text(result.markdown(), encoding="utf-8")
        per_question[question_id] = [result.id for result in results]
    return per_question


def answerable(data: Path, questions: list[Question]) -> list[Question]:
    """The questions whose gold answer appears, normalised, in one of their articles' texts."""
    wanted = {question.id: question for question in questions}
    found: set[str] = set()
    for row in _lines(data / "gcs.jsonl.gz"):
        question = wanted.get(row["question_id"])
        if question is None:
            continue
        texts = (result.get("text") or "" for result in row.get("search_result") or [])
        if any(contains(text, question.gold) for text in texts):
            found.add(question.id)
    return [question for question in questions if question.id in found]


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def is_nota(choice: str) -> bool:
    """A "none of the above" choice, also as the data spells it now and then ("None of these candidates")."""
    return re.sub(r"^[a-d] ", "", _normalise(choice)).startswith("none of")


def contains(text: str, answer: str) -> bool:
    needle = _normalise(answer)
    return bool(needle) and f" {needle} " in f" {_normalise(text)} "
