"""How answers and index reports look in a terminal (rich), rendered from their fields.

Everything that comes from articles, servers or feeds (titles, outlets, quotes, paths, notes) is
added as plain `Text`, never as markup: a title holding "[/]" or "[link=...]" shows as written and
cannot break the output or become a live link. And all of it goes through `plain`, so terminal
escape sequences in it (from a server's answer, a feed list, a file name) are never sent raw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.answering.models import Answer, Claim
from bot.answering.wording import markers, older_line, status_detail
from index.text import printable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from index.build import IndexReport
    from index.feeds.report import FetchReport
    from index.feeds.state import FeedEntry
    from index.store import IndexStatus

STATUS_STYLE = {"confirmed": "green", "reported": "yellow", "speculative": "magenta", "disputed": "red"}


def plain(value: str, style: str = "") -> Text:
    """Text from outside as inert terminal text: no markup, no control characters (`printable`)."""
    return Text(printable(value), style=style)


def claim_line(claim: Claim) -> Text:
    """`[1] text  reported` with the status in its colour."""
    line = Text()
    line.append(markers(claim) + " ", style="bold")
    line.append_text(plain(claim.text))
    line.append("  ")
    line.append(claim.status.value, style=f"bold {STATUS_STYLE[claim.status.value]}")
    return line


def render_answer(console: Console, answer: Answer) -> None:
    for note in answer.notes:
        console.print(Text.assemble(("note: ", "yellow"), plain(note)))
    if answer.abstained:
        console.print(Panel(plain(answer.answer), title="Answer", border_style="dim"))
        return
    body = Text("\n").join(claim_line(claim) for claim in answer.claims)
    unconfirmed = answer.unconfirmed_claims
    if unconfirmed:
        body.append("\n\n")
        body.append("Unconfirmed:", style="bold yellow")
        for claim in unconfirmed:
            body.append("\n  " + markers(claim) + " is ")
            body.append(claim.status.value, style=STATUS_STYLE[claim.status.value])
            body.append_text(plain(status_detail(claim)[len(claim.status.value) :]))
    older = [claim for claim in answer.claims if claim.superseded_by]
    if older:
        body.append("\n\n")
        body.append("Older:", style="bold")
        for claim in older:
            body.append_text(plain("\n  " + older_line(claim)))
    if answer.as_of:
        body.append_text(plain(f"\n\nas of {answer.as_of} (the newest cited article)", style="dim"))
    if answer.removed_sentences:
        removed = answer.removed_sentences
        body.append(f"\n\n({removed} unsupported sentence{'s' if removed != 1 else ''} removed.)", style="dim")
    console.print(Panel(body, title=f"Answer ({answer.mode})"))
    sources = Table(title="Sources", show_lines=True)
    for column in ("n", "outlet", "title", "date", "url", "quote"):
        sources.add_column(column, overflow="fold")
    for source in answer.sources:
        sources.add_row(
            str(source.n),
            plain(source.outlet),
            plain(source.title),
            plain(source.published or "-"),
            plain(source.url or "-"),
            plain(source.quote),
        )
    console.print(sources)


def render_report(console: Console, report: IndexReport) -> None:
    table = Table(title="Index update" + (" (rebuilt)" if report.rebuilt else ""), show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("articles", overflow="fold")
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
        ("skipped (unchanged)", report.skipped),
    ):
        shown = ", ".join(ids[:8]) + (f", … {len(ids) - 8} more" if len(ids) > 8 else "")
        table.add_row(label, str(len(ids)), plain(shown))
    table.add_row("chunks embedded", str(report.chunks_written), "")
    table.add_row("problems", str(len(report.problems)), "")
    table.add_row("time", f"{report.seconds:.1f} s", "")
    console.print(table)
    for note in report.notes:
        console.print(Text.assemble(("note: ", "yellow"), plain(note)))
    for problem in report.problems:
        console.print(Text.assemble(("skipped ", "red"), plain(f"{problem.path}: {problem.reason}")))


def render_status(console: Console, status: IndexStatus, *, corpus: str, mode: str, precision: str) -> None:
    """What `index --status` shows; `precision` is how this machine's indexer embeds (settings and CPU)."""
    table = Table(title="factdesk index", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    rows = [
        ("store", status.store),
        ("corpus folder", corpus),
        ("articles", str(status.articles)),
        ("chunks", str(status.chunks)),
        ("embedding model", status.embed_model or "-"),
        ("embedding dtype", precision),  # no longer than the other labels: scripts read the table
        ("answer mode", mode),
        ("last update", status.updated_at or "never"),
        ("generation", status.generation or "-"),
    ]
    if status.update_interrupted:
        rows.append(("warning", "the last update was interrupted; the next `factdesk index` repairs it"))
    for what, value in rows:
        table.add_row(what, plain(value))
    console.print(table)


def render_fetch(console: Console, report: FetchReport) -> None:
    """What a fetch wrote, and each feed or page that failed, by address and reason."""
    summary = f"fetched in {report.seconds:.1f} s: {len(report.written)} new, {len(report.updated)} changed, "
    summary += f"{report.unchanged} unchanged, {report.not_modified} feeds not modified"
    console.print(Text(summary))
    for kind, paths in (("new", report.written), ("changed", report.updated)):
        for path in paths:
            console.print(Text.assemble((f"  {kind} ", "green"), plain(path)))
    for note in report.notes:
        console.print(Text.assemble(("note: ", "yellow"), plain(note)))
    for problem in report.problems:
        console.print(Text.assemble(("failed ", "red"), plain(f"{problem.url}: {problem.reason}")))


def render_feeds(console: Console, feeds: Sequence[FeedEntry]) -> None:
    if not feeds:
        console.print("no feeds followed: add one with `factdesk feeds add URL`", markup=False)
        return
    table = Table(title="Followed feeds")
    for column in ("feed", "outlet", "added", "last read"):
        table.add_column(column, overflow="fold")
    for feed in feeds:
        table.add_row(
            plain(feed.url), plain(feed.outlet or "-"), plain(feed.added or "-"), plain(feed.last_polled or "never")
        )
    console.print(table)
