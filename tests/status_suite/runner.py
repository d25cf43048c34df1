"""Running cases through the product's own path: what `factdesk index` and `factdesk ask --json`
call, in this process (`Indexer.update`, then `AnswerEngine.open` and `answer_question` with the
settings' answer mode and no filters), the answer read back from its JSON.

A family's cases share one index (their topics are kept apart by names and places), unless the
family says `isolate: true`: cases across articles (conflicts, reprints, corroboration) each get
their own, so that no other case's article can dispute or corroborate them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.status_suite.cases import Case, Family, today, write_case
from tests.status_suite.judge import CaseResult, judge


def corpora(family: Family) -> list[tuple[Case, ...]]:
    """The groups of cases that share an index."""
    if family.isolate:
        return [(case,) for case in family.cases]
    return [family.cases]


def run_cases(family: str, cases: Sequence[Case], root: Path) -> Iterator[CaseResult]:
    """Index the cases' articles into a fresh corpus under `root`, then ask every case's question."""
    from bot.answering.engine import AnswerEngine, answer_question
    from bot.settings import Settings
    from index.indexer import Indexer

    on = today()
    corpus, data = root / "corpus", root / "data"
    for case in cases:
        write_case(case, corpus, on)
    settings = Settings(_env_file=None, corpus_dir=corpus, data_dir=data)  # type: ignore[call-arg]
    report = Indexer(settings.index_config()).update()
    problems = [(problem.path, problem.reason) for problem in report.problems]
    engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
    for case in cases:
        answer = json.loads(answer_question(case.question, engine).model_dump_json())
        mine = tuple(f"{path}: {reason}" for path, reason in problems if path.startswith(f"{case.id}/"))
        yield CaseResult(family, case, answer, judge(case, answer, problems), mine)


def run_family(family: Family, root: Path) -> Iterator[CaseResult]:
    for number, cases in enumerate(corpora(family)):
        yield from run_cases(family.family, cases, root / f"{family.family}-{number}")


class SuiteRun:
    """Results computed per shared index on first need, so that selecting one case indexes only
    its group; the pytest run keeps one (`SUITE_RUN`) to print the table at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.results: dict[str, CaseResult] = {}

    def result(self, family: Family, case: Case) -> CaseResult:
        if case.id not in self.results:
            number = next(number for number, group in enumerate(corpora(family)) if case in group)
            group = corpora(family)[number]
            for found in run_cases(family.family, group, self.root / f"{family.family}-{number}"):
                self.results[found.case.id] = found
        return self.results[case.id]


SUITE_RUN = pytest.StashKey[SuiteRun]()
