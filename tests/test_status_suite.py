"""The end-to-end status suite (issue 21): every case of `tests/status_suite/families/` through
`factdesk index` and `factdesk ask --json`, one test per case.

The cases run in every full run (`make test`, CI) and the table per family is printed at the end.
The cases that do not hold yet are listed, each with what goes wrong, in
`tests/status_suite/known_failures.yaml`: they are strict expected failures, so a fix that makes
one hold fails the run until it is taken off the list, and a new failure fails it at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.status_suite.cases import Case, ClaimExpectation, Family, Status, load_families, plain
from tests.status_suite.judge import judge
from tests.status_suite.runner import SUITE_RUN, SuiteRun

FAMILIES = load_families()
CASES = [(family, case) for family in FAMILIES for case in family.cases]
KNOWN_FAILURES: dict[str, str] = (
    yaml.safe_load((Path(__file__).parent / "status_suite" / "known_failures.yaml").read_text(encoding="utf-8")) or {}
)


def test_known_failures_name_real_cases() -> None:
    assert set(KNOWN_FAILURES) <= {case.id for _, case in CASES}
    assert all(isinstance(reason, str) and reason.strip() for reason in KNOWN_FAILURES.values())


# --- the suite's shape --------------------------------------------------------------------


def test_the_suite_is_large_and_a_quarter_of_it_must_stay_confirmed() -> None:
    """At least 200 cases, at least a quarter expecting `confirmed`, so doubt everywhere fails."""
    assert len(CASES) >= 200
    confirmed = sum(case.must_stay_confirmed for _, case in CASES)
    assert confirmed * 4 >= len(CASES), (confirmed, len(CASES))
    doubtful = sum(any(claim.status is not Status.CONFIRMED for claim in case.claims) for _, case in CASES)
    assert doubtful * 4 >= len(CASES), (doubtful, len(CASES))


def test_every_status_and_every_kind_of_expectation_is_tried() -> None:
    statuses = Counter(claim.status for _, case in CASES for claim in case.claims)
    assert set(statuses) == set(Status), statuses
    assert any(case.never_cited for _, case in CASES)
    assert any(case.refused for _, case in CASES)
    assert any(claim.disputed_by for _, case in CASES for claim in case.claims)
    assert any(claim.not_corroborated_by for _, case in CASES for claim in case.claims)


def test_every_family_has_cases_that_must_stay_confirmed() -> None:
    """Each family also tries the look-alike that must not be doubted (beside the rumour, under the plain lead-in)."""
    without = [family.family for family in FAMILIES if not any(case.must_stay_confirmed for case in family.cases)]
    assert not without


def _first(options: str) -> str:
    return options.split("|")[0]


def answer_as_described(case: Case, status: Callable[[ClaimExpectation], str] | None = None) -> dict[str, Any]:
    """The `ask --json` answer a case describes, one claim per expected sentence; `status` overrides
    the status every claim shows."""
    claims, sources = [], []
    for n, expected in enumerate(case.claims, start=1):
        article = next(article for article in case.articles if plain(expected.cite) in plain(article.body))
        who = " ".join(_first(word) for word in expected.attributed_to)
        if not who:
            who = "unnamed sources" if expected.status is Status.REPORTED else article.outlet
        sources.append(
            {"n": n, "article_id": case.article_id(article.name), "outlet": article.outlet, "quote": expected.cite}
        )
        claims.append(
            {
                "text": expected.cite,
                "status": status(expected) if status else expected.status.value,
                "attributed_to": who,
                "citations": [n],
                "not_confirmed_by": [],
                "disputed_by": [_first(word) for word in expected.disputed_by],
                "corroborated_by": [_first(word) for word in expected.corroborated_by],
            }
        )
    answer = " ".join(claim["text"] for claim in claims) or "The articles don't say."
    as_of = case.as_of.isoformat() if case.as_of else None
    return {"answer": answer, "claims": claims, "sources": sources, "as_of": as_of}


def refusals_as_described(case: Case) -> list[tuple[str, str]]:
    return [
        (f"{case.article_id(refusal.article)}.md", " ".join(_first(word) for word in refusal.reason))
        for refusal in case.refused
    ]


def test_every_case_holds_for_the_answer_it_describes() -> None:
    """The expectations can all be met at once: no case asks for the impossible."""
    for _, case in CASES:
        verdicts = judge(case, answer_as_described(case), refusals_as_described(case))
        assert all(verdict.held for verdict in verdicts), (case.id, [v for v in verdicts if not v.held])


def test_doubt_everywhere_fails_every_case_that_must_stay_confirmed() -> None:
    for _, case in CASES:
        if case.must_stay_confirmed:
            answer = answer_as_described(case, status=lambda _: Status.REPORTED.value)
            verdicts = judge(case, answer, refusals_as_described(case))
            assert not all(verdict.held for verdict in verdicts), case.id
            assert any(verdict.wrong_doubt for verdict in verdicts), case.id


def test_confirmed_everywhere_fails_every_doubtful_claim() -> None:
    for _, case in CASES:
        answer = answer_as_described(case, status=lambda _: Status.CONFIRMED.value)
        verdicts = judge(case, answer, refusals_as_described(case))
        doubtful = [claim for claim in case.claims if claim.status is not Status.CONFIRMED]
        assert sum(verdict.wrong_confirmed for verdict in verdicts) == len(doubtful), case.id
        assert all(verdict.held for verdict in verdicts) is not bool(doubtful), case.id


def test_a_sentence_left_out_an_instruction_quoted_or_a_refusal_missing_fails() -> None:
    refusing = next(case for _, case in CASES if case.refused and case.never_cited)
    quoted = answer_as_described(refusing)
    quoted["sources"].append({"n": 99, "article_id": "x/y", "outlet": "o", "quote": refusing.never_cited[0]})
    assert not all(verdict.held for verdict in judge(refusing, quoted, refusals_as_described(refusing)))
    assert not all(verdict.held for verdict in judge(refusing, answer_as_described(refusing), []))
    claimed = next(case for _, case in CASES if case.claims)
    silent = {"answer": "The articles don't say.", "claims": [], "sources": [], "as_of": None}
    verdicts = judge(claimed, silent, [])
    assert verdicts[0].not_cited and not verdicts[0].held


# --- the cases, end to end ------------------------------------------------------------------


@pytest.fixture(scope="session")
def suite_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    run = SuiteRun(tmp_path_factory.mktemp("status-suite"))
    request.config.stash[SUITE_RUN] = run
    return run


def _marked(family: Family, case: Case) -> Any:
    reason = KNOWN_FAILURES.get(case.id)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(family, case, marks=marks, id=f"{family.family}/{case.id}")


@pytest.mark.status_suite
@pytest.mark.parametrize(("family", "case"), [_marked(family, case) for family, case in CASES])
def test_case(family: Family, case: Case, suite_run: SuiteRun) -> None:
    result = suite_run.result(family, case)
    if not result.held:
        pytest.fail(result.report(), pytrace=False)
