"""How answers, listings and index reports look in Discord: Markdown messages of at most 2,000 characters.

Everything that comes from articles, questions or models is escaped (Markdown and mentions), so
a message shows the text as written and can never ping anyone even before `allowed_mentions`.
Long output is split between blocks first, then at sentence ends, then between words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from discord.utils import escape_markdown, escape_mentions

from bot.answering import wording
from bot.answering.models import Answer, Claim, Source

if TYPE_CHECKING:
    from index.build import IndexReport
    from index.store import ArticleRecord, IndexStatus

MESSAGE_LIMIT = 2000
QUOTE_CHARS = 300
TITLE_CHARS = 200
CLAIM_CHARS = 120
URL_CHARS = 500
SHOWN_PROBLEMS = 5

# A sentence end, with any closing quotes and the [n] markers that belong to the sentence before it.
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?:\s*\[\d+\])*(?=\s)")
_SAFE_URL = re.compile(r"^https?://[^\s<>]+$")


# A "[" that no odd number of backslashes escapes: it could open a masked link "[text](url)".
_OPEN_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")
_SCHEME = re.compile(r"\b([a-z][a-z0-9+.-]{1,15}:)//", re.IGNORECASE)


def escape(text: str) -> str:
    """Text from outside (articles, questions, models) shown literally and inert.

    No Markdown (every "[" escaped, so no masked link "[official statement](https://evil)"),
    no mentions, no `<...>` syntax (timestamps `<t:...>`, command mentions `</name:id>`, channel
    links, custom emoji) and no clickable address: only the sources' own URLs are links.
    """
    text = escape_markdown(escape_mentions(text), ignore_links=False)
    text = _OPEN_BRACKET.sub(lambda match: match.group(1) + "\\[", text)
    text = text.replace("<", "<\u200b")
    return _SCHEME.sub("\\1\u200b//", text)


def shorten(text: str, limit: int) -> str:
    """Collapse whitespace; cut at a word boundary with an ellipsis when longer than `limit`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return (text[:cut] if cut > limit // 2 else text[: limit - 1]).rstrip(" ,;:") + "…"


def link(url: str | None) -> str:
    """`<url>` (angle brackets: no preview), or nothing for an address that would break the Markdown."""
    if url and len(url) <= URL_CHARS and _SAFE_URL.match(url):
        return f"<{url}>"
    return ""


@dataclass(frozen=True)
class Block:
    """A unit kept whole in one message when it fits; `tight` joins it to the one before by one newline."""

    text: str
    tight: bool = False


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut an over-long text at line ends, then sentence ends, then spaces; never inside a word that fits."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    window = text[: limit + 1]
    newline = window.rfind("\n", 0, limit)
    if newline > limit // 3:
        return newline
    ends = [match.end() for match in _SENTENCE_END.finditer(window) if match.end() <= limit]
    if ends and ends[-1] > limit // 3:
        return ends[-1]
    spaces = [match.start() for match in re.finditer(r"\s", window)]
    if spaces and spaces[-1] > 0:
        return spaces[-1]
    # One word longer than a message (a very long address): cut it, but never after an escaping backslash.
    return limit - 1 if text[limit - 1] == "\\" else limit


def pack(blocks: Iterable[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Fill messages with whole blocks, in order; a block longer than a message is split by `split_text`."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block.text, limit):
            joint = "" if not current else ("\n" if block.tight else "\n\n")
            if len(current) + len(joint) + len(piece) <= limit:
                current += joint + piece
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


# --- answers --------------------------------------------------------------------------


def format_answer(answer: Answer, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The claims with [n] markers, an **Unconfirmed** list, then every source; messages within `limit`."""
    blocks = [Block(f"*Note: {escape(note)}*") for note in answer.notes]
    if answer.abstained:
        return pack([*blocks, Block(escape(answer.answer))], limit)
    claims = " ".join(f"{escape(wording.claim_sentence(claim))} {wording.markers(claim)}" for claim in answer.claims)
    blocks.append(Block(claims))
    if answer.removed_sentences:
        blocks.append(Block(escape(wording.removed_note(answer.removed_sentences))))
    blocks += _section("**Unconfirmed**", [_unconfirmed_item(claim) for claim in answer.unconfirmed_claims])
    older = [claim for claim in answer.claims if claim.superseded_by]
    blocks += _section("**Older**", [f"- {wording.older_line(claim)}" for claim in older])
    if answer.as_of:
        blocks.append(Block(f"*As of {escape(answer.as_of)}, the newest cited article.*"))
    said = " ".join(wording.claims_text(answer.claims).split())
    entries = [source_entry(source, quote=" ".join(source.quote.split()) not in said) for source in answer.sources]
    blocks += _section("**Sources**", entries)
    return pack(blocks, limit)


def _section(heading: str, items: Sequence[str]) -> list[Block]:
    if not items:
        return []
    return [Block(f"{heading}\n{items[0]}"), *(Block(item, tight=True) for item in items[1:])]


def _unconfirmed_item(claim: Claim) -> str:
    """`- [2] “claim” — is disputed, claimed by A, disputed by B`."""
    detail = wording.status_detail(claim)
    return (
        f"- {wording.markers(claim)} “{escape(shorten(claim.text, CLAIM_CHARS))}” — is {escape(shorten(detail, 300))}"
    )


def source_entry(source: Source, *, quote: bool = True) -> str:
    """`[1] Outlet — *Title* (2024-03-01) <url>`, then the cited sentence unless the answer already has it verbatim."""
    head = f"[{source.n}] {escape(shorten(source.outlet, 100))} — *{escape(shorten(source.title, TITLE_CHARS))}*"
    if source.published:
        head += f" ({escape(source.published)})"
    if address := link(source.url):
        head += f" {address}"
    return f"{head}\n> {escape(shorten(source.quote, QUOTE_CHARS))}" if quote else head


# --- listings and reports ---------------------------------------------------------------


def article_line(record: ArticleRecord) -> str:
    line = f"- {escape(shorten(record.outlet, 100))} — *{escape(shorten(record.title, TITLE_CHARS))}*"
    if record.published:
        line += f" ({escape(record.published)})"
    if address := link(record.url):
        line += f" {address}"
    return line


def format_sources_page(records: Sequence[ArticleRecord], page: int, per_page: int = 10) -> list[str]:
    """One page of the indexed articles, newest first; a page past the end shows the last one."""
    if not records:
        return ["Nothing is indexed yet."]
    pages = math.ceil(len(records) / per_page)
    page = min(max(page, 1), pages)
    ordered = sorted(records, key=lambda r: (r.published or "", r.title.casefold()), reverse=True)
    shown = ordered[(page - 1) * per_page : page * per_page]
    heading = f"**Indexed articles** — page {page} of {pages} ({len(records)} articles)"
    if page < pages:
        heading += f"; next: `/sources page:{page + 1}`"
    lines = [article_line(record) for record in shown]
    return pack([Block(f"{heading}\n{lines[0]}"), *(Block(line, tight=True) for line in lines[1:])])


def format_status(status: IndexStatus, mode: str, *, watching: bool) -> str:
    rows = [
        ("Articles", f"{status.articles:,}"),
        ("Chunks", f"{status.chunks:,}"),
        ("Last update", _timestamp(status.updated_at)),
        ("Answer mode", mode),
        ("Embedding model", escape(status.embed_model or "-")),
        ("Watching the corpus folder", "yes" if watching else "no"),
    ]
    lines = ["**factdesk index**", *(f"{name}: {value}" for name, value in rows)]
    if status.update_interrupted:
        lines.append("Warning: the last update was interrupted; the next update repairs it.")
    return "\n".join(lines)


def _timestamp(iso: str | None) -> str:
    """A Discord timestamp, shown in each reader's time zone: `<t:1709251200:f> (<t:1709251200:R>)`."""
    if not iso:
        return "never"
    try:
        seconds = int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return escape(iso)
    return f"<t:{seconds}:f> (<t:{seconds}:R>)"


def format_report(report: IndexReport) -> list[str]:
    summary = (
        f"Index updated in {report.seconds:.1f} s: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.skipped)} unchanged."
    )
    blocks = [Block(summary)]
    blocks += [Block(f"*Note: {escape(note)}*", tight=True) for note in report.notes]
    if report.problems:
        problems = [f"- {escape(shorten(str(problem), 300))}" for problem in report.problems[:SHOWN_PROBLEMS]]
        if len(report.problems) > SHOWN_PROBLEMS:
            problems.append(f"- … and {len(report.problems) - SHOWN_PROBLEMS} more")
        blocks += _section(f"**{len(report.problems)} file(s) skipped**", problems)
    return pack(blocks)


def format_announcement(records: Sequence[ArticleRecord], more: int = 0) -> list[str]:
    """`New in the index` with one line per article; `more` counts added articles not listed."""
    lines = [article_line(record) for record in records]
    if more:
        lines.append(f"- … and {more} more")
    if not lines:
        return []
    return pack([Block(f"**New in the index**\n{lines[0]}"), *(Block(line, tight=True) for line in lines[1:])])
