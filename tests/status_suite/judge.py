"""Judging one case's answer (the `factdesk ask --json` object) against what the case expects,
and the per-family table.

Every expectation gives one `Verdict`. A claim whose sentence is not cited at all is "not
cited" (the case cannot be judged: its question must be fixed, or the product lost the
sentence); a wrong status is "wrong confirmed" when a doubtful claim is shown confirmed (the
worst bug) and "wrong doubt" when a claim that must stay confirmed is shown otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.status_suite.cases import Case, ClaimExpectation, Status, plain

NOT_CITED = "not cited"


@dataclass(frozen=True)
class Verdict:
    what: str  # the expectation, in words
    held: bool
    expected: str = ""
    actual: str = ""
    # For status expectations: the expected and shown status (shown is NOT_CITED when missing).
    expected_status: Status | None = None
    shown_status: str | None = None

    @property
    def wrong_confirmed(self) -> bool:
        return self.expected_status not in (None, Status.CONFIRMED) and self.shown_status == Status.CONFIRMED

    @property
    def wrong_doubt(self) -> bool:
        return self.expected_status is Status.CONFIRMED and self.shown_status not in (None, NOT_CITED, Status.CONFIRMED)

    @property
    def not_cited(self) -> bool:
        return self.shown_status == NOT_CITED


@dataclass(frozen=True)
class CaseResult:
    family: str
    case: Case
    answer: Mapping[str, Any]
    verdicts: tuple[Verdict, ...]
    problems: tuple[str, ...] = field(default=())  # the index's refusals, "path: reason"

    @property
    def held(self) -> bool:
        return all(verdict.held for verdict in self.verdicts)

    def report(self) -> str:
        """What a failing case shows: its id, every expectation against what came, the answer."""
        lines = [f"case {self.case.id} ({self.family}): {'held' if self.held else 'FAILED'}"]
        lines.append(f"  question: {self.case.question}")
        for verdict in self.verdicts:
            mark = "ok " if verdict.held else "BAD"
            lines.append(f"  {mark} {verdict.what}")
            if not verdict.held:
                lines.append(f"        expected: {verdict.expected}")
                lines.append(f"        actual:   {verdict.actual}")
        lines.append(f"  why: {self.case.why}")
        lines.append("  answer: " + json.dumps(_shown(self.answer), ensure_ascii=False))
        if self.problems:
            lines.append(f"  index refused: {list(self.problems)}")
        others = [source["article_id"] for source in self.answer["sources"] if not _belongs(self.case, source)]
        if others:
            lines.append(f"  cited from other cases (their topics must be kept apart): {others}")
        return "\n".join(lines)


def _shown(answer: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("answer", "abstained", "claims", "sources", "as_of")
    return {key: answer.get(key) for key in keys}


def _matches(wanted: str, text: str) -> bool:
    """`wanted` ("a|b" for either) occurs in `text`, compared as `plain` text."""
    return any(plain(option) in plain(text) for option in wanted.split("|") if option.strip())


def judge(case: Case, answer: Mapping[str, Any], problems: Sequence[tuple[str, str]]) -> tuple[Verdict, ...]:
    """Every expectation of `case` against the answer and the index's refusals (path, reason)."""
    verdicts = [_claim_verdict(case, claim, answer) for claim in case.claims]
    quotes = [plain(source["quote"]) for source in answer["sources"]]
    for text in case.never_cited:
        cited = plain(text) in plain(answer["answer"]) or any(plain(text) in quote for quote in quotes)
        verdicts.append(Verdict(f"never cited: {text!r}", not cited, "not quoted", "quoted" if cited else "not quoted"))
    refused_names = {refusal.article for refusal in case.refused}
    cited_ids = {source["article_id"] for source in answer["sources"]}
    for refusal in case.refused:
        article_id = case.article_id(refusal.article)
        reasons = [reason for path, reason in problems if _path_id(path) == article_id]
        named = any(all(_matches(word, reason) for word in refusal.reason) for reason in reasons)
        verdicts.append(
            Verdict(
                f"article {refusal.article} refused, the reason saying {list(refusal.reason)}",
                named and article_id not in cited_ids,
                f"refused with a reason containing {list(refusal.reason)}, never cited",
                f"refusals: {reasons or 'none'}; cited: {article_id in cited_ids}",
            )
        )
    for article in case.articles:
        if article.name in refused_names:
            continue
        reasons = [reason for path, reason in problems if _path_id(path) == case.article_id(article.name)]
        if reasons:
            verdicts.append(Verdict(f"article {article.name} indexed", False, "indexed", f"refused: {reasons}"))
    if case.as_of is not None:
        verdicts.append(
            Verdict("as_of", answer["as_of"] == case.as_of.isoformat(), case.as_of.isoformat(), str(answer["as_of"]))
        )
    return tuple(verdicts)


def _belongs(case: Case, source: Mapping[str, Any]) -> bool:
    return str(source["article_id"]).startswith(f"{case.id}/")


def _path_id(path: str) -> str:
    return path.rsplit(".", 1)[0]


def _claim_verdict(case: Case, expected: ClaimExpectation, answer: Mapping[str, Any]) -> Verdict:
    what = f"{expected.cite!r} is {expected.status.value}"
    wanted = plain(expected.cite)
    numbers = {
        source["n"]: source
        for source in answer["sources"]
        if _belongs(case, source) and wanted in plain(source["quote"])
    }
    claims = [claim for claim in answer["claims"] if set(claim["citations"]) & set(numbers)]
    if not claims:
        return Verdict(
            what,
            False,
            _describe_expected(expected),
            "the sentence is not cited",
            expected.status,
            NOT_CITED,
        )
    # Every claim citing the sentence must say what the case expects (normally there is one).
    failures = [
        problem
        for claim in claims
        for problem in _claim_problems(expected, claim, [numbers[n] for n in claim["citations"] if n in numbers])
    ]
    # The status the table counts: a doubtful claim shown confirmed by any citing claim is a wrong
    # `confirmed`; a claim that must stay confirmed shown doubtful by any is a wrong doubt.
    shown = [claim["status"] for claim in claims]
    if expected.status is Status.CONFIRMED:
        counted = next((status for status in shown if status != Status.CONFIRMED), Status.CONFIRMED.value)
    else:
        counted = Status.CONFIRMED.value if Status.CONFIRMED in shown else shown[0]
    return Verdict(
        what,
        not failures,
        _describe_expected(expected),
        "; ".join(_describe_claim(claim) for claim in claims) + (f" ({'; '.join(failures)})" if failures else ""),
        expected.status,
        counted,
    )


def _claim_problems(
    expected: ClaimExpectation, claim: Mapping[str, Any], sources: Iterable[Mapping[str, Any]]
) -> list[str]:
    problems = []
    if claim["status"] != expected.status.value:
        problems.append(f"status {claim['status']}, not {expected.status.value}")
    attributed = claim["attributed_to"] or ""
    problems += [f"attributed_to lacks {word!r}" for word in expected.attributed_to if not _matches(word, attributed)]
    if expected.status is Status.REPORTED and any(plain(attributed) == plain(source["outlet"]) for source in sources):
        problems.append("a reported claim credited to the citing outlet alone")
    for key in ("disputed_by", "corroborated_by"):
        names = claim[key]
        problems += [
            f"{key} lacks {word!r}"
            for word in getattr(expected, key)
            if not any(_matches(word, name) for name in names)
        ]
    problems += [
        f"corroborated_by has {word!r}"
        for word in expected.not_corroborated_by
        if any(_matches(word, name) for name in claim["corroborated_by"])
    ]
    return problems


def _describe_expected(expected: ClaimExpectation) -> str:
    parts = [expected.status.value]
    for key in ("attributed_to", "disputed_by", "corroborated_by"):
        if getattr(expected, key):
            parts.append(f"{key} has {list(getattr(expected, key))}")
    if expected.not_corroborated_by:
        parts.append(f"corroborated_by without {list(expected.not_corroborated_by)}")
    return ", ".join(parts)


def _describe_claim(claim: Mapping[str, Any]) -> str:
    text = f"{claim['status']}, attributed_to {claim['attributed_to']!r}"
    for key in ("disputed_by", "corroborated_by", "not_confirmed_by"):
        if claim[key]:
            text += f", {key} {claim[key]}"
    return text


# --- the table --------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyRow:
    family: str
    held: int
    total: int
    wrong_confirmed: int
    wrong_doubt: int
    not_cited: int


def family_rows(results: Sequence[CaseResult]) -> list[FamilyRow]:
    rows = []
    for family in dict.fromkeys(result.family for result in results):
        mine = [result for result in results if result.family == family]
        verdicts = [verdict for result in mine for verdict in result.verdicts]
        rows.append(
            FamilyRow(
                family,
                sum(result.held for result in mine),
                len(mine),
                sum(verdict.wrong_confirmed for verdict in verdicts),
                sum(verdict.wrong_doubt for verdict in verdicts),
                sum(verdict.not_cited for verdict in verdicts),
            )
        )
    return rows


def table(results: Sequence[CaseResult]) -> str:
    """Held / total cases per family, wrong `confirmed`, wrong doubt and uncited claims, and the total."""
    rows = family_rows(results)
    total = FamilyRow(
        "all",
        sum(row.held for row in rows),
        sum(row.total for row in rows),
        sum(row.wrong_confirmed for row in rows),
        sum(row.wrong_doubt for row in rows),
        sum(row.not_cited for row in rows),
    )
    header = f"{'family':<16} {'held':>9} {'wrong confirmed':>16} {'wrong doubt':>12} {'not cited':>10}"
    lines = [header, "-" * len(header)]
    for row in [*rows, total]:
        if row is total:
            lines.append("-" * len(header))
        held = f"{row.held}/{row.total}"
        lines.append(f"{row.family:<16} {held:>9} {row.wrong_confirmed:>16} {row.wrong_doubt:>12} {row.not_cited:>10}")
    return "\n".join(lines)
