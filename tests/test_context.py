"""Statuses decided with what lies around a sentence: lead-ins, quotations, headings, the title,
and neighbours that credit or introduce it (index.claims.context)."""

from __future__ import annotations

import pytest

from index.articles import parse_article
from index.claims.status import ClaimStatus, TaggedSentence
from index.claims.tagger import tag_article


def tagged(body: str, *, title: str = "Harbor Bridge news", outlet: str = "Coastal Tribune") -> list[TaggedSentence]:
    front = f"---\ntitle: {title!r}\noutlet: {outlet!r}\n---\n"
    return tag_article(parse_article((front + body).encode(), "case.md", max_bytes=1_000_000))


def sentence(sentences: list[TaggedSentence], fragment: str) -> TaggedSentence:
    (found,) = [item for item in sentences if fragment in item.text]
    return found


def test_list_items_under_an_attributed_lead_in_are_the_lead_ins_claims() -> None:
    found = tagged(
        "According to a leaked draft seen by the Tribune, the plan includes:\n"
        "- closing the Harbor Bridge for six weeks\n"
        "- raising tolls by 20 percent\n"
    )
    for fragment in ("closing the Harbor Bridge", "raising tolls"):
        item = sentence(found, fragment)
        assert item.status is ClaimStatus.REPORTED, item
        assert item.attributed_to == "a leaked draft seen by the Tribune"


def test_a_list_under_a_document_handed_to_the_paper_is_the_documents_claim() -> None:
    found = tagged(
        "The draft transport strategy, passed to the Advertiser by a council employee, lists these changes:\n\n"
        "1. Free weekend parking in the town centre will end in April.\n"
        "2. Bus fares will rise by 10p.\n"
    )
    for fragment in ("Free weekend parking", "Bus fares"):
        item = sentence(found, fragment)
        assert item.status is ClaimStatus.REPORTED, item
        assert item.attributed_to is not None and item.attributed_to.startswith("The draft transport strategy")


def test_a_list_under_a_plain_lead_in_stays_in_the_outlets_voice() -> None:
    found = tagged("The council approved three closures on Monday. The closures are:\n- Harbor Bridge\n- Route 9\n")
    assert sentence(found, "Route 9").status is ClaimStatus.CONFIRMED


def test_a_list_under_a_party_on_the_record_is_that_partys_word() -> None:
    found = tagged("The transport ministry announced the following closures on Monday:\n- Harbor Bridge from May 1\n")
    item = sentence(found, "Harbor Bridge from May 1")
    assert (item.status, item.attributed_to) == (ClaimStatus.CONFIRMED, "The transport ministry")


def test_a_quotation_under_a_memo_is_the_memos_claim() -> None:
    found = tagged("A leaked memo reads:\n> The plant will shut in June.\n> Staff should prepare.\n")
    for fragment in ("The plant will shut", "Staff should prepare"):
        item = sentence(found, fragment)
        assert (item.status, item.attributed_to) == (ClaimStatus.REPORTED, "A leaked memo")


def test_a_quotation_with_no_lead_in_is_never_the_outlets_own_voice() -> None:
    found = tagged("The mayor spoke at the harbor on Monday.\n\n> The bridge will close in May.\n")
    assert sentence(found, "The bridge will close").status is ClaimStatus.REPORTED


def test_a_heading_about_allegations_covers_the_claim_under_it() -> None:
    found = tagged("## Anonymous allegations against the director\nThe director diverted funds to a private account.\n")
    assert sentence(found, "diverted funds").status is ClaimStatus.REPORTED


def test_a_heading_about_an_attitude_frames_nothing() -> None:
    found = tagged("## Why the closure worries residents\nThe bridge carried 40,000 cars a day.\n")
    assert sentence(found, "40,000 cars").status is ClaimStatus.CONFIRMED


@pytest.mark.parametrize(
    ("title", "who"),
    [("Harbor Bridge to close, sources say", "sources"), ("Rumour: Harbor Bridge to close", None)],
)
def test_a_title_that_attributes_covers_the_body_sentence_restating_it(title: str, who: str | None) -> None:
    found = tagged("The Harbor Bridge will close for repairs in May.\nFerries run every twenty minutes.\n", title=title)
    restated = sentence(found, "will close for repairs")
    assert restated.status is ClaimStatus.REPORTED
    if who is not None:
        assert restated.attributed_to == who
    assert sentence(found, "Ferries run").status is ClaimStatus.CONFIRMED


@pytest.mark.parametrize("credit", ["Or so the union says.", "At least, that is what the union claims."])
def test_a_credit_after_a_sentence_covers_it(credit: str) -> None:
    found = tagged(f"Ferries run every twenty minutes. The bridge will close in May. {credit}")
    claim = sentence(found, "The bridge will close")
    assert (claim.status, claim.attributed_to) == (ClaimStatus.REPORTED, "the union")
    assert sentence(found, "Ferries run").status is ClaimStatus.CONFIRMED


def test_a_sentence_that_tells_without_saying_what_covers_the_next_one() -> None:
    found = tagged("Officials told the Gazette about the plan on Monday. The bridge will close in May.")
    claim = sentence(found, "The bridge will close")
    assert (claim.status, claim.attributed_to) == (ClaimStatus.REPORTED, "Officials")


@pytest.mark.parametrize(
    ("body", "fragment", "status", "who"),
    [
        (
            "According to people briefed on the plan, the city will close the Harbor\nBridge for repairs in May.",
            "Harbor\nBridge for repairs",
            ClaimStatus.REPORTED,
            "people briefed on the plan",
        ),
        (
            "A spokesperson for the Ministry of Transport said that\nthe bridge will reopen in July.",
            "reopen in July",
            ClaimStatus.CONFIRMED,
            "A spokesperson for the Ministry of Transport",
        ),
    ],
)
def test_a_hard_wrapped_sentence_keeps_its_attribution(body: str, fragment: str, status: ClaimStatus, who: str) -> None:
    claim = sentence(tagged(body), fragment)
    assert (claim.status, claim.attributed_to) == (status, who)
