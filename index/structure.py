"""An article body as blocks of prose, read with a Markdown parser (markdown-it-py, CommonMark).

Why a real parser: who claims a sentence often depends on the layout around it. A bulleted list
or a blockquote belongs to the lead-in that introduces it ("According to a leaked draft, the plan
includes:"), a heading or the title frames what follows, and a sentence hard-wrapped over two
lines is still one sentence. Line heuristics got each of these wrong.

Each `Block` is one unit the tagger parses: a paragraph, a list item's paragraph, a quoted
paragraph or a heading. Its `text` joins the block's lines with a space and blanks inline markup
(link targets, emphasis marks, HTML tags) to spaces, so the text the parser reads has the same
shape as the article and every character maps back to the body (`Block.body_offset`): citations
still quote the article literally.

Lines of one Markdown paragraph are kept together unless a line ends a sentence and the next one
starts a new one: plain-text exports put one paragraph on each line without blank lines between
them, and a short line without closing punctuation before a capitalised line is a heading of such
an export ("Mixed signals from the White House").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from index.claims.lexicon import STOP_WORDS

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

BlockKind = Literal["paragraph", "heading", "item", "quote"]


@dataclass(frozen=True)
class Block:
    """One unit of prose and where each of its characters lies in the article body.

    `segments` holds (offset in `text`, offset in the body) for each source line the block joins;
    `lead_in` is the index of the block that introduces this one (a list item or a quotation under
    a paragraph ending in ":"), `heading` the index of the nearest heading above it.
    """

    kind: BlockKind
    text: str
    segments: tuple[tuple[int, int], ...]
    lead_in: int | None = None
    heading: int | None = None

    @property
    def start(self) -> int:
        return self.segments[0][1]

    def body_offset(self, offset: int) -> int:
        """The body offset of the character at `offset` in `text`."""
        k = bisect.bisect_right([text_start for text_start, _ in self.segments], offset) - 1
        text_start, body_start = self.segments[max(k, 0)]
        return body_start + (offset - text_start)

    def body_span(self, start: int, end: int) -> tuple[int, int]:
        """Body offsets of the text span [start, end): the end maps through its last character."""
        if end <= start:
            at = self.body_offset(start)
            return at, at
        return self.body_offset(start), self.body_offset(end - 1) + 1

    def piece(self, start: int, end: int) -> Block:
        """The part [start, end) of this block as a block of its own (long paragraphs are parsed in pieces)."""
        segments = [(0, self.body_offset(start))]
        for text_start, body_start in self.segments:
            if start < text_start < end:
                segments.append((text_start - start, body_start))
        return Block(self.kind, self.text[start:end], tuple(segments), self.lead_in, self.heading)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # CommonMark without raw-HTML rendering concerns (nothing is rendered) and without the
    # inline rules that never matter here; the block structure is what is read.
    return MarkdownIt("commonmark")


def read_blocks(body: str) -> list[Block]:
    """The prose blocks of an article body, in order, with lead-ins and headings linked."""
    lines = body.split("\n")
    line_starts = [0]
    for line in lines[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    blocks: list[Block] = []
    containers: list[str] = []
    last_heading: int | None = None
    # The paragraph just before a list or a quotation, per nesting depth: its lead-in when it ends in ":".
    before_container: list[int | None] = [None]
    pending_lead: list[int | None] = []
    tokens = _parser().parse(body)
    for position, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            previous = before_container[-1]
            lead = previous if previous is not None and _introduces(blocks[previous]) else None
            if lead is None and pending_lead:
                lead = pending_lead[-1]  # a nested list under an item that leads in, or a quote in a list
            pending_lead.append(lead)
            containers.append("quote" if token.type == "blockquote_open" else "item")
            before_container.append(None)
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            containers.pop()
            pending_lead.pop()
            before_container.pop()
        elif token.type == "inline" and token.map is not None:
            kind = _kind(tokens[position - 1], containers)
            lead_in = pending_lead[-1] if pending_lead else None
            for block in _blocks_of(token, kind, lines, line_starts):
                if block.kind == "heading":
                    blocks.append(Block("heading", block.text, block.segments, lead_in, last_heading))
                    last_heading = len(blocks) - 1
                else:
                    blocks.append(Block(block.kind, block.text, block.segments, lead_in, last_heading))
                before_container[-1] = len(blocks) - 1
        elif token.type in ("code_block", "fence", "html_block") and token.map is not None:
            # Indented or fenced text in a news article is prose that happens to be indented.
            for block in _lines_as_blocks((token.map[0], token.map[1]), lines, line_starts):
                blocks.append(Block(block.kind, block.text, block.segments, None, last_heading))
                before_container[-1] = len(blocks) - 1
    return blocks


def _kind(opening: Token, containers: list[str]) -> BlockKind:
    if opening.type == "heading_open":
        return "heading"
    if containers:
        return "quote" if containers[-1] == "quote" else "item"
    return "paragraph"


# A colon ("The memo reads:"), or a sentence left unfinished ("the proposals include", "...,"):
# either way the paragraph goes on in what follows it.
_LEAD_IN_END = re.compile(r"(?:[:：]|[\w,;–—-])\s*[\"“'‘]?\s*$")


def _introduces(block: Block) -> bool:
    """A paragraph that ends in a colon, or stops mid-sentence, introduces what follows it ("The
    memo reads:", "Union officials say the proposals include")."""
    return block.kind != "heading" and bool(_LEAD_IN_END.search(block.text))


def _blocks_of(token: Token, kind: BlockKind, lines: list[str], line_starts: list[int]) -> list[Block]:
    """The blocks of one Markdown paragraph or heading: its lines located in the body, joined,
    and split where one line ends a sentence and the next starts another (one paragraph a line)."""
    assert token.map is not None
    first, stop = token.map
    content_lines = token.content.split("\n")
    located: list[tuple[str, int]] = []
    for number, content in enumerate(content_lines):
        line_number = first + number
        if line_number >= stop or line_number >= len(lines):
            break
        at = _locate(content, lines[line_number])
        if at is None:
            return _lines_as_blocks((first, stop), lines, line_starts, kind)
        located.append((content.strip(), line_starts[line_number] + at))
    if kind == "heading":
        text, start = located[0] if located else ("", 0)
        return [_joined("heading", [(text, start)])] if text else []
    groups: list[list[tuple[str, int]]] = [[]]
    for number, (content, start) in enumerate(located):
        if not content:
            continue
        following = located[number + 1][0] if number + 1 < len(located) else None
        if following and _heading_line(content, following):
            if groups[-1]:
                groups.append([])
            groups[-1].append((content, start))
            groups[-1].append(("", -1))  # marks the group as a heading
            groups.append([])
            continue
        groups[-1].append((content, start))
        if following and _ends_sentence(content) and _starts_sentence(following):
            groups.append([])
    found = []
    for group in groups:
        if not group:
            continue
        if group[-1] == ("", -1):
            found.append(_joined("heading", group[:-1]))
        else:
            found.append(_joined(kind, group))
    return found


def _joined(kind: BlockKind, parts: list[tuple[str, int]]) -> Block:
    text_parts: list[str] = []
    segments: list[tuple[int, int]] = []
    offset = 0
    for content, start in parts:
        if text_parts:
            text_parts.append(" ")
            offset += 1
        segments.append((offset, start))
        text_parts.append(content)
        offset += len(content)
    return Block(kind, mask_markup("".join(text_parts)), tuple(segments))


def _lines_as_blocks(
    span: tuple[int, int], lines: list[str], line_starts: list[int], kind: BlockKind = "paragraph"
) -> list[Block]:
    """Each non-blank line of a span as a block of its own (indented text, or a paragraph whose
    lines could not be found in the body as the parser gave them)."""
    found = []
    for line_number in range(span[0], min(span[1], len(lines))):
        line = lines[line_number]
        stripped = line.strip()
        if stripped and not set(stripped) <= set("`~"):
            lead = len(line) - len(line.lstrip())
            found.append(_joined(kind, [(stripped, line_starts[line_number] + lead)]))
    return found


def _locate(content: str, line: str) -> int | None:
    """Where a line's content (as the parser gives it, container markers removed) starts in the line."""
    wanted = content.strip()
    if not wanted:
        return len(line) - len(line.lstrip())
    at = line.rstrip().rfind(wanted)
    if at < 0 or line[at + len(wanted) :].strip():
        return None
    return at


_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")
_WORDS = re.compile(r"[\w'’-]+")


# "U.S." or "Dr." at the end of a line is no sentence end: "the U.S.\nGovernment said ...".
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|St|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Prof|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept"
    r"|Oct|Nov|Dec|No|vs|Inc|Corp|Co|Ltd|Jr|Sr|Ave|Blvd|Mt)\.)$"
)


def _ends_sentence(line: str) -> bool:
    line = line.rstrip()
    return bool(_SENTENCE_END.search(line)) and not _ABBREVIATION.search(line)


def _starts_sentence(line: str) -> bool:
    first = line.lstrip("\"“‘'([ ")[:1]
    return first.isupper() or first.isdigit()


def _heading_line(line: str, following: str) -> bool:
    """A short line of a plain-text export that heads what follows: no closing punctuation, no
    comma, at most seven words, not ending in a function word, and a capitalised line after it.
    A hard-wrapped sentence ends in the middle of a clause, usually with a longer line."""
    stripped = line.strip()
    if not stripped or stripped[-1] in ".!?…:;,\"”’')]-–—" or "," in stripped:
        return False
    words = _WORDS.findall(stripped)
    if not words or len(words) > 7 or words[-1].lower() in STOP_WORDS:
        return False
    if not (stripped[0].isupper() or stripped[0].isdigit()):
        return False
    return _starts_sentence(following)


_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\n]*)\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]*>")
_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_EMPHASIS = re.compile(r"(?<![\w*_])(\*{1,3}|_{1,3})(?=\S)|(?<=\S)(\*{1,3}|_{1,3})(?![\w*_])")
_CODE_MARK = re.compile(r"`+")


def mask_markup(text: str) -> str:
    """Inline Markdown markup as spaces, the words kept in place: '[the memo](http://x) says' ->
    ' the memo            says'. Same length, so offsets into the text stay offsets into the line."""

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group())

    def link(match: re.Match[str]) -> str:
        label = match.group(1)
        opening = len(match.group()) - len(label) - len(match.group(2)) - 3
        return " " * opening + label + " " * (len(match.group(2)) + 3)

    text = _LINK.sub(link, text)
    text = _AUTOLINK.sub(blank, text)
    text = _TAG.sub(blank, text)
    text = _CODE_MARK.sub(blank, text)
    return _EMPHASIS.sub(blank, text)
