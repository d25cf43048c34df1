"""Claim statuses on sentences written here, and on the seed article."""

from __future__ import annotations

import pytest

from index.articles import parse_article, scan_corpus
from index.claims.rules import analyse_text, normalise_case
from index.claims.status import ClaimStatus
from index.claims.tagger import tag_article
from tests.conftest import SEED_CORPUS


@pytest.mark.parametrize(
    ("sentence", "status", "source", "cue"),
    [
        ("The council approved the budget on Monday.", ClaimStatus.CONFIRMED, None, None),
        (
            "The ferry service resumed, the port authority said on Tuesday.",
            ClaimStatus.CONFIRMED,
            "the port authority",
            "said",
        ),
        (
            "Governor Lee announced that the highway will reopen in June.",
            ClaimStatus.CONFIRMED,
            "Governor Lee",
            "announced",
        ),
        (
            "According to a report from the Daily Planet, the factory will close.",
            ClaimStatus.REPORTED,
            "a report from the Daily Planet",
            "According to",
        ),
        ("Sources said the talks had collapsed.", ClaimStatus.REPORTED, "Sources", "said"),
        ("The company reportedly laid off 200 workers.", ClaimStatus.REPORTED, "unnamed sources", "reportedly"),
        # spaCy tags this "rumoured" a verb (VBN): the hearsay adjective must still be read
        ("The rumoured buyer of the Harlow ferry is the Tollan group.", ClaimStatus.REPORTED, "rumour", "rumoured"),
        ("Activists claim the river was polluted for years.", ClaimStatus.REPORTED, "Activists", "claim"),
        ("It is believed that the vault was empty.", ClaimStatus.REPORTED, "unnamed sources", "believed"),
        ("The storm may have damaged the pier.", ClaimStatus.SPECULATIVE, None, "may"),
        ("If the vote fails, the school could close.", ClaimStatus.SPECULATIVE, None, None),
        ("In theory, the engine can run on hydrogen.", ClaimStatus.SPECULATIVE, None, "In theory"),
        ("The mine is probably the oldest in the region.", ClaimStatus.SPECULATIVE, None, "probably"),
        ("The minister denied the allegations.", ClaimStatus.DISPUTED, "The minister", "denied"),
        ("The agency has not confirmed the report.", ClaimStatus.DISPUTED, "The agency", "has not confirmed"),
        ("The key claims remain unconfirmed.", ClaimStatus.DISPUTED, None, "unconfirmed"),
    ],
)
def test_sentence_status(sentence: str, status: ClaimStatus, source: str | None, cue: str | None) -> None:
    analysis = analyse_text(sentence)
    assert analysis.status is status, (sentence, analysis)
    if source is not None:
        assert analysis.cue is not None and analysis.cue.source == source
    if cue is not None:
        assert analysis.cue is not None and analysis.cue.text == cue


def test_nested_attribution_is_reported_by_the_outer_source() -> None:
    analysis = analyse_text(
        "Officials reportedly fear, according to the report, that the rebels could seize the airport."
    )
    assert analysis.status is ClaimStatus.REPORTED
    kinds = {cue.kind for cue in analysis.cues}
    assert {"attribution", "hedge"} <= kinds
    assert analysis.cue is not None and analysis.cue.source == "Officials"


def test_negated_mention_is_not_a_denial() -> None:
    assert analyse_text("The statement did not mention the budget at all.").status is ClaimStatus.CONFIRMED


def _seed():
    (article,) = scan_corpus(SEED_CORPUS, max_bytes=1_000_000).articles
    return article, tag_article(article)


def _find(sentences: list, fragment: str):
    (match,) = [s for s in sentences if fragment in s.text]
    return match


def test_seed_article_statuses() -> None:
    _article, sentences = _seed()
    china = _find(sentences, "a group linked to China had gained access")
    assert china.status is ClaimStatus.REPORTED
    assert china.attributed_to == "Semafor, via The Verge"
    assert china.cue == "According to"
    assert china.not_confirmed_by == ("the White House",)

    # "leaving the national security angle unconfirmed": The Verge's own observation, which names
    # Sacks as not confirming the claims about national security.
    leaving = _find(sentences, "leaving the national security angle unconfirmed publicly")
    assert leaving.status is ClaimStatus.CONFIRMED and leaving.attributed_to == "The Verge"
    security = _find(sentences, "it would represent a serious national security risk")
    assert security.status is ClaimStatus.REPORTED
    assert security.not_confirmed_by == ("the White House", "Sacks")

    # The article explaining a term: its own voice, as the rules read it. The learned default credits
    # it to the officials of the sentence before (content with no cue of its own borrows its
    # neighbour's speaker, the cautious side; `Thresholds.quoted` in index.claims.learned.combine).
    distillation = _find(sentences, 'In distillation, a "student" AI is trained')
    assert (distillation.status, distillation.attributed_to) in (
        (ClaimStatus.CONFIRMED, "The Verge"),
        (ClaimStatus.REPORTED, "Officials (per Semafor, via The Verge)"),
    )
    by_rules = _find(tag_article(_article, tagging="rules"), 'In distillation, a "student" AI is trained')
    assert by_rules.status is ClaimStatus.CONFIRMED and by_rules.attributed_to == "The Verge"

    # The lead tells the title's story ("..., Semafor reports") in other words: Semafor's report,
    # not the outlet's own hedge. Nobody is claiming anything in the source line.
    lead = _find(sentences, "The United States may have imposed export restrictions")
    assert (lead.status, lead.attributed_to) == (ClaimStatus.REPORTED, "Semafor, via The Verge")
    source_line = _find(sentences, "Source: The Verge, reporting on a Semafor story.")
    assert source_line.attributed_to == "The Verge"

    sacks = _find(sentences, "David Sacks did not mention China")
    assert sacks.status is ClaimStatus.CONFIRMED

    officials = _find(sentences, "Officials reportedly fear")
    assert officials.status is ClaimStatus.REPORTED
    assert officials.attributed_to == "Officials (per Semafor, via The Verge)"

    not_confirmed = _find(sentences, "has not confirmed the report")
    assert not_confirmed.status is ClaimStatus.CONFIRMED and not_confirmed.attributed_to == "The Verge"
    assert not_confirmed.cue_kind == "not_confirmed"
    remain = _find(sentences, "the key claims remain unconfirmed")
    assert remain.status is ClaimStatus.CONFIRMED and remain.attributed_to == "The Verge"


def test_every_sentence_has_status_source_and_offsets() -> None:
    article, sentences = _seed()
    assert len(sentences) >= 20
    for sentence in sentences:
        assert article.body[sentence.start : sentence.end] == sentence.text
        assert sentence.attributed_to
        if sentence.cue is not None and sentence.cue_start is None:
            assert sentence.cue in article.meta.title  # a title's credit covers the lead: no body offsets
        elif sentence.cue is not None:
            assert article.body[sentence.cue_start : sentence.cue_end] == sentence.cue
        if sentence.source_start is not None:
            assert article.body[sentence.source_start : sentence.source_end] == sentence.source
    assert not any(s.text == "What the report claims" for s in sentences)  # headings carry no claims


def test_article_without_reports_on_names_its_own_outlet() -> None:
    raw = b"---\ntitle: T\noutlet: Metro News\n---\nThe mayor may resign. Critics claim the plan failed."
    sentences = tag_article(parse_article(raw, "x.md", max_bytes=10_000))
    assert [(s.status, s.attributed_to) for s in sentences] == [
        (ClaimStatus.SPECULATIVE, "Metro News"),
        (ClaimStatus.REPORTED, "Critics"),
    ]


def assert_analysis(text: str, status: ClaimStatus, source: str | None, cue: str | None) -> None:
    """The status, and the cue and source of the deciding cue (no cue at all when `cue` is None)."""
    analysis = analyse_text(text)
    assert analysis.status is status, (text, analysis)
    if source is not None:
        assert analysis.cue is not None and analysis.cue.source == source, analysis
    if cue is not None:
        assert analysis.cue is not None and analysis.cue.text == cue, analysis
    else:
        assert analysis.cue is None, analysis


@pytest.mark.parametrize(
    ("text", "status", "source", "cue"),
    [
        ('"We will rebuild the pier," the mayor said.', ClaimStatus.CONFIRMED, "the mayor", "said"),
        ("The mayor has also said that the bridge will reopen.", ClaimStatus.CONFIRMED, "The mayor", "has also said"),
        ("Ms. Ortiz and Mr. Chen said the vote was fair.", ClaimStatus.CONFIRMED, "Ms. Ortiz and Mr. Chen", "said"),
        ("Sources close to Governor Lee said the plan was dropped.", ClaimStatus.REPORTED, None, "said"),
        ("The council met, saying that the budget was final.", ClaimStatus.CONFIRMED, "The council", "saying"),
        ("The plan is widely regarded as a failure.", ClaimStatus.REPORTED, "unnamed sources", "regarded"),
        ("The company is said to be planning layoffs.", ClaimStatus.REPORTED, "unnamed sources", "said"),
        ("Harbor to reopen in June: officials", ClaimStatus.REPORTED, "officials", ":"),
        ("Will the deal survive the vote?", ClaimStatus.SPECULATIVE, None, "?"),
        ("The fate of the ship is unknown.", ClaimStatus.SPECULATIVE, None, "unknown"),
        ("The ministry slammed the reports about the mayor.", ClaimStatus.DISPUTED, "The ministry", "slammed"),
        ("The rumor about the closure is false.", ClaimStatus.DISPUTED, None, "false"),
        ("MAYOR DENIES PLAN TO CLOSE LIBRARY", ClaimStatus.DISPUTED, None, "DENIES"),
        ("The band added a vocalist in 1999.", ClaimStatus.CONFIRMED, None, None),
        ("The flowers appear in May.", ClaimStatus.CONFIRMED, None, None),
        ("An unknown gunman opened fire.", ClaimStatus.CONFIRMED, None, None),
    ],
)
def test_rules_measured_by_the_evaluation(text: str, status: ClaimStatus, source: str | None, cue: str | None) -> None:
    assert_analysis(text, status, source, cue)


def test_headline_case_is_normalised_without_moving_offsets() -> None:
    headline = "Port Authority Confirms Ferry Will Resume in May"
    lowered = normalise_case(headline)
    assert len(lowered) == len(headline) and lowered.startswith("Port authority confirms")
    assert normalise_case("The port authority said the ferry will resume.") == (
        "The port authority said the ferry will resume."
    )
    assert normalise_case("WHO Says Outbreak Is Over") == "WHO says outbreak is over"


@pytest.mark.parametrize(
    ("text", "status", "source", "cue"),
    [
        ("The union urged the board to delay the vote.", ClaimStatus.CONFIRMED, "The union", "urged"),
        (
            "Senator Diaz has called for an inquiry into the fire.",
            ClaimStatus.CONFIRMED,
            "Senator Diaz",
            "has called for",
        ),
        ("The mayor called the proposal a waste of money.", ClaimStatus.CONFIRMED, "The mayor", "called"),
        ("The museum plans to open a second wing.", ClaimStatus.CONFIRMED, "The museum", "plans"),
        ("Critics accused the council of hiding the costs.", ClaimStatus.REPORTED, "Critics", "accused"),
        ("The firm was accused of dumping waste in the river.", ClaimStatus.REPORTED, "unnamed sources", "accused"),
        ("The band called a vocalist to the stage.", ClaimStatus.CONFIRMED, None, None),
        ("A charity called Open Doors runs the shelter.", ClaimStatus.CONFIRMED, None, None),
        (
            "Ann Lee, a spokeswoman for the port, said the ferry was late.",
            ClaimStatus.CONFIRMED,
            "Ann Lee, a spokeswoman for the port",
            "said",
        ),
        ("Rep. Tom Hall (D-Ohio) said the bill passed.", ClaimStatus.CONFIRMED, "Rep. Tom Hall (D-Ohio)", "said"),
        (
            '"The harbor is closed," said Ann Lee, the port director.',
            ClaimStatus.CONFIRMED,
            "Ann Lee, the port director",
            "said",
        ),
        ('"The river is clean." ― Maria Gomez', ClaimStatus.CONFIRMED, "Maria Gomez", "―"),
        ("LEE: We will rebuild the pier before the summer.", ClaimStatus.CONFIRMED, "LEE", ":"),
        ("BREAKING: The bridge will reopen on Monday.", ClaimStatus.CONFIRMED, None, None),
        # A hedge of a party on the record is still that party's word.
        ('"Will it reopen? Probably not," the mayor said.', ClaimStatus.SPECULATIVE, "the mayor", "said"),
    ],
)
def test_stance_apposition_and_credit_rules(
    text: str, status: ClaimStatus, source: str | None, cue: str | None
) -> None:
    assert_analysis(text, status, source, cue)


def test_negation_inside_a_quotation_does_not_cancel_its_credit() -> None:
    analysis = analyse_text('"Probably not," the mayor said.')
    assert any(cue.kind == "attribution" and cue.source == "the mayor" for cue in analysis.cues), analysis


def test_a_credit_cut_off_by_the_parser_is_given_back_to_its_quotation() -> None:
    from index.claims.rules import analyse_sentence, load_nlp

    doc = load_nlp()('"We are winning the war!" an aide said. The meeting ended at noon.')
    sentences = list(doc.sents)
    if len(sentences) < 3:
        pytest.skip("the parser kept the quotation and its credit together")
    quotation = analyse_sentence(sentences[0])
    assert quotation.status is ClaimStatus.REPORTED and quotation.cue is not None
    assert quotation.cue.source == "an aide"
    assert analyse_sentence(sentences[2]).cue is None


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Rumours say the Harbor Bridge will close in May.", "Rumours"),
        ("Gossip around city hall has it that the mayor will resign.", "Gossip around city hall"),
        ("Word on the street is that the market will move.", "Word on the street"),
        ("Posts on social media say the school was evacuated.", "Posts on social media"),
        ("A leaked memo says the plant will shut in June.", "A leaked memo"),
        ("Documents seen by the Tribune show the mayor approved the deal.", "Documents seen by the Tribune"),
        ("Per a leaked memo, the plant will shut in June.", "a leaked memo"),
        ("The plant will shut in June, per Reuters.", "Reuters"),
        ("Reuters has confirmed that the plant will shut in June.", "Reuters"),
        ("The Gazette has confirmed the plant will shut in June.", "The Gazette"),
        ("Residents said the water was brown for a week.", "Residents"),
        (
            "The Harbor Business Association said the mayor decided to close the bridge.",
            "The Harbor Business Association",
        ),
        ('"The mayor has decided to close the bridge," the Harbor Business Association said.', None),
        ("The plant will shut in June, per court documents.", "court documents"),
        ("The draft contract, a copy of which the Post has seen, gives Acme a 35-year lease.", "The draft contract"),
        ("The memo, which the Tribune has obtained, says the plant will shut in June.", "The memo"),
        ("Ann Lee heard that the plant will shut in June.", "Ann Lee"),
        ("Local radio station KDMR has confirmed that the coach was sacked on Friday.", "Local radio station KDMR"),
        (
            "The flour mill has shut down after 90 years, a local radio station reported on Friday.",
            "a local radio station",
        ),
        (
            "The club has sacked its manager, several people at the club said on Saturday night.",
            "several people at the club",
        ),
    ],
)
def test_what_circulates_is_written_down_or_comes_from_another_outlet_is_reported(
    text: str, source: str | None
) -> None:
    """Positive evidence for `confirmed`: only a party recognised as one, about its own act."""
    analysis = analyse_text(text)
    assert analysis.status is ClaimStatus.REPORTED, (text, analysis)
    if source is not None:
        assert analysis.cue is not None and analysis.cue.source == source


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("The transport department said it will close the bridge on March 3.", "The transport department"),
        ("The ferry service resumed, the port authority said on Tuesday.", "the port authority"),
        ("The company said its chief executive resigned on Friday.", "The company"),
        ("A spokesperson for the ministry said the ministry will reopen the road.", "A spokesperson for the ministry"),
        ("The mayor's office said no decision had been made.", "The mayor's office"),
        ("Trains run at 50 miles per hour on the new line.", None),
    ],
)
def test_a_party_about_its_own_act_stays_on_the_record(text: str, source: str | None) -> None:
    analysis = analyse_text(text)
    assert analysis.status is ClaimStatus.CONFIRMED, (text, analysis)
    if source is not None:
        assert analysis.cue is not None and analysis.cue.source == source and analysis.cue.on_record


@pytest.mark.parametrize(
    "text",
    [
        "The bill, passed by parliament in May, raises the pension age.",
        "The stadium, which fans saw for the first time on Sunday, holds 40,000 people.",
        "The grant was passed to the charity in May.",
        "The flooding closed the road, a route used by 9,000 drivers.",
    ],
)
def test_acts_that_look_like_documents_shown_to_the_paper_stay_confirmed(text: str) -> None:
    assert analyse_text(text).status is ClaimStatus.CONFIRMED, analyse_text(text)


def test_when_a_party_spoke_is_not_part_of_who_speaks() -> None:
    analysis = analyse_text("Dunford Rovers on Sunday denied that manager Mark Ellery had been sacked.")
    assert analysis.status is ClaimStatus.DISPUTED
    assert analysis.cue is not None and analysis.cue.source == "Dunford Rovers"
