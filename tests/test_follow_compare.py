"""Comparing the answer a follow was last told with a new one: typed changes, resting only on the
update's new articles; wording and order are no change. Answers are built by hand in the shapes
`answer_question` returns; similarity is the bundled embedding model's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from bot.answering.models import Answer, Claim, Source
from bot.follows.compare import Similarity, changes_between
from bot.follows.models import ChangeKind, Snapshot
from index.claims.status import ClaimStatus
from tests.test_follows import CLOSED, DENIED, PLAN

SET_TO_CLOSE = "The ministry is set to close the Harbor Bridge to traffic next month, people familiar with it said."
FERRY = "The transport ministry said it opened a new ferry route to Northport on Tuesday."
INSIDERS = "people familiar with the matter"
MINISTRY = "The transport ministry"

ARTICLES = {
    "a": ("Coastal Tribune", "2024-05-01"),
    "b": ("Valley Herald", "2024-05-03"),
    "c": ("Northern Ledger", "2024-05-05"),
    "d": ("Metro Daily", "2024-05-04"),
    "e": ("Riverside Gazette", "2024-05-06"),
}


@pytest.fixture(scope="module")
def similarity() -> Similarity:
    from index.embedding import load_query_embedder

    embedder = load_query_embedder("all-MiniLM-L6-v2", 1)

    def similar(first: Sequence[str], second: Sequence[str]) -> np.ndarray:
        matrix: np.ndarray = embedder.embed_documents(list(first)) @ embedder.embed_documents(list(second)).T
        return matrix

    return similar


def source(n: int, article: str, quote: str) -> Source:
    outlet, published = ARTICLES[article]
    return Source(
        n=n,
        article_id=article,
        title=f"Story {article}",
        outlet=outlet,
        url=f"https://{article}.example/story",
        published=published,
        quote=quote,
    )


def claim(text: str, status: ClaimStatus, who: str, citations: list[int], **fields: Any) -> Claim:
    return Claim(text=text, status=status, attributed_to=who, citations=citations, **fields)


def answer(claims: list[Claim], sources: list[Source], *, text: str = "-") -> Answer:
    return Answer(
        question="Did the transport ministry close the Harbor Bridge?",
        answer=text,
        abstained=not claims,
        mode="extractive",
        claims=claims,
        sources=sources,
    )


def snapshot(claims: list[Claim], sources: list[Source]) -> Snapshot:
    return Snapshot.of(answer(claims, sources))


REPORTED_PLAN = snapshot([claim(PLAN, ClaimStatus.REPORTED, INSIDERS, [1])], [source(1, "a", PLAN)])
CONFIRMED_CLOSURE = snapshot([claim(CLOSED, ClaimStatus.CONFIRMED, MINISTRY, [1])], [source(1, "b", CLOSED)])


def test_a_confirmation_by_the_party_concerned_in_a_new_article(similarity: Similarity) -> None:
    after = answer(
        [claim(CLOSED, ClaimStatus.CONFIRMED, MINISTRY, [1], corroborated_by=["Coastal Tribune"])],
        [source(1, "b", CLOSED)],
    )
    (change,) = changes_between(REPORTED_PLAN, after, {"b"}, similarity)
    assert change.kind is ChangeKind.CONFIRMED and change.by == [MINISTRY]
    assert [c.text for c in change.followed] == [PLAN] and change.followed[0].status is ClaimStatus.REPORTED
    assert [c.text for c in change.reasons] == [CLOSED] and change.reasons[0].citations == [2]
    assert [(s.n, s.article_id) for s in change.sources] == [(1, "a"), (2, "b")]
    assert change.new_articles == ["b"]


def test_a_confirmation_that_took_the_place_of_a_near_duplicate(similarity: Similarity) -> None:
    """The extractive answer leaves the plan out as a near-duplicate of the ministry's statement
    (similarity 0.86): the answer itself says the two say the same thing."""
    after = answer([claim(CLOSED, ClaimStatus.CONFIRMED, MINISTRY, [1])], [source(1, "b", CLOSED)])
    (change,) = changes_between(REPORTED_PLAN, after, {"b"}, similarity)
    assert change.kind is ChangeKind.CONFIRMED and [c.text for c in change.reasons] == [CLOSED]


def test_no_confirmation_unless_the_answer_links_the_two_claims(similarity: Similarity) -> None:
    shut = "The transport ministry said it had shut the Harbor Bridge."  # 0.75 to the plan: close, not a duplicate
    unlinked = answer([claim(shut, ClaimStatus.CONFIRMED, MINISTRY, [1])], [source(1, "b", shut)])
    assert changes_between(REPORTED_PLAN, unlinked, {"b"}, similarity) == []
    linked = answer(
        [claim(shut, ClaimStatus.CONFIRMED, MINISTRY, [1], corroborated_by=["Coastal Tribune"])], [source(1, "b", shut)]
    )
    assert [change.kind for change in changes_between(REPORTED_PLAN, linked, {"b"}, similarity)] == [
        ChangeKind.CONFIRMED
    ]
    # Linked by outlet, but another claim altogether: a confirmed ferry route confirms no bridge closure.
    other = answer(
        [claim(FERRY, ClaimStatus.CONFIRMED, MINISTRY, [1], corroborated_by=["Coastal Tribune"])],
        [source(1, "b", FERRY)],
    )
    assert changes_between(REPORTED_PLAN, other, {"b"}, similarity) == []


def test_a_denial_in_a_new_article_disputes_the_claim_and_names_who(similarity: Similarity) -> None:
    after = answer(
        [
            claim(CLOSED, ClaimStatus.DISPUTED, MINISTRY, [1], disputed_by=[MINISTRY]),
            claim(DENIED, ClaimStatus.DISPUTED, MINISTRY, [2], disputed_by=[MINISTRY]),
        ],
        [source(1, "b", CLOSED), source(2, "c", DENIED)],
    )
    (change,) = changes_between(CONFIRMED_CLOSURE, after, {"c"}, similarity)
    assert change.kind is ChangeKind.DISPUTED and change.by == [MINISTRY]
    assert [c.text for c in change.followed] == [CLOSED] and change.followed[0].status is ClaimStatus.CONFIRMED
    assert [c.text for c in change.reasons] == [DENIED] and change.new_articles == ["c"]
    # The same dispute with no new article behind it (articles tagged again, say): nothing to announce.
    assert changes_between(CONFIRMED_CLOSURE, after, set(), similarity) == []
    assert changes_between(CONFIRMED_CLOSURE, after, {"b"}, similarity) == []


def test_a_dispute_already_announced_is_not_announced_again(similarity: Similarity) -> None:
    sources = [source(1, "b", CLOSED), source(2, "c", DENIED)]
    disputed = [
        claim(CLOSED, ClaimStatus.DISPUTED, MINISTRY, [1], disputed_by=[MINISTRY]),
        claim(DENIED, ClaimStatus.DISPUTED, MINISTRY, [2], disputed_by=[MINISTRY]),
    ]
    # Article c was updated (a typo fixed): the same dispute, now resting on a "changed" article.
    assert changes_between(Snapshot.of(answer(disputed, sources)), answer(disputed, sources), {"c"}, similarity) == []


def test_wording_and_the_order_of_sources_are_no_change(similarity: Similarity) -> None:
    before_claims = [
        claim(PLAN, ClaimStatus.REPORTED, INSIDERS, [1]),
        claim(FERRY, ClaimStatus.CONFIRMED, MINISTRY, [2]),
    ]
    before = snapshot(before_claims, [source(1, "a", PLAN), source(2, "b", FERRY)])
    reordered = answer(
        [claim(FERRY, ClaimStatus.CONFIRMED, MINISTRY, [1]), claim(PLAN, ClaimStatus.REPORTED, INSIDERS, [2])],
        [source(1, "b", FERRY + "  "), source(2, "a", PLAN)],
        text="Put otherwise: a ferry opened [1], and a closure is planned, insiders say [2].",
    )
    assert changes_between(before, reordered, {"a", "b"}, similarity) == []


def test_corroboration_by_another_outlet(similarity: Similarity) -> None:
    after = answer(
        [
            claim(PLAN, ClaimStatus.REPORTED, INSIDERS, [1], corroborated_by=["Metro Daily"]),
            claim(SET_TO_CLOSE, ClaimStatus.REPORTED, "people familiar with the plan", [2]),
        ],
        [source(1, "a", PLAN), source(2, "d", SET_TO_CLOSE)],
    )
    (change,) = changes_between(REPORTED_PLAN, after, {"d"}, similarity)
    assert change.kind is ChangeKind.CORROBORATED and change.by == ["Metro Daily"]
    assert [c.text for c in change.reasons] == [SET_TO_CLOSE]
    # The answer does not count it as corroboration (a reprint of the same wire story, say): nothing.
    uncounted = answer([after.claims[0].model_copy(update={"corroborated_by": []}), after.claims[1]], after.sources)
    assert changes_between(REPORTED_PLAN, uncounted, {"d"}, similarity) == []


def test_a_newer_figure_supersedes_the_older_one(similarity: Similarity) -> None:
    older, newer = "The repairs will cost 9 million dollars.", "The repairs will now cost 12 million dollars."
    before = snapshot([claim(older, ClaimStatus.CONFIRMED, "Coastal Tribune", [1])], [source(1, "a", older)])
    after = answer(
        [
            claim(newer, ClaimStatus.CONFIRMED, "Riverside Gazette", [1]),
            claim(older, ClaimStatus.CONFIRMED, "Coastal Tribune", [2], superseded_by=[1]),
        ],
        [source(1, "e", newer), source(2, "a", older)],
    )
    (change,) = changes_between(before, after, {"e"}, similarity)
    assert change.kind is ChangeKind.SUPERSEDED and [c.text for c in change.reasons] == [newer]
    assert change.by == [] and change.new_articles == ["e"]


def test_an_answer_where_the_articles_said_nothing(similarity: Similarity) -> None:
    nothing = snapshot([], [])
    after = answer([claim(CLOSED, ClaimStatus.CONFIRMED, MINISTRY, [1])], [source(1, "b", CLOSED)])
    (change,) = changes_between(nothing, after, {"b"}, similarity)
    assert change.kind is ChangeKind.ANSWERED and change.followed == [] and change.new_articles == ["b"]
    assert changes_between(nothing, after, {"c"}, similarity) == []  # answered, but not by the new article
    assert changes_between(REPORTED_PLAN, answer([], []), {"b"}, similarity) == []  # no longer answered: not news


def test_claims_changed_by_the_same_new_sentence_make_one_change(similarity: Similarity) -> None:
    before = snapshot(
        [claim(PLAN, ClaimStatus.REPORTED, INSIDERS, [1]), claim(CLOSED, ClaimStatus.CONFIRMED, MINISTRY, [2])],
        [source(1, "a", PLAN), source(2, "b", CLOSED)],
    )
    after = answer(
        [
            claim(CLOSED, ClaimStatus.DISPUTED, MINISTRY, [1], disputed_by=[MINISTRY]),
            claim(DENIED, ClaimStatus.DISPUTED, MINISTRY, [2], disputed_by=[MINISTRY, INSIDERS]),
            claim(PLAN, ClaimStatus.DISPUTED, INSIDERS, [3], disputed_by=[MINISTRY]),
        ],
        [source(1, "b", CLOSED), source(2, "c", DENIED), source(3, "a", PLAN)],
    )
    (change,) = changes_between(before, after, {"c"}, similarity)
    assert change.kind is ChangeKind.DISPUTED
    assert [c.text for c in change.followed] == [PLAN, CLOSED] and [c.citations for c in change.followed] == [[1], [2]]
    assert change.reasons[0].citations == [3] and change.source(3).article_id == "c"
