"""The end-to-end status suite (issue 21): every case of `tests/status_suite/families/` through
`factdesk index` and `factdesk ask --json`, one test per case.

The cases run only when selected with `-m status_suite` (conftest deselects them otherwise) and
the table per family is printed at the end of the run. The checks of the suite's own shape run
in every lane: they need no index.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.status_suite.cases import Case, Family, Status, load_families
from tests.status_suite.runner import SUITE_RUN, SuiteRun

FAMILIES = load_families()
CASES = [(family, case) for family in FAMILIES for case in family.cases]


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


# --- the cases, end to end ------------------------------------------------------------------


@pytest.fixture(scope="session")
def suite_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    run = SuiteRun(tmp_path_factory.mktemp("status-suite"))
    request.config.stash[SUITE_RUN] = run
    return run


@pytest.mark.status_suite
@pytest.mark.parametrize(("family", "case"), CASES, ids=[f"{family.family}/{case.id}" for family, case in CASES])
def test_case(family: Family, case: Case, suite_run: SuiteRun) -> None:
    result = suite_run.result(family, case)
    if not result.held:
        pytest.fail(result.report(), pytrace=False)
