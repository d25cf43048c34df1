"""Articles read as Markdown blocks: what the tagger parses, and where each character came from."""

from __future__ import annotations

import pytest

from index.structure import mask_markup, read_blocks

BODY = """Harbor Bridge update
According to people briefed on the plan, the city will close the Harbor
Bridge for repairs in May.

According to a leaked draft seen by the Tribune, the plan includes:
- closing the bridge for six weeks
- raising tolls by 20 percent
  over two years

A leaked memo reads:
> Staff should prepare for the closure.

## Anonymous allegations
The director moved the funds in March.
The fund **was** [audited](https://example.org/audit) twice.
"""


def _texts(body: str) -> list[tuple[str, str]]:
    return [(block.kind, block.text) for block in read_blocks(body)]


def test_a_hard_wrapped_sentence_is_one_block_whose_offsets_quote_the_body() -> None:
    blocks = read_blocks(BODY)
    wrapped = next(block for block in blocks if block.text.startswith("According to people briefed"))
    assert wrapped.text.endswith("Harbor Bridge for repairs in May.")
    start, end = wrapped.body_span(0, len(wrapped.text))
    wrapped_lines = (
        "According to people briefed on the plan, the city will close the Harbor\nBridge for repairs in May."
    )
    assert BODY[start:end] == wrapped_lines
    at = wrapped.text.index("Bridge for")
    assert BODY[wrapped.body_offset(at) :].startswith("Bridge for repairs")


def test_list_items_and_quotations_are_tied_to_the_lead_in_that_introduces_them() -> None:
    blocks = read_blocks(BODY)
    lead = next(i for i, block in enumerate(blocks) if block.text.endswith("the plan includes:"))
    items = [block for block in blocks if block.kind == "item"]
    texts = [block.text for block in items]
    assert texts == ["closing the bridge for six weeks", "raising tolls by 20 percent over two years"]
    assert all(block.lead_in == lead for block in items)
    memo = next(i for i, block in enumerate(blocks) if block.text == "A leaked memo reads:")
    (quote,) = [block for block in blocks if block.kind == "quote"]
    assert quote.lead_in == memo and quote.text == "Staff should prepare for the closure."
    start, end = quote.body_span(0, len(quote.text))
    assert BODY[start:end] == quote.text


def test_headings_head_what_follows_and_a_short_plain_line_is_a_heading() -> None:
    blocks = read_blocks(BODY)
    assert blocks[0].kind == "heading" and blocks[0].text == "Harbor Bridge update"
    allegations = next(i for i, block in enumerate(blocks) if block.text == "Anonymous allegations")
    claim = next(block for block in blocks if block.text.startswith("The director moved"))
    assert claim.kind == "paragraph" and claim.heading == allegations


def test_one_paragraph_a_line_stays_one_block_a_line() -> None:
    body = "The council met on Monday.\nThe vote was seven to two.\nThe Mayor of\nRiverside objected."
    assert _texts(body) == [
        ("paragraph", "The council met on Monday."),
        ("paragraph", "The vote was seven to two."),
        ("paragraph", "The Mayor of Riverside objected."),
    ]


def test_a_list_under_a_plain_paragraph_has_no_lead_in() -> None:
    blocks = read_blocks("The bridge closed on Monday.\n\n- Ferries run hourly.\n- Buses are free.\n")
    assert [block.lead_in for block in blocks] == [None, None, None]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("The [memo](http://x.org/a) says", "The  memo" + " " * 17 + " says"),
        ("It **was** done", "It   was   done"),
        ("See <b>this</b>.", "See    this    ."),
        ("snake_case_name stays", "snake_case_name stays"),
    ],
)
def test_markup_is_blanked_without_moving_words(text: str, masked: str) -> None:
    assert mask_markup(text) == masked
    assert len(mask_markup(text)) == len(text)


def test_markup_is_parsed_as_words_and_quoted_as_written() -> None:
    blocks = read_blocks(BODY)
    audited = next(block for block in blocks if "audited" in block.text)
    assert "https" not in audited.text and "**" not in audited.text
    start, end = audited.body_span(0, len(audited.text))
    assert BODY[start:end] == "The fund **was** [audited](https://example.org/audit) twice."
