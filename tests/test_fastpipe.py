"""The fast pipeline (`index.claims.fastpipe`) annotates exactly as the stock spaCy pipeline, on
sentences written here."""

from __future__ import annotations

from index.claims.rules import load_nlp


def test_the_fast_pipeline_annotates_exactly_as_the_stock_one() -> None:
    import spacy

    from index.claims.fastpipe import CachedLemmatizer, FastAttributeRuler, parse_annotations
    from index.claims.rules import SPACY_MODEL

    texts = [
        '"The pier will close in May," said Ann Lee, the harbor master. Some residents say the repairs '
        "could take a year. The council, a clerk said, approved the budget on Monday.",
        "She didn't say whether the ferries were running; they weren't, and won't be until 9 a.m. Tuesday.",
        "The U.S. Coast Guard's report ― all 12 pages of it ― was released at 5:30 p.m.",
        "  Mr. O'Neill, 54, told reporters: \"I'm not going anywhere.\"  ",
        "COUNCIL DELAYS VOTE ON HARBOR BUDGET",
    ]
    fast = load_nlp()
    kinds = {type(component) for _, component in fast.pipeline}
    assert {CachedLemmatizer, FastAttributeRuler} <= kinds
    stock = spacy.load(SPACY_MODEL, exclude=["ner"])
    for ours, theirs in zip(fast.pipe(texts), stock.pipe(texts), strict=True):
        assert parse_annotations(ours) == parse_annotations(theirs)
